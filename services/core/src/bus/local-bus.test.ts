import { busContract } from './bus-contract';
import { LocalBus } from './local-bus';

busContract('LocalBus', async () => {
  const handlerErrors: unknown[] = [];
  const bus = new LocalBus((err) => handlerErrors.push(err));
  return { bus, peer: bus, handlerErrors, cleanup: () => bus.close() };
});
