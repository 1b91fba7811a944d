import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { type NatsServer, startNatsServer } from '../../../../test/helpers/nats';
import { NatsBus } from '../bus/nats-bus';
import { subjects } from '../bus/subjects';
import type { JournalEntry, JournalReplay } from './event-journal';
import { JetStreamEventJournal } from './jetstream-event-journal';

const SETTINGS = { retentionMs: 60_000, maxBytes: 16 * 1024 * 1024, replicas: 1, storage: 'file' as const };
const text = (entry: JournalEntry) => `${entry.subject}=${Buffer.from(entry.data).toString()}`;
const entry = (subject: string, body: string): JournalEntry => ({ subject, data: Buffer.from(body) });

async function replayed(journal: JournalReplay, sinceMs: number, wanted: readonly string[] | undefined): Promise<string[]> {
  const seen: string[] = [];
  const count = await journal.replaySince(sinceMs, wanted, (e) => seen.push(text(e)));
  assert.equal(count, seen.length);
  return seen;
}

describe('JetStreamEventJournal (a real nats-server)', () => {
  let nats: NatsServer;
  let bus: NatsBus;
  let nc: NatsConnection;
  let journal: JetStreamEventJournal;
  const news = subjects.channel('1', 'news');
  const sport = subjects.channel('1', 'sport');
  const alice = subjects.user('1', 'alice');

  before(async () => {
    nats = await startNatsServer({ name: 'event-journal' });
    bus = await NatsBus.connect({ servers: [nats.url], name: 'journal-test' });
    nc = bus.natsConnection();
    journal = await JetStreamEventJournal.open(bus, SETTINGS);
  });
  after(async () => {
    await bus?.close();
    await nats?.stop();
  });

  it('keeps what is published through it, and hands back only the subjects asked for, in order, from the time asked for', async () => {
    const start = Date.now();
    await journal.publish([entry(news, 'n1'), entry(sport, 's1'), entry(alice, 'a1')], 2000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const middle = Date.now();
    await journal.publish([entry(news, 'n2')], 2000);
    // Captured too: a plain publish on a channel subject (client and presence events).
    nc.publish(sport, Buffer.from('s2'));
    await nc.flush();

    assert.deepEqual(await replayed(journal, start, [news, alice]), [`${news}=n1`, `${alice}=a1`, `${news}=n2`]);
    assert.deepEqual(await replayed(journal, middle, [news, sport]), [`${news}=n2`, `${sport}=s2`]);
    assert.deepEqual(await replayed(journal, start, []), [], 'no local subjects, nothing to replay');
    assert.deepEqual(await replayed(journal, Date.now() + 1000, [news]), [], 'nothing stored after a time to come');
  });

  it('reads the whole stream and filters locally when a gateway has too many subjects for server-side filters', async () => {
    const start = Date.now();
    await journal.publish([entry(news, 'many-1'), entry(sport, 'many-2')], 2000);
    const manySubjects = [news, ...Array.from({ length: 300 }, (_, i) => subjects.channel('1', `other-${i}`))];
    assert.deepEqual(await replayed(journal, start, manySubjects), [`${news}=many-1`]);
    assert.deepEqual(await replayed(journal, start, undefined), [`${news}=many-1`, `${sport}=many-2`]);
  });

  it('leaves no consumer behind after a replay', async () => {
    await replayed(journal, 0, [news]);
    const jsm = await nc.jetstreamManager();
    const consumers = await jsm.consumers.list('HERALD_EVENTS').next();
    assert.equal(consumers.length, 0);
  });

  it('refuses to answer when the publish cannot be stored (503 upstream), instead of pretending', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete('HERALD_EVENTS');
    await assert.rejects(journal.publish([entry(news, 'lost')], 500));
    journal = await JetStreamEventJournal.open(bus, SETTINGS);
    await journal.publish([entry(news, 'back')], 2000);
  });
});
