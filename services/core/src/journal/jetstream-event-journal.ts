/**
 * The event journal on JetStream (cluster mode): HERALD_EVENTS, a limits stream on every
 * channel and user subject (`herald.ch.>`, `herald.user.>`) that keeps events for a short
 * window. Gateways receive events as plain NATS messages (the stream sits beside them, not in
 * the way); after a reconnect they replay from it what they missed. Client events and
 * presence events, which gateways and presence replicas publish directly, are captured too
 * and so replayed as well.
 *
 * The api answers 200 only once JetStream has stored its events, without one acknowledgement
 * per event: the events go out as plain publishes, which the stream captures, followed by one
 * JetStream publish of a *mark* per event-loop turn, shared by every request of that turn. A
 * stream stores what reaches it in order, and one connection's messages reach it in the order
 * sent, so the mark's acknowledgement says every event before it is stored (on `replicas`
 * nodes). No acknowledgement in time → the caller answers 503.
 */
import { AckPolicy, DeliverPolicy, DiscardPolicy, type JetStreamClient, type JetStreamManager, nanos, RetentionPolicy, StorageType, type StreamConfig } from 'nats';
import { BusNoRespondersError } from '../bus/bus';
import type { NatsBus } from '../bus/nats-bus';
import { subjects as allSubjects } from '../bus/subjects';
import type { EventJournal, JournalEntry, JournalReplay } from './event-journal';

const EVENT_STREAM = 'HERALD_EVENTS';
/** Ordered consumers take this many at a time; the replay of a gap is rare and bounded. */
const REPLAY_BATCH = 1000;
/** A filter per local subject up to this many; beyond it, the whole stream is read and filtered here. */
const MAX_FILTER_SUBJECTS = 256;
const EMPTY = new Uint8Array(0);

export interface EventJournalSettings {
  /** How long events are kept for replay. */
  readonly retentionMs: number;
  /** The most the stream may hold; the oldest events go first. */
  readonly maxBytes: number;
  /** JetStream replicas (1, or 3 on a NATS cluster of three or more so a node may die). */
  readonly replicas: number;
  /** `memory`: cheaper for nats-server, kept while a node lives; `file`: survives a nats-server restart too. */
  readonly storage: 'memory' | 'file';
}

export class JetStreamEventJournal implements EventJournal, JournalReplay {
  readonly replay: JournalReplay = this;
  readonly retentionMs: number;

  /** The mark of this turn's publishes, once one was asked for. */
  private pendingMark: Promise<void> | undefined;

  private constructor(
    private readonly bus: NatsBus,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    settings: EventJournalSettings,
  ) {
    this.retentionMs = settings.retentionMs;
  }

  /** Creates the stream, or brings its limits to `settings`; fails clearly without JetStream. */
  static async open(bus: NatsBus, settings: EventJournalSettings): Promise<JetStreamEventJournal> {
    const nc = bus.natsConnection();
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
    const storage = settings.storage === 'file' ? StorageType.File : StorageType.Memory;
    let existing: StreamConfig | undefined;
    try {
      existing = (await jsm.streams.info(EVENT_STREAM)).config;
    } catch (err) {
      if (!String((err as Error).message).includes('not found')) throw err;
    }
    // JetStream cannot change a stream's storage in place; the journal only bridges outages
    // of seconds, so a stream of the other kind is replaced rather than kept.
    if (existing && existing.storage !== storage) {
      await jsm.streams.delete(EVENT_STREAM);
      existing = undefined;
    }
    if (existing) await jsm.streams.update(EVENT_STREAM, config);
    else await jsm.streams.add({ ...config, storage });
    return new JetStreamEventJournal(bus, nc.jetstream(), jsm, settings);
  }

  async publish(entries: readonly JournalEntry[], timeoutMs: number): Promise<void> {
    for (const entry of entries) this.bus.publish(entry.subject, entry.data);
    await this.markThisTurn(timeoutMs);
  }

  /**
   * One mark for every publish of this turn, sent after the turn (the bus hands the turn's
   * publishes to the connection first, so the mark goes out behind them).
   */
  private markThisTurn(timeoutMs: number): Promise<void> {
    this.pendingMark ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      // Publishes from here on need a later mark.
      this.pendingMark = undefined;
      let reply: Uint8Array;
      try {
        reply = await this.bus.request(allSubjects.journalMark, EMPTY, timeoutMs);
      } catch (err) {
        if (err instanceof BusNoRespondersError) throw new Error(`the ${EVENT_STREAM} stream does not exist (is JetStream up?)`);
        throw err;
      }
      const ack = JSON.parse(Buffer.from(reply).toString()) as { stream?: string; error?: { description?: string } };
      if (ack.error || ack.stream !== EVENT_STREAM) throw new Error(`the event journal did not store the events: ${ack.error?.description ?? 'unexpected answer'}`);
    });
    return this.pendingMark;
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
          // Marks are the api's bookkeeping, not events.
          if (wanted ? wanted.has(msg.subject) : msg.subject !== allSubjects.journalMark) {
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
