import { ManualClock } from '../manual-clock';
import { cacheStoreContract } from './cache-store-contract';
import { MemoryCacheStore } from './memory-cache-store';

cacheStoreContract('MemoryCacheStore', async () => {
  const clock = new ManualClock();
  const store = new MemoryCacheStore(clock);
  return { store, peer: store, clock, cleanup: async () => undefined };
});
