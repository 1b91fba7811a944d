import { after, before } from 'node:test';
import { connect } from 'nats';
import { type NatsServer, startNatsServer } from '../../../../test/helpers/nats';
import { ManualClock } from '../manual-clock';
import { cacheStoreContract } from './cache-store-contract';
import { JetStreamCacheStore } from './jetstream-cache-store';

let nats: NatsServer;
before(async () => {
  nats = await startNatsServer({ name: 'cache-contract' });
});
after(() => nats?.stop());

cacheStoreContract('JetStreamCacheStore (two connections to one nats-server)', async () => {
  const clock = new ManualClock();
  const [apiSide, gatewaySide] = await Promise.all([connect({ servers: nats.url, name: 'cache-store' }), connect({ servers: nats.url, name: 'cache-peer' })]);
  const store = await JetStreamCacheStore.open(apiSide, clock);
  const peer = await JetStreamCacheStore.open(gatewaySide, clock);
  return {
    store,
    peer,
    clock,
    cleanup: async () => {
      await Promise.all([apiSide.close(), gatewaySide.close()]);
    },
  };
});
