#!/usr/bin/env node
// SDK conformance driver for the official Node server SDK, `pusher` (npm, pinned by the
// repository's package-lock.json). Speaks the protocol of test/sdks/README.md: one JSON
// request per line on stdin, one JSON reply per line on stdout; each op is one SDK call.
'use strict';
const { createInterface } = require('node:readline');
const Pusher = require('pusher');
const { version } = require('pusher/package.json');

const env = process.env;
const client = new Pusher({
  appId: env.SDK_APP_ID,
  key: env.SDK_APP_KEY,
  secret: env.SDK_APP_SECRET,
  host: env.SDK_HOST,
  port: env.SDK_PORT,
  useTLS: false,
  ...(env.SDK_ENCRYPTION_MASTER_KEY_BASE64 ? { encryptionMasterKeyBase64: env.SDK_ENCRYPTION_MASTER_KEY_BASE64 } : {}),
});

/** The SDK answers with a fetch Response; its body is Pusher's JSON answer. */
async function bodyOf(response) {
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

const OPS = {
  trigger: (a) => client.trigger(a.channels, a.event, a.data, { ...(a.socket_id ? { socket_id: a.socket_id } : {}), ...(a.info ? { info: a.info } : {}) }).then(bodyOf),
  trigger_batch: (a) => client.triggerBatch(a.batch).then(bodyOf),
  channels_info: (a) =>
    client.get({ path: '/channels', params: { ...(a.prefix ? { filter_by_prefix: a.prefix } : {}), ...(a.info ? { info: a.info.join(',') } : {}) } }).then(bodyOf),
  channel_info: (a) => client.get({ path: `/channels/${a.channel}`, params: a.info ? { info: a.info.join(',') } : {} }).then(bodyOf),
  users_info: (a) => client.get({ path: `/channels/${a.channel}/users` }).then(bodyOf),
  terminate_user_connections: (a) => client.terminateUserConnections(a.user_id).then(bodyOf),
  send_to_user: (a) => client.sendToUser(a.user_id, a.event, a.data).then(bodyOf),
  authorize_channel: (a) => client.authorizeChannel(a.socket_id, a.channel, a.presence),
  authenticate_user: (a) => client.authenticateUser(a.socket_id, a.user),
  validate_webhook: (a) => {
    // The SDK also checks the content type; Herald sends application/json.
    const headers = { 'content-type': 'application/json', 'x-pusher-key': a.key, 'x-pusher-signature': a.signature };
    const webhook = client.webhook({ headers, rawBody: a.body });
    if (!webhook.isValid()) throw new Error('webhook rejected: isValid() is false');
    return webhook.getData();
  },
};

function write(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return write({ id: null, ok: false, error: `not JSON: ${line}` });
  }
  const { id, op, args = {} } = request;
  if (op === 'quit') {
    write({ id, ok: true, result: null });
    process.exit(0);
  }
  const run = OPS[op];
  if (!run) return write({ id, ok: false, unsupported: true, error: `unknown op ${op}` });
  try {
    write({ id, ok: true, result: (await run(args)) ?? null });
  } catch (err) {
    // The SDK's RequestError carries Herald's status and body.
    write({ id, ok: false, error: err.message, ...(err.status ? { status: err.status, body: err.body } : {}) });
  }
}

write({ hello: true, language: 'node', sdk: 'pusher', version });
// One request at a time, in order, as the protocol promises.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(() => handle(line));
});
