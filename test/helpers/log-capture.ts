/** A pino logger whose lines a test can read (and echo to stderr with TEST_LOG_LEVEL set). */
import pino from 'pino';
import type { Logger } from '../../services/core/src/logging/logger';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface CapturedLogs {
  readonly logger: Logger;
  readonly lines: LogLine[];
  /** Lines whose message or any string field matches. */
  matching(pattern: RegExp): LogLine[];
}

export function captureLogs(level = 'info'): CapturedLogs {
  const lines: LogLine[] = [];
  const echo = process.env.TEST_LOG_LEVEL !== undefined && process.env.TEST_LOG_LEVEL !== 'silent';
  const logger = pino(
    { level, base: undefined },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as LogLine);
        if (echo) process.stderr.write(line);
      },
    },
  );
  return {
    logger,
    lines,
    matching: (pattern) => lines.filter((line) => Object.values(line).some((v) => typeof v === 'string' && pattern.test(v))),
  };
}
