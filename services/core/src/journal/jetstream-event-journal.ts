/**
 * The event journal on JetStream (cluster mode): HERALD_EVENTS, a limits stream on every
 * channel and user subject (`herald.ch.>`, `herald.user.>`) that keeps events for a short
 * window. The api publishes through it and answers 200 only on JetStream's acknowledgement,
 * so an answered event is stored (on `replicas` nodes) whatever happens to the connections
 * between the api, NATS and the gateways. Gateways still receive events as plain NATS
 * messages (the stream sits beside them, not in the way); after a reconnect they replay from
 * it what they missed. Client events and presence events, which gateways and presence
 * replicas publish directly, are captured too and so replayed as well.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from 'nats';
import { subjects as allSubjects } from '../bus/subjects';
import type { EventJournal, JournalEntry, JournalReplay } from './event-journal';

const EVENT_STREAM = 'HERALD_EVENTS';
/** Ordered consumers take this many at a time; the replay of a gap is rare and bounded. */
const REPLAY_BATCH = 1000;
/** A filter per local subject up to this many; beyond it, the whole stream is read and filtered here. */
const MAX_FILTER_SUBJECTS = 256;

export interface EventJournalSettings {
  /** How long events are kept for replay. */
  readonly retentionMs: number;
  /** The most the stream may hold; the oldest events go first. */
  readonly maxBytes: number;
  /** JetStream replicas (1, or 3 on a NATS cluster of three or more so a node may die). */
  readonly replicas: number;
}

export class JetStreamEventJournal implements EventJournal, JournalReplay {
  readonly replay: JournalReplay = this;
  readonly retentionMs: number;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    settings: EventJournalSettings,
  ) {
    this.retentionMs = settings.retentionMs;
  }

  /** Creates the stream, or brings its limits to `settings`; fails clearly without JetStream. */
  static async open(nc: NatsConnection, settings: EventJournalSettings): Promise<JetStreamEventJournal> {
    let jsm: JetStreamManager;
    try {
      jsm = await nc.jetstreamManager();
    } catch (err) {
      throw new Error(`NATS JetStream is required for the event journal (start nats-server with -js, or set HERALD_EVENT_JOURNAL=off): ${(err as Error).message}`);
    }
    const config: Partial<StreamConfig> & { name: string } = {
      name: EVENT_STREAM,
      subjects: [...allSubjects.journaled],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(settings.retentionMs),
      max_bytes: settings.maxBytes,
      num_replicas: settings.replicas,
      // Only the api's acknowledged publishes need it, and they carry no message id.
      duplicate_window: nanos(Math.min(settings.retentionMs, 2_000)),
    };
    try {
      await jsm.streams.info(EVENT_STREAM);
      await jsm.streams.update(EVENT_STREAM, config);
    } catch (err) {
      if (!String((err as Error).message).includes('not found')) throw err;
      await jsm.streams.add({ ...config, storage: StorageType.File });
    }
    return new JetStreamEventJournal(nc.jetstream(), jsm, settings);
  }

  async publish(entries: readonly JournalEntry[], timeoutMs: number): Promise<void> {
    const options = { timeout: timeoutMs, expect: { streamName: EVENT_STREAM } };
    await Promise.all(entries.map((entry) => this.js.publish(entry.subject, entry.data, options)));
  }

  async replaySince(sinceMs: number, subjects: readonly string[] | undefined, onEntry: (entry: JournalEntry) => void): Promise<number> {
    const { state } = await this.jsm.streams.info(EVENT_STREAM);
    const lastSeq = state.last_seq;
    if (state.messages === 0 || state.last_ts === undefined || Date.parse(state.last_ts) < sinceMs) return 0;
    const filtered = subjects !== undefined && subjects.length <= MAX_FILTER_SUBJECTS;
    if (filtered && subjects.length === 0) return 0;
    const wanted = subjects !== undefined && !filtered ? new Set(subjects) : undefined;
    // A plain ephemeral consumer, not an ordered one: an ordered consumer re-creates itself
    // on errors without end, while this one fails, and the caller retries (a stream leader
    // may be moving to another node right after one died).
    const created = await this.jsm.consumers.add(EVENT_STREAM, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(sinceMs).toISOString(),
      ...(filtered ? { filter_subjects: [...subjects] } : {}),
      inactive_threshold: nanos(30_000),
      mem_storage: true,
      num_replicas: 1,
    });
    const consumer = await this.js.consumers.get(EVENT_STREAM, created.name);
    let handed = 0;
    try {
      for (;;) {
        const batch = await consumer.fetch({ max_messages: REPLAY_BATCH, expires: 1_000 });
        let received = 0;
        let caughtUp = false;
        for await (const msg of batch) {
          received += 1;
          if (msg.seq > lastSeq) {
            caughtUp = true;
            break;
          }
          if (!wanted || wanted.has(msg.subject)) {
            onEntry({ subject: msg.subject, data: msg.data });
            handed += 1;
          }
          if (msg.seq === lastSeq || msg.info.pending === 0) {
            caughtUp = true;
            break;
          }
        }
        if (caughtUp || received === 0) break;
      }
    } finally {
      await this.jsm.consumers.delete(EVENT_STREAM, created.name).catch(() => undefined);
    }
    return handed;
  }
}
