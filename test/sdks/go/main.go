// Conformance driver for the official Go server SDK, github.com/pusher/pusher-http-go/v5.
// Protocol: test/sdks/README.md (one JSON request per stdin line, one JSON reply per stdout line).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"

	pusher "github.com/pusher/pusher-http-go/v5"
)

const sdkModule = "github.com/pusher/pusher-http-go/v5"

type request struct {
	ID   any    `json:"id"`
	Op   string `json:"op"`
	Args args   `json:"args"`
}

// errUnsupported marks an op the SDK does not offer at all.
type errUnsupported string

func (e errUnsupported) Error() string { return string(e) }

var out = bufio.NewWriter(os.Stdout)

// emit writes one JSON line and flushes it, so the test sees each reply at once.
func emit(v any) {
	line, err := json.Marshal(v)
	if err != nil {
		line, _ = json.Marshal(map[string]any{"ok": false, "error": "driver: cannot encode reply: " + err.Error()})
	}
	out.Write(line)
	out.WriteByte('\n')
	out.Flush()
}

// sdkVersion is the version of the SDK module linked into this binary.
func sdkVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == sdkModule {
				if dep.Replace != nil {
					return dep.Replace.Version
				}
				return dep.Version
			}
		}
	}
	return "unknown"
}

func main() {
	client := &pusher.Client{
		AppID:                     os.Getenv("SDK_APP_ID"),
		Key:                       os.Getenv("SDK_APP_KEY"),
		Secret:                    os.Getenv("SDK_APP_SECRET"),
		Host:                      os.Getenv("SDK_HOST") + ":" + os.Getenv("SDK_PORT"),
		Secure:                    false,
		EncryptionMasterKeyBase64: os.Getenv("SDK_ENCRYPTION_MASTER_KEY_BASE64"),
	}
	emit(map[string]any{"hello": true, "language": "go", "sdk": sdkModule, "version": sdkVersion()})

	// bufio.Reader rather than Scanner: no limit on line length.
	in := bufio.NewReader(os.Stdin)
	for {
		line, readErr := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if !handle(client, line) {
				return
			}
		}
		if readErr != nil {
			if readErr != io.EOF {
				fmt.Fprintln(os.Stderr, "driver: reading stdin:", readErr)
			}
			return
		}
	}
}

// handle answers one request line; it returns false after "quit".
func handle(client *pusher.Client, line []byte) bool {
	var req request
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber() // keep numbers in `data` exactly as sent
	if err := dec.Decode(&req); err != nil {
		emit(map[string]any{"id": req.ID, "ok": false, "error": "driver: bad request: " + err.Error()})
		return true
	}
	if req.Op == "quit" {
		emit(map[string]any{"id": req.ID, "ok": true, "result": nil})
		return false
	}
	result, err := call(client, req)
	if err != nil {
		emit(errorReply(req.ID, err))
	} else {
		emit(map[string]any{"id": req.ID, "ok": true, "result": result})
	}
	return true
}

// call runs one op, turning a panic inside the SDK into an error reply.
func call(client *pusher.Client, req request) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in %s: %v", req.Op, p)
			fmt.Fprintf(os.Stderr, "driver: %v\n%s", err, debug.Stack())
		}
	}()
	return dispatch(client, req.Op, req.Args)
}

// The SDK reports a non-2xx answer only as fmt.Sprintf("Status Code: %d - %s", status, body)
// (request.go, processResponse); no other SDK error starts this way.
var statusErr = regexp.MustCompile(`(?s)\AStatus Code: (\d+) - (.*)\z`)

func errorReply(id any, err error) map[string]any {
	reply := map[string]any{"id": id, "ok": false, "error": err.Error()}
	if _, ok := err.(errUnsupported); ok {
		reply["unsupported"] = true
	} else if m := statusErr.FindStringSubmatch(err.Error()); m != nil {
		status, _ := strconv.Atoi(m[1])
		reply["status"] = status
		reply["body"] = m[2]
	}
	return reply
}
