/** Structured logging with pino; one logger is made at start-up and passed down. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level: string; name?: string; base?: Record<string, unknown> }): Logger {
  return pino({
    level: options.level,
    name: options.name,
    base: { pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
