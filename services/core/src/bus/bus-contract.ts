/**
 * The contract every Bus implementation passes: one suite, the rules written in bus.ts, run
 * by local-bus.test.ts and nats-bus.integration.test.ts. `bus` publishes and `peer` receives (for
 * LocalBus they are one instance; for NatsBus two connections), so what is proven is
 * delivery between processes, not within one client.
 *
 * "Did not arrive" is proven without sleeping: after the messages that must not arrive, the
 * same publisher sends a marker to the same receiver; messages from one publisher arrive in
 * order, so once the marker is in, anything earlier would have been too.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type Bus,
  BusClosedError,
  type BusHandler,
  type BusMessage,
  BusNoRespondersError,
  type BusStatus,
  type BusSubscription,
  BusTimeoutError,
  type SubscribeOptions,
} from './bus';

export interface BusPair {
  /** Publishes (and requests). */
  readonly bus: Bus;
  /** Subscribes; the same instance as `bus` for an in-process bus. */
  readonly peer: Bus;
  /** Errors thrown by handlers, as the buses reported them (both buses report here). */
  readonly handlerErrors?: readonly unknown[];
  cleanup(): Promise<void>;
}

const WAIT_MS = 5000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);
const text = (data: Uint8Array) => decoder.decode(data);

/** Rejects naming `what` when `promise` takes longer than WAIT_MS. */
function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    }),
  ]);
}

/** Records what a subscription receives and lets a test wait for a number of messages. */
class Inbox {
  readonly messages: BusMessage[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly handler: BusHandler = (message) => {
    this.messages.push(message);
    this.waiters = this.waiters.filter((w) => {
      if (this.messages.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  texts(): string[] {
    return this.messages.map((m) => text(m.data));
  }

  subjects(): string[] {
    return this.messages.map((m) => m.subject);
  }

  /** Resolves once `count` messages in total have arrived. */
  received(count: number, what = `${count} messages`): Promise<void> {
    if (this.messages.length >= count) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.waiters.push({ count, resolve })), what);
  }
}

export function busContract(name: string, makeBus: () => Promise<BusPair>): void {
  describe(`Bus contract: ${name}`, () => {
    let pair: BusPair;
    let bus: Bus;
    let peer: Bus;
    let prefix: string;

    beforeEach(async () => {
      pair = await makeBus();
      bus = pair.bus;
      peer = pair.peer;
      // Unique subjects per test, so a late message from an earlier test cannot count.
      prefix = `contract.${randomUUID().replace(/-/g, '')}`;
    });
    afterEach(() => pair.cleanup());

    /** Subscribes on `target` and flushes, so publishes from anyone after this are delivered. */
    async function subscribed(target: Bus, subject: string, handler: BusHandler, options?: SubscribeOptions): Promise<BusSubscription> {
      const subscription = target.subscribe(subject, handler, options);
      await target.flush(WAIT_MS);
      return subscription;
    }

    /** Sends a marker from `bus` to `peer` and waits for it: everything `bus` published before has arrived. */
    async function barrier(): Promise<void> {
      const marker = new Inbox();
      const subscription = await subscribed(peer, `${prefix}.barrier`, marker.handler);
      bus.publish(`${prefix}.barrier`, bytes('marker'));
      await marker.received(1, 'the barrier marker');
      subscription.unsubscribe();
    }

    it('delivers a message on an exact subject from bus to peer, with its subject and bytes', async () => {
      const inbox = new Inbox();
      await subscribed(peer, `${prefix}.orders.created`, inbox.handler);
      bus.publish(`${prefix}.orders.created`, new Uint8Array([0, 1, 2, 255]));
      await inbox.received(1);
      assert.equal(inbox.messages[0].subject, `${prefix}.orders.created`);
      assert.deepEqual([...inbox.messages[0].data], [0, 1, 2, 255]);
      assert.equal(inbox.messages[0].expectsReply, false);
    });

    it('does not deliver subjects that differ from an exact subscription', async () => {
      const inbox = new Inbox();
      await subscribed(peer, `${prefix}.a.b`, inbox.handler);
      for (const other of [`${prefix}.a`, `${prefix}.a.b.c`, `${prefix}.a.bb`, `${prefix}.a.c`, `${prefix}.x.b`]) bus.publish(other, bytes(other));
      bus.publish(`${prefix}.a.b`, bytes('match'));
      await inbox.received(1);
      await barrier();
      assert.deepEqual(inbox.texts(), ['match']);
    });

    it('matches `*` to exactly one token, anywhere in the subject', async () => {
      const middle = new Inbox();
      const last = new Inbox();
      await subscribed(peer, `${prefix}.w.*.end`, middle.handler);
      await subscribed(peer, `${prefix}.w.*`, last.handler);
      const published = [
        `${prefix}.w.x.end`,
        `${prefix}.w.x.y.end`,
        `${prefix}.w.end`,
        `${prefix}.w.x`,
        `${prefix}.w`,
        `${prefix}.w.y.end.more`,
        `${prefix}.v.x.end`,
        `${prefix}.w.x.start`,
        `${prefix}.v.x`,
      ];
      for (const subject of published) bus.publish(subject, bytes(subject));
      await barrier();
      assert.deepEqual(middle.subjects(), [`${prefix}.w.x.end`]);
      assert.deepEqual(last.subjects(), [`${prefix}.w.end`, `${prefix}.w.x`]);
    });

    it('matches `>` to one or more trailing tokens, never to none', async () => {
      const inbox = new Inbox();
      await subscribed(peer, `${prefix}.g.>`, inbox.handler);
      for (const subject of [`${prefix}.g`, `${prefix}.g.a`, `${prefix}.g.a.b.c`, `${prefix}.h.a`, `${prefix}.gg.a`]) bus.publish(subject, bytes(subject));
      await barrier();
      assert.deepEqual(inbox.subjects(), [`${prefix}.g.a`, `${prefix}.g.a.b.c`]);
    });

    it('gives every plain subscriber, exact and wildcard, its own copy', async () => {
      const exact = new Inbox();
      const star = new Inbox();
      const tail = new Inbox();
      await subscribed(peer, `${prefix}.news.sport`, exact.handler);
      await subscribed(peer, `${prefix}.news.*`, star.handler);
      await subscribed(peer, `${prefix}.>`, tail.handler);
      bus.publish(`${prefix}.news.sport`, bytes('goal'));
      await Promise.all([exact.received(1), star.received(1), tail.received(1)]);
      assert.deepEqual([exact.texts(), star.texts(), tail.texts()], [['goal'], ['goal'], ['goal']]);
    });

    it('delivers in both directions between the two buses', async () => {
      const atPeer = new Inbox();
      const atBus = new Inbox();
      await subscribed(peer, `${prefix}.to-peer`, atPeer.handler);
      await subscribed(bus, `${prefix}.to-bus`, atBus.handler);
      bus.publish(`${prefix}.to-peer`, bytes('hello peer'));
      peer.publish(`${prefix}.to-bus`, bytes('hello bus'));
      await Promise.all([atPeer.received(1), atBus.received(1)]);
      assert.deepEqual(atPeer.texts(), ['hello peer']);
      assert.deepEqual(atBus.texts(), ['hello bus']);
    });

    it('keeps the order of many messages from one publisher', async () => {
      const inbox = new Inbox();
      await subscribed(peer, `${prefix}.seq`, inbox.handler);
      const count = 2000;
      for (let i = 0; i < count; i++) bus.publish(`${prefix}.seq`, bytes(String(i)));
      await inbox.received(count);
      assert.deepEqual(
        inbox.texts().map(Number),
        Array.from({ length: count }, (_, i) => i),
      );
    });

    it("keeps one publisher's order across publish and request, on different subjects", async () => {
      const arrived: string[] = [];
      await subscribed(peer, `${prefix}.order.event`, (message) => arrived.push(message.subject));
      await subscribed(peer, `${prefix}.order.query`, (message) => {
        arrived.push(message.subject);
        message.respond(bytes('answer'));
      });
      bus.publish(`${prefix}.order.event`, bytes('first'));
      const answer = await bus.request(`${prefix}.order.query`, bytes('second'), WAIT_MS);
      assert.equal(Buffer.from(answer).toString(), 'answer');
      assert.deepEqual(arrived, [`${prefix}.order.event`, `${prefix}.order.query`]);
    });

    it('never runs a handler inside publish', async () => {
      let publishing = false;
      const ranInsidePublish: boolean[] = [];
      const inbox = new Inbox();
      // Subscribed on `bus` itself: the case where a synchronous delivery would be possible.
      await subscribed(bus, `${prefix}.async`, (message) => {
        ranInsidePublish.push(publishing);
        inbox.handler(message);
      });
      publishing = true;
      bus.publish(`${prefix}.async`, bytes('1'));
      publishing = false;
      assert.equal(inbox.messages.length, 0, 'the handler ran before publish returned');
      await inbox.received(1);
      assert.deepEqual(ranInsidePublish, [false]);
    });

    it('gives each message of a queue group to exactly one member, using every member', async () => {
      const members = [new Inbox(), new Inbox(), new Inbox()];
      const plain = new Inbox();
      for (const member of members) await subscribed(peer, `${prefix}.jobs`, member.handler, { queue: 'workers' });
      await subscribed(peer, `${prefix}.jobs`, plain.handler);
      const count = 90;
      for (let i = 0; i < count; i++) bus.publish(`${prefix}.jobs`, bytes(String(i)));
      await plain.received(count, 'every message at the plain subscriber');
      await barrier();

      const delivered = members
        .flatMap((m) => m.texts())
        .map(Number)
        .sort((a, b) => a - b);
      assert.deepEqual(
        delivered,
        Array.from({ length: count }, (_, i) => i),
        'each message reached exactly one member',
      );
      for (const [i, member] of members.entries()) assert.ok(member.messages.length > 0, `member ${i} got no message`);
      assert.equal(plain.messages.length, count, 'a plain subscriber beside the group gets every message');
    });

    it('shares a queue group per subject: each group of a subject gets every message once', async () => {
      const groupA = [new Inbox(), new Inbox()];
      const groupB = [new Inbox()];
      for (const member of groupA) await subscribed(peer, `${prefix}.q`, member.handler, { queue: 'a' });
      for (const member of groupB) await subscribed(peer, `${prefix}.q`, member.handler, { queue: 'b' });
      for (let i = 0; i < 10; i++) bus.publish(`${prefix}.q`, bytes(String(i)));
      await groupB[0].received(10);
      await barrier();
      assert.equal(groupA[0].messages.length + groupA[1].messages.length, 10);
    });

    it('stops delivering to a subscription once it is unsubscribed, and only to that one', async () => {
      const leaving = new Inbox();
      const staying = new Inbox();
      const subscription = await subscribed(peer, `${prefix}.unsub`, leaving.handler);
      await subscribed(peer, `${prefix}.unsub`, staying.handler);
      bus.publish(`${prefix}.unsub`, bytes('before'));
      await Promise.all([leaving.received(1), staying.received(1)]);

      subscription.unsubscribe();
      subscription.unsubscribe(); // a second call is harmless
      await peer.flush(WAIT_MS);
      bus.publish(`${prefix}.unsub`, bytes('after'));
      await staying.received(2);
      await barrier();
      assert.deepEqual(leaving.texts(), ['before']);
      assert.deepEqual(staying.texts(), ['before', 'after']);
    });

    it('runs no handler after unsubscribe() returns, even for a message published just before it', async () => {
      const inbox = new Inbox();
      const subscription = await subscribed(peer, `${prefix}.late`, inbox.handler);
      bus.publish(`${prefix}.late`, bytes('in flight'));
      subscription.unsubscribe();
      await barrier();
      assert.deepEqual(inbox.texts(), []);
    });

    it('stops delivering to an unsubscribed wildcard subscription', async () => {
      const inbox = new Inbox();
      const subscription = await subscribed(peer, `${prefix}.wild.>`, inbox.handler);
      bus.publish(`${prefix}.wild.one`, bytes('before'));
      await inbox.received(1);
      subscription.unsubscribe();
      await peer.flush(WAIT_MS);
      bus.publish(`${prefix}.wild.two`, bytes('after'));
      await barrier();
      assert.deepEqual(inbox.texts(), ['before']);
    });

    it('answers a request with the first reply; later replies are ignored', async () => {
      const replied: string[] = [];
      const requests: BusMessage[] = [];
      for (const responder of ['first', 'second']) {
        await subscribed(peer, `${prefix}.rpc`, (message) => {
          requests.push(message);
          replied.push(responder);
          message.respond(bytes(`${responder}:${text(message.data)}`));
        });
      }
      const reply = await within(bus.request(`${prefix}.rpc`, bytes('ping'), WAIT_MS), 'the reply');
      assert.equal(replied.length, 2, 'both responders saw the request');
      assert.equal(text(reply), `${replied[0]}:ping`, 'the reply sent first wins');
      assert.ok(requests.every((m) => m.expectsReply && m.subject === `${prefix}.rpc`));

      // The ignored second reply broke nothing: the next request is answered too.
      const again = await within(bus.request(`${prefix}.rpc`, bytes('again'), WAIT_MS), 'the second reply');
      assert.match(text(again), /^(first|second):again$/);
    });

    it('routes a request to one member of a queue group, matching wildcards', async () => {
      const members = [new Inbox(), new Inbox()];
      for (const [i, member] of members.entries()) {
        await subscribed(
          peer,
          `${prefix}.query.*`,
          (message) => {
            member.handler(message);
            message.respond(bytes(`member ${i}`));
          },
          { queue: 'replicas' },
        );
      }
      const reply = await within(bus.request(`${prefix}.query.channels`, bytes('?'), WAIT_MS), 'the reply');
      await barrier();
      assert.equal(members[0].messages.length + members[1].messages.length, 1, 'exactly one member answered');
      assert.equal(text(reply), `member ${members[0].messages.length === 1 ? 0 : 1}`);
    });

    it('treats respond() on a plain publish as a no-op', async () => {
      const inbox = new Inbox();
      await subscribed(peer, `${prefix}.plain`, inbox.handler);
      bus.publish(`${prefix}.plain`, bytes('x'));
      await inbox.received(1);
      assert.equal(inbox.messages[0].expectsReply, false);
      assert.doesNotThrow(() => inbox.messages[0].respond(bytes('nobody listens')));
    });

    it('rejects a request nobody subscribes to with BusNoRespondersError', async () => {
      await assert.rejects(within(bus.request(`${prefix}.nobody`, bytes('?'), WAIT_MS), 'the rejection'), BusNoRespondersError);
    });

    it('rejects a request nobody answers with BusTimeoutError', async () => {
      const inbox = new Inbox();
      await subscribed(peer, `${prefix}.silent`, inbox.handler);
      await assert.rejects(within(bus.request(`${prefix}.silent`, bytes('?'), 200), 'the timeout'), BusTimeoutError);
      assert.equal(inbox.messages.length, 1, 'the subscriber did receive the request');
      assert.equal(inbox.messages[0].expectsReply, true);
    });

    it('makes a subscription live before flush resolves', async () => {
      const inbox = new Inbox();
      peer.subscribe(`${prefix}.flushed`, inbox.handler);
      await within(peer.flush(WAIT_MS), 'flush');
      bus.publish(`${prefix}.flushed`, bytes('right after flush'));
      await inbox.received(1);
      assert.deepEqual(inbox.texts(), ['right after flush']);
    });

    it('keeps delivering when a handler throws: to other subscribers and to later messages', async () => {
      const thrown: string[] = [];
      const other = new Inbox();
      await subscribed(peer, `${prefix}.boom`, (message) => {
        thrown.push(text(message.data));
        throw new Error(`handler failed on ${text(message.data)}`);
      });
      await subscribed(peer, `${prefix}.boom`, other.handler);
      bus.publish(`${prefix}.boom`, bytes('1'));
      bus.publish(`${prefix}.boom`, bytes('2'));
      await other.received(2);
      await barrier();
      assert.deepEqual(thrown, ['1', '2'], 'the throwing handler still got the later message');
      assert.deepEqual(other.texts(), ['1', '2']);
      if (pair.handlerErrors) {
        assert.deepEqual(
          pair.handlerErrors.map((e) => (e as Error).message),
          ['handler failed on 1', 'handler failed on 2'],
          'each thrown error was reported',
        );
      }
    });

    it('is connected while open; close() reports closed and refuses further use', async () => {
      assert.equal(bus.isConnected(), true);
      assert.equal(peer.isConnected(), true);
      const statuses: BusStatus[] = [];
      const removedStatuses: BusStatus[] = [];
      const closedReported = new Promise<void>((resolve) => {
        bus.onStatus((status) => {
          statuses.push(status);
          if (status === 'closed') resolve();
        });
      });
      bus.onStatus((status) => removedStatuses.push(status))();

      await bus.close();
      await within(closedReported, "the 'closed' status");
      await bus.close(); // closing twice is harmless
      assert.equal(bus.isConnected(), false);
      assert.deepEqual(statuses, ['closed']);
      assert.deepEqual(removedStatuses, [], 'a removed listener is not called');
      assert.throws(() => bus.publish(`${prefix}.closed`, bytes('x')), BusClosedError);
      assert.throws(() => bus.subscribe(`${prefix}.closed`, () => undefined), BusClosedError);
      await assert.rejects(bus.request(`${prefix}.closed`, bytes('x'), 100), BusClosedError);
      await assert.rejects(bus.flush(100), BusClosedError);
    });

    it('stops delivering to subscriptions of a closed bus while the other bus works on', async (t) => {
      if (bus === peer) {
        t.skip('one instance: the close test covers it');
        return;
      }
      const inbox = new Inbox();
      await subscribed(peer, `${prefix}.after-close`, inbox.handler);
      bus.publish(`${prefix}.after-close`, bytes('before'));
      await inbox.received(1);
      await peer.close();
      assert.equal(peer.isConnected(), false);
      assert.equal(bus.isConnected(), true);
      const alive = new Inbox();
      await subscribed(bus, `${prefix}.after-close`, alive.handler);
      bus.publish(`${prefix}.after-close`, bytes('after'));
      await alive.received(1);
      assert.deepEqual(alive.texts(), ['after']);
      assert.deepEqual(inbox.texts(), ['before']);
    });
  });
}
