import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalBus } from '../../core/src/bus/local-bus';
import { subjects } from '../../core/src/bus/subjects';
import { systemClock } from '../../core/src/clock';
import { appSchema } from '../../core/src/config/app-schema';
import { BusEventJournal } from '../../core/src/journal/bus-event-journal';
import { MemoryCacheStore } from '../../core/src/stores/memory-cache-store';
import { tracingOff } from '../../core/src/tracing/tracing';
import { ApiError, apiErrors } from './api-errors';
import { EventPublisher } from './event-publisher';

const APP = appSchema.parse({ id: 'drain-app', key: 'drain-key', secret: 'drain-secret' });
const TRIGGER = { name: 'e', data: '{}', channels: ['c'], info: [] };

/** A bus whose flush (the publish confirmation) waits until the test confirms it. */
class HeldBus extends LocalBus {
  private readonly held: Array<() => void> = [];
  override flush(): Promise<void> {
    return new Promise((resolve) => this.held.push(resolve));
  }
  confirmAll(): void {
    for (const confirm of this.held.splice(0)) confirm();
  }
}

const isServerClosing = (err: unknown) => err instanceof ApiError && err.kind === apiErrors.serverClosing;

describe('EventPublisher.drain', () => {
  it('refuses new publishes with 503 serverClosing and resolves once the ones under way are confirmed', async () => {
    const bus = new HeldBus();
    const published: string[] = [];
    bus.subscribe(subjects.channel(APP.id, 'c'), () => published.push('c'));
    const publisher = new EventPublisher(bus, new BusEventJournal(bus), systemClock, 1000, new MemoryCacheStore(systemClock), tracingOff());

    const underWay = [publisher.publish(APP, [TRIGGER]), publisher.terminateUserConnections(APP, 'u1')];
    let drained = false;
    const drain = publisher.drain().then(() => (drained = true));
    await assert.rejects(publisher.publish(APP, [TRIGGER]), isServerClosing);
    await assert.rejects(publisher.terminateUserConnections(APP, 'u1'), isServerClosing);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'still waiting for the publishes under way');

    bus.confirmAll();
    await Promise.all(underWay);
    await drain;
    assert.deepEqual(published, ['c'], 'only the publish from before the drain reached the bus');
    await publisher.drain(); // nothing under way: at once
    await bus.close();
  });
});
