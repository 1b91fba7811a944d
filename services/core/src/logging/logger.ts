/** Structured logging with pino; one logger is made at start-up and passed down. */
import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level: string;
  name?: string;
  base?: Record<string, unknown>;
  /** Fields added to every line, read when it is written (the active span's trace_id, with tracing on). */
  mixin?: () => Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino({
    level: options.level,
    name: options.name,
    base: { pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(options.mixin ? { mixin: options.mixin } : {}),
  });
}
