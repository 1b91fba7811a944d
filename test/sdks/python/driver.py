"""SDK conformance driver for the official Python server SDK, `pusher` (PyPI).

Speaks the protocol of test/sdks/README.md: one JSON request per line on stdin, one JSON reply
per line on stdout. Each op is one call of the SDK's own API, made the way an app would.
"""
import json
import os
import sys
import traceback
from importlib.metadata import version

import pusher
from pusher.errors import PusherBadAuth, PusherBadRequest, PusherBadStatus, PusherError, PusherForbidden

# The SDK's errors carry only the response body; the status is in the exception's class
# (PusherBadStatus, for any other status, has the message "<status>: <body>").
STATUS_OF = {PusherBadRequest: 400, PusherBadAuth: 401, PusherForbidden: 403}


class Unsupported(Exception):
    pass


class Rejected(Exception):
    """A failure the driver itself reports (no SDK exception to pass on)."""


def trigger(c, a):
    if a.get("info"):
        raise Unsupported("this SDK's trigger has no info parameter")
    return c.trigger(a["channels"], a["event"], a["data"], socket_id=a.get("socket_id"))


def trigger_batch(c, a):
    # The SDK sends each event dict as given (only `data` is encoded), so socket_id and info
    # go through in the dict, as an app would put them there.
    return c.trigger_batch([dict(e) for e in a["batch"]])


def authorize_channel(c, a):
    custom_data = None
    presence = a.get("presence")
    if presence:
        custom_data = {"user_id": presence["user_id"]}
        if "user_info" in presence:
            custom_data["user_info"] = presence["user_info"]
    # 3.3.4 calls channel authorisation `authenticate`.
    return c.authenticate(channel=a["channel"], socket_id=a["socket_id"], custom_data=custom_data)


def validate_webhook(c, a):
    webhook = c.validate_webhook(key=a["key"], signature=a["signature"], body=a["body"])
    if webhook is None:  # the SDK's only answer for a bad key, signature, body or time_ms
        raise Rejected("webhook rejected: validate_webhook returned None")
    return webhook


OPS = {
    "trigger": trigger,
    "trigger_batch": trigger_batch,
    "channels_info": lambda c, a: c.channels_info(prefix_filter=a.get("prefix"), attributes=a.get("info") or []),
    "channel_info": lambda c, a: c.channel_info(a["channel"], attributes=a.get("info") or []),
    "users_info": lambda c, a: c.users_info(a["channel"]),
    "terminate_user_connections": lambda c, a: c.terminate_user_connections(a["user_id"]),
    "send_to_user": lambda c, a: c.send_to_user(a["user_id"], a["event"], a["data"]),
    "authorize_channel": authorize_channel,
    "authenticate_user": lambda c, a: c.authenticate_user(a["socket_id"], user_data=a["user"]),
    "validate_webhook": validate_webhook,
}


def to_json(value):
    # authenticate() returns shared_secret as base64 bytes; anything else non-JSON is an error.
    def default(o):
        if isinstance(o, bytes):
            return o.decode("ascii")
        raise TypeError(f"result holds a {type(o).__name__}, not JSON")

    return json.dumps(value, default=default)


def error_reply(req_id, e):
    reply = {"id": req_id, "ok": False, "error": f"{type(e).__name__}: {e}"}
    status, body = STATUS_OF.get(type(e)), str(e)
    if isinstance(e, PusherBadStatus):
        head, _, rest = body.partition(": ")
        if head.isdigit():
            status, body = int(head), rest
    if status is not None:
        reply["status"], reply["body"] = status, body
    return reply


def main():
    out = sys.stdout
    sys.stdout = sys.stderr  # anything else that prints must not corrupt the protocol

    def write(line):
        out.write(line + "\n")
        out.flush()

    env = os.environ
    client = pusher.Pusher(
        app_id=env["SDK_APP_ID"],
        key=env["SDK_APP_KEY"],
        secret=env["SDK_APP_SECRET"],
        host=env["SDK_HOST"],
        port=int(env["SDK_PORT"]),
        ssl=False,
        encryption_master_key_base64=env.get("SDK_ENCRYPTION_MASTER_KEY_BASE64") or None,
    )
    write(to_json({"hello": True, "language": "python", "sdk": "pusher", "version": version("pusher")}))

    for line in sys.stdin:
        if not line.strip():
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id, op = req.get("id"), req.get("op")
            if op == "quit":
                write(to_json({"id": req_id, "ok": True, "result": None}))
                return
            if op not in OPS:
                raise Rejected(f"unknown op {op!r}")
            result = OPS[op](client, req.get("args") or {})
            write(to_json({"id": req_id, "ok": True, "result": result}))
        except Unsupported as e:
            write(to_json({"id": req_id, "ok": False, "unsupported": True, "error": str(e)}))
        except Rejected as e:
            write(to_json({"id": req_id, "ok": False, "error": str(e)}))
        except Exception as e:
            if not isinstance(e, PusherError):
                traceback.print_exc()  # stderr: shown when a test fails
            write(to_json(error_reply(req_id, e)))


if __name__ == "__main__":
    main()
