/**
 * Client-event chatter on private channels: each connection whose partner on the same channel
 * is subscribed sends timestamped client events at a fixed rate (kept under Pusher's
 * 10 per second per connection). Pusher does not echo client events, so every message sent
 * is expected exactly once, at the partner.
 */
import { nowMs, sleep } from './clock';
import type { ConnectionSet, HeldConnection } from './connection-set';
import { timestampedData } from './timestamped-payload';
import type { ChatResult } from './worker-protocol';

const CLIENT_EVENT_NAME = 'client-bench';

function senders(set: ConnectionSet): HeldConnection[] {
  const byChannel = new Map<string, HeldConnection[]>();
  for (const held of set.held) {
    const channel = held.spec.channel;
    if (!channel || !held.connection.subscribed.has(channel)) continue;
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), held]);
  }
  return [...byChannel.values()].filter((pair) => pair.length >= 2).flat();
}

export async function chat(set: ConnectionSet, ratePerConnection: number, durationMs: number, payloadBytes: number): Promise<ChatResult> {
  const chatting = senders(set);
  const total = chatting.length * ratePerConnection;
  let sent = 0;
  let slots = 0;
  let turn = 0;
  const start = nowMs();
  // Round-robin over the senders at the summed rate: each connection sends every 1/rate s.
  for (;;) {
    const elapsed = nowMs() - start;
    if (elapsed >= durationMs || chatting.length === 0) break;
    const due = Math.min(Math.floor((elapsed / 1000) * total) + 1, Math.floor((durationMs / 1000) * total));
    while (slots < due) {
      const { spec, connection } = chatting[turn];
      turn = (turn + 1) % chatting.length;
      slots += 1;
      if (!connection.open) continue;
      connection.sendClientEvent(spec.channel!, CLIENT_EVENT_NAME, timestampedData(nowMs(), sent, payloadBytes));
      sent += 1;
    }
    await sleep(Math.min(20, Math.max(1, 1000 / Math.max(total, 1))));
  }
  return { sent, senders: chatting.length };
}
