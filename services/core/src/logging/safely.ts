import type { Logger } from './logger';

/**
 * Wraps a timer or event callback so that an exception is logged instead of crashing the
 * process (a throw inside setTimeout/setInterval is an uncaught exception in Node).
 */
export function safely<A extends unknown[]>(logger: Logger, what: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      logger.error({ err }, `${what} failed`);
    }
  };
}
