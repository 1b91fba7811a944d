/**
 * client-events: pairs of connections on private channels (auth signed locally) sending each
 * other timestamped client events at a rate under Pusher's 10 per second per connection.
 * Both members of a pair live in the same worker, which knows who may send.
 */

import type { RunOptions } from '../run-options';
import type { RunResult } from '../run-result';
import { deliveryReport, ScenarioContext } from '../scenario-context';
import type { ChatResult } from '../worker-protocol';

export async function runClientEvents(options: RunOptions): Promise<RunResult> {
  const ctx = new ScenarioContext(options);
  try {
    const pairOf = (i: number) => Math.floor(i / 2);
    const { report } = await ctx.open(ctx.plan(options.connections, (i) => ({ channel: `private-bench-chat-${pairOf(i)}` }), pairOf));
    const server = ctx.serverReport(report.subscribed);
    await ctx.reset();
    const chats = await ctx.pool.all<ChatResult>({
      cmd: 'chat',
      ratePerConnection: options.clientEventRate,
      durationMs: options.durationSeconds * 1000,
      payloadBytes: options.payloadBytes,
    });
    const sent = chats.reduce((n, c) => n + c.sent, 0);
    await ctx.awaitDeliveries(sent);
    const collected = await ctx.collect();
    return ctx.result({
      connections: report,
      clientEvents: { sent, senders: chats.reduce((n, c) => n + c.senders, 0), ratePerConnection: options.clientEventRate },
      delivery: deliveryReport(sent, collected.delivered),
      latencyMs: collected.latency.summary(),
      server,
      stability: collected.stability,
    });
  } finally {
    await ctx.close();
  }
}
