package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	pusher "github.com/pusher/pusher-http-go/v5"
)

// args holds the union of every op's arguments (test/sdks/README.md, server operations).
type args struct {
	Channels  []string        `json:"channels"`
	Channel   string          `json:"channel"`
	Event     string          `json:"event"`
	Data      any             `json:"data"`
	SocketID  *string         `json:"socket_id"`
	Info      json.RawMessage `json:"info"` // a string for trigger, a list for channel(s)_info
	Prefix    *string         `json:"prefix"`
	Batch     []batchItem     `json:"batch"`
	UserID    string          `json:"user_id"`
	Presence  *presence       `json:"presence"`
	User      map[string]any  `json:"user"`
	Body      string          `json:"body"`
	Key       *string         `json:"key"`
	Signature *string         `json:"signature"`
}

type batchItem struct {
	Channel  string          `json:"channel"`
	Name     string          `json:"name"`
	Data     any             `json:"data"`
	SocketID *string         `json:"socket_id"`
	Info     json.RawMessage `json:"info"`
}

type presence struct {
	UserID   string         `json:"user_id"`
	UserInfo map[string]any `json:"user_info"`
}

func dispatch(c *pusher.Client, op string, a args) (any, error) {
	switch op {
	case "trigger":
		info, err := infoParam(a.Info)
		if err != nil {
			return nil, err
		}
		if a.SocketID == nil && info == nil {
			// TriggerMulti returns only an error, so the result is null.
			return nil, c.TriggerMulti(a.Channels, a.Event, a.Data)
		}
		res, err := c.TriggerMultiWithParams(a.Channels, a.Event, a.Data,
			pusher.TriggerParams{SocketID: a.SocketID, Info: info})
		if err != nil {
			return nil, err
		}
		return triggerResult(res), nil

	case "trigger_batch":
		events := make([]pusher.Event, len(a.Batch))
		for i, b := range a.Batch {
			info, err := infoParam(b.Info)
			if err != nil {
				return nil, err
			}
			events[i] = pusher.Event{Channel: b.Channel, Name: b.Name, Data: b.Data, SocketID: b.SocketID, Info: info}
		}
		res, err := c.TriggerBatch(events)
		if err != nil {
			return nil, err
		}
		return batchResult(res), nil

	case "channels_info":
		info, err := infoParam(a.Info)
		if err != nil {
			return nil, err
		}
		res, err := c.Channels(pusher.ChannelsParams{FilterByPrefix: a.Prefix, Info: info})
		if err != nil {
			return nil, err
		}
		channels := map[string]any{}
		for name, ch := range res.Channels {
			// ChannelListItem.UserCount is a plain int: absent and 0 look alike. A listed
			// presence channel always has a member, so 0 means "not in Herald's answer".
			item := map[string]any{}
			if ch.UserCount != 0 {
				item["user_count"] = ch.UserCount
			}
			channels[name] = item
		}
		return map[string]any{"channels": channels}, nil

	case "channel_info":
		info, err := infoParam(a.Info)
		if err != nil {
			return nil, err
		}
		res, err := c.Channel(a.Channel, pusher.ChannelParams{Info: info})
		if err != nil {
			return nil, err
		}
		// Channel's counts are plain ints too: report one when asked for or non-zero.
		asked := map[string]bool{}
		if info != nil {
			for _, f := range strings.Split(*info, ",") {
				asked[strings.TrimSpace(f)] = true
			}
		}
		out := map[string]any{"occupied": res.Occupied}
		if asked["user_count"] || res.UserCount != 0 {
			out["user_count"] = res.UserCount
		}
		if asked["subscription_count"] || res.SubscriptionCount != 0 {
			out["subscription_count"] = res.SubscriptionCount
		}
		return out, nil

	case "users_info":
		res, err := c.GetChannelUsers(a.Channel)
		if err != nil {
			return nil, err
		}
		users := []any{}
		for _, u := range res.List {
			users = append(users, map[string]any{"id": u.ID})
		}
		return map[string]any{"users": users}, nil

	case "terminate_user_connections":
		return nil, errUnsupported("pusher-http-go v5 has no TerminateUserConnections call")

	case "send_to_user":
		return nil, c.SendToUser(a.UserID, a.Event, a.Data)

	case "authorize_channel":
		// The SDK takes the auth endpoint's form body, as pusher-js posts it.
		params := []byte(url.Values{"socket_id": {a.socket()}, "channel_name": {a.Channel}}.Encode())
		var auth []byte
		var err error
		if a.Presence != nil {
			auth, err = c.AuthorizePresenceChannel(params,
				pusher.MemberData{UserID: a.Presence.UserID, UserInfo: stringMap(a.Presence.UserInfo)})
		} else {
			auth, err = c.AuthorizePrivateChannel(params)
		}
		if err != nil {
			return nil, err
		}
		return parseObject(auth)

	case "authenticate_user":
		params := []byte(url.Values{"socket_id": {a.socket()}}.Encode())
		auth, err := c.AuthenticateUser(params, a.User)
		if err != nil {
			return nil, err
		}
		return parseObject(auth)

	case "validate_webhook":
		header := http.Header{}
		if a.Key != nil {
			header.Set("X-Pusher-Key", *a.Key)
		}
		if a.Signature != nil {
			header.Set("X-Pusher-Signature", *a.Signature)
		}
		hook, err := c.Webhook(header, []byte(a.Body))
		if err != nil {
			return nil, err
		}
		return webhookResult(hook), nil
	}
	return nil, fmt.Errorf("driver: unknown op %q", op)
}

// socket is socket_id as a plain string (empty when absent, which the SDK rejects).
func (a args) socket() string {
	if a.SocketID == nil {
		return ""
	}
	return *a.SocketID
}

// infoParam accepts info as "a,b" or ["a","b"]; the SDK wants one comma-separated string.
func infoParam(raw json.RawMessage) (*string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return &s, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New("driver: info must be a string or a list of strings")
	}
	joined := strings.Join(list, ",")
	return &joined, nil
}

// stringMap fits user_info into MemberData.UserInfo, which is map[string]string in this SDK:
// strings pass as they are, other values as their JSON text (what an app would have to do).
func stringMap(m map[string]any) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		} else {
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

func parseObject(b []byte) (any, error) {
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("driver: SDK returned non-JSON %q: %v", b, err)
	}
	return obj, nil
}

// counts renders the optional per-channel attributes under Pusher's names.
func counts(userCount, subscriptionCount *int) map[string]any {
	m := map[string]any{}
	if userCount != nil {
		m["user_count"] = *userCount
	}
	if subscriptionCount != nil {
		m["subscription_count"] = *subscriptionCount
	}
	return m
}

// triggerResult: Pusher answers {} or {"channels": {...}}; a nil map means the key was absent.
func triggerResult(res *pusher.TriggerChannelsList) map[string]any {
	out := map[string]any{}
	if res.Channels != nil {
		channels := map[string]any{}
		for name, ch := range res.Channels {
			channels[name] = counts(ch.UserCount, ch.SubscriptionCount)
		}
		out["channels"] = channels
	}
	return out
}

// batchResult: Pusher answers {} or {"batch": [...]}.
func batchResult(res *pusher.TriggerBatchChannelsList) map[string]any {
	out := map[string]any{}
	if res.Batch != nil {
		batch := []any{}
		for _, item := range res.Batch {
			batch = append(batch, counts(item.UserCount, item.SubscriptionCount))
		}
		out["batch"] = batch
	}
	return out
}

func webhookResult(hook *pusher.Webhook) map[string]any {
	events := []any{}
	for _, e := range hook.Events {
		ev := map[string]any{"name": e.Name, "channel": e.Channel}
		// WebhookEvent keeps these as strings; "" means the field was absent.
		for k, v := range map[string]string{"event": e.Event, "data": e.Data, "socket_id": e.SocketID, "user_id": e.UserID} {
			if v != "" {
				ev[k] = v
			}
		}
		events = append(events, ev)
	}
	return map[string]any{"time_ms": hook.TimeMs, "events": events}
}
