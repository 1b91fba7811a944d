import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { type NatsServer, startNatsServer } from '../../../../test/helpers/nats';
import { within } from '../../../../test/helpers/wait';
import type { BusMessage, BusStatus } from './bus';
import { busContract } from './bus-contract';
import { NatsBus } from './nats-bus';

let nats: NatsServer;
before(async () => {
  nats = await startNatsServer({ jetstream: false, name: 'bus-contract' });
});
after(() => nats?.stop());

busContract('NatsBus (two connections to one nats-server)', async () => {
  const handlerErrors: unknown[] = [];
  const onHandlerError = (err: unknown) => handlerErrors.push(err);
  const bus = await NatsBus.connect({ servers: [nats.url], name: 'contract-bus', onHandlerError });
  const peer = await NatsBus.connect({ servers: [nats.url], name: 'contract-peer', onHandlerError });
  return {
    bus,
    peer,
    handlerErrors,
    cleanup: async () => {
      await Promise.all([bus.close(), peer.close()]);
    },
  };
});

/** Records a bus's status changes and lets a test wait for the next one of a kind. */
function statusLog(bus: NatsBus) {
  const seen: BusStatus[] = [];
  let waiters: Array<{ status: BusStatus; from: number; resolve: () => void }> = [];
  bus.onStatus((status) => {
    seen.push(status);
    waiters = waiters.filter((w) => {
      if (seen.indexOf(w.status, w.from) === -1) return true;
      w.resolve();
      return false;
    });
  });
  return {
    seen,
    /** Resolves when `status` is reported after the point this was called. */
    next(status: BusStatus, what: string, timeoutMs = 10_000): Promise<void> {
      const from = seen.length;
      return within(new Promise<void>((resolve) => waiters.push({ status, from, resolve })), what, timeoutMs);
    },
  };
}

describe('NatsBus across a nats-server restart', () => {
  let server: NatsServer;
  let subscriber: NatsBus;
  let publisher: NatsBus;

  beforeEach(async () => {
    server = await startNatsServer({ jetstream: false, name: 'bus-reconnect' });
    subscriber = await NatsBus.connect({ servers: [server.url], name: 'reconnect-sub', reconnectTimeWaitMs: 50 });
    publisher = await NatsBus.connect({ servers: [server.url], name: 'reconnect-pub', reconnectTimeWaitMs: 50 });
  });
  afterEach(async () => {
    await Promise.all([subscriber?.close(), publisher?.close()]);
    await server?.stop();
  });

  it('reports disconnected, then reconnected, and existing subscriptions receive again', async () => {
    const received: string[] = [];
    let arrived: (() => void) | undefined;
    subscriber.subscribe('reconnect.test', (message: BusMessage) => {
      received.push(Buffer.from(message.data).toString());
      arrived?.();
    });
    const nextMessage = (what: string) => within(new Promise<void>((resolve) => (arrived = resolve)), what);
    await subscriber.flush(5000);

    let message = nextMessage('the message before the restart');
    publisher.publish('reconnect.test', Buffer.from('before'));
    await message;

    const subStatus = statusLog(subscriber);
    const pubStatus = statusLog(publisher);
    const disconnected = subStatus.next('disconnected', "subscriber 'disconnected'");
    await server.kill('SIGKILL');
    await disconnected;
    assert.equal(subscriber.isConnected(), false);

    const reconnected = Promise.all([subStatus.next('reconnected', "subscriber 'reconnected'"), pubStatus.next('reconnected', "publisher 'reconnected'")]);
    await server.restart();
    await reconnected;
    assert.equal(subscriber.isConnected(), true);
    assert.equal(publisher.isConnected(), true);
    assert.deepEqual(subStatus.seen, ['disconnected', 'reconnected']);

    // The subscription was made once, before the restart; the client re-creates it.
    await subscriber.flush(5000);
    message = nextMessage('the message after the restart');
    publisher.publish('reconnect.test', Buffer.from('after'));
    await message;
    assert.deepEqual(received, ['before', 'after']);
  });

  it('answers requests again after the restart', async () => {
    subscriber.subscribe('reconnect.rpc', (message) => message.respond(Buffer.from(`re:${Buffer.from(message.data).toString()}`)));
    await subscriber.flush(5000);
    assert.equal(Buffer.from(await publisher.request('reconnect.rpc', Buffer.from('1'), 5000)).toString(), 're:1');

    const subStatus = statusLog(subscriber);
    const pubStatus = statusLog(publisher);
    const disconnected = Promise.all([subStatus.next('disconnected', 'subscriber disconnect'), pubStatus.next('disconnected', 'publisher disconnect')]);
    await server.kill('SIGKILL');
    await disconnected;
    const reconnected = Promise.all([subStatus.next('reconnected', 'subscriber reconnect'), pubStatus.next('reconnected', 'publisher reconnect')]);
    await server.restart();
    await reconnected;
    await subscriber.flush(5000);
    assert.equal(Buffer.from(await publisher.request('reconnect.rpc', Buffer.from('2'), 5000)).toString(), 're:2');
  });
});

describe('NatsBus publish', () => {
  it("refuses a message over the server's max_payload in publish itself, and goes on working", async () => {
    const bus = await NatsBus.connect({ servers: [nats.url], name: 'max-payload' });
    try {
      const received: string[] = [];
      bus.subscribe('max-payload.test', (message: BusMessage) => received.push(Buffer.from(message.data).toString()));
      await bus.flush(5000);
      assert.throws(() => bus.publish('max-payload.test', new Uint8Array(2 * 1024 * 1024)), /max_payload/);
      bus.publish('max-payload.test', Buffer.from('small'));
      await bus.flush(5000);
      await within(
        (async () => {
          while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        })(),
        'the small message',
      );
      assert.deepEqual(received, ['small']);
    } finally {
      await bus.close();
    }
  });
});

describe('NatsBus flush', () => {
  it('confirms every publish when many flushes share round trips across turns', async () => {
    const subscriber = await NatsBus.connect({ servers: [nats.url], name: 'flush-sub' });
    const publisher = await NatsBus.connect({ servers: [nats.url], name: 'flush-pub' });
    try {
      const received = new Set<string>();
      subscriber.subscribe('flush.test', (message: BusMessage) => received.add(Buffer.from(message.data).toString()));
      await subscriber.flush(5000);
      // Like concurrent API requests: bursts in one turn, and more arriving while a PING is out.
      const confirmations: Array<Promise<void>> = [];
      for (let turn = 0; turn < 30; turn++) {
        for (let i = 0; i < 10; i++) {
          publisher.publish('flush.test', Buffer.from(`${turn}.${i}`));
          confirmations.push(publisher.flush(5000));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(confirmations);
      await within(
        (async () => {
          while (received.size < 300) await new Promise((resolve) => setTimeout(resolve, 10));
        })(),
        'all 300 messages at the subscriber',
      );
      assert.equal(received.size, 300);
    } finally {
      await Promise.all([subscriber.close(), publisher.close()]);
    }
  });
});
