/**
 * The connections one worker thread holds, and what they have received: the counters and the
 * latency histogram that the main thread collects, resets and merges.
 */
import { signChannelAuth } from '../../../services/core/src/signing/socket-auth';
import { nowMs } from './clock';
import { LatencyHistogram } from './latency-histogram';
import { type ChannelAuth, type ConnectionSink, PusherConnection } from './pusher-connection';
import type { ConnectionSpec, CountResult, OpenResult, StatsResult, WorkerInit } from './worker-protocol';

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export interface HeldConnection {
  readonly spec: ConnectionSpec;
  readonly connection: PusherConnection;
}

export class ConnectionSet implements ConnectionSink {
  readonly held: HeldConnection[] = [];
  delivered = 0;
  memberAdded = 0;
  readonly latency = new LatencyHistogram();
  private readonly unexpectedCloses: Record<string, number> = {};
  private readonly pusherErrors: Record<string, number> = {};

  constructor(private readonly init: WorkerInit) {}

  onTimestamped(sentAtMs: number, receivedAtMs: number): void {
    this.delivered += 1;
    this.latency.recordMs(receivedAtMs - sentAtMs);
  }

  onMemberAdded(joinedAtMs: number | undefined, receivedAtMs: number): void {
    this.memberAdded += 1;
    if (joinedAtMs !== undefined) this.latency.recordMs(receivedAtMs - joinedAtMs);
  }

  onPusherError(code: number | null): void {
    bump(this.pusherErrors, String(code));
  }

  onUnexpectedClose(_connection: PusherConnection, code: number, reason: string): void {
    bump(this.unexpectedCloses, reason ? `${code} ${reason}` : String(code));
  }

  /** The auth a private or presence subscription needs, signed here with the app secret exactly as an app's auth endpoint would. */
  authFor(connection: PusherConnection, channel: string, userId?: string): ChannelAuth | undefined {
    const app = { key: this.init.app.key, secret: this.init.app.secret };
    if (channel.startsWith('presence-')) {
      const channelData = JSON.stringify({ user_id: userId ?? connection.socketId, user_info: { j: nowMs() } });
      return { auth: signChannelAuth(app, connection.socketId, channel, channelData), channel_data: channelData };
    }
    if (channel.startsWith('private-')) return { auth: signChannelAuth(app, connection.socketId, channel) };
    return undefined;
  }

  async open(specs: readonly ConnectionSpec[], concurrency: number): Promise<OpenResult> {
    const connectLatency = new LatencyHistogram();
    const subscribeLatency = new LatencyHistogram();
    const failures: Record<string, number> = {};
    const failedIndices: number[] = [];
    let established = 0;
    let subscribed = 0;
    let next = 0;
    const startedAtMs = nowMs();
    const openOne = async (spec: ConnectionSpec) => {
      const t0 = nowMs();
      const connection = new PusherConnection(this.init.endpoint, spec.localAddress, this.init.timeoutMs, this);
      try {
        await connection.connect();
        connectLatency.recordMs(nowMs() - t0);
        established += 1;
        if (spec.channel !== undefined) {
          const t1 = nowMs();
          await connection.subscribe(spec.channel, this.authFor(connection, spec.channel, spec.userId));
          subscribeLatency.recordMs(nowMs() - t1);
          subscribed += 1;
        }
        this.held.push({ spec, connection });
      } catch (err) {
        bump(failures, (err as Error).message);
        failedIndices.push(spec.index);
        connection.close();
      }
    };
    const lane = async () => {
      while (next < specs.length) await openOne(specs[next++]);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, specs.length)) }, lane));
    return {
      attempted: specs.length,
      established,
      subscribed,
      failedIndices,
      failures,
      connectLatency: connectLatency.encode(),
      subscribeLatency: subscribeLatency.encode(),
      startedAtMs,
      finishedAtMs: nowMs(),
    };
  }

  openCount(): number {
    let open = 0;
    for (const { connection } of this.held) if (connection.open) open += 1;
    return open;
  }

  count(): CountResult {
    return { delivered: this.delivered, open: this.openCount() };
  }

  reset(): void {
    this.delivered = 0;
    this.memberAdded = 0;
    this.latency.reset();
  }

  stats(): StatsResult {
    return {
      delivered: this.delivered,
      latency: this.latency.encode(),
      open: this.openCount(),
      memberAdded: this.memberAdded,
      unexpectedCloses: { ...this.unexpectedCloses },
      pusherErrors: { ...this.pusherErrors },
    };
  }

  async closeAll(): Promise<void> {
    for (const { connection } of this.held) connection.close();
    this.held.length = 0;
  }
}
