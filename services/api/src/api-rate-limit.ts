/**
 * An app's API request rate (`limits.maxApiRequestsPerSecond`; 0 = unlimited), per api
 * process and shared by all its routes: a one-second window per app that opens at its first
 * request, with the x-ratelimit-* headers and the 429 that @fastify/rate-limit gave before
 * the events endpoint needed the same count outside fastify. Callers count only
 * authenticated requests, so a flood anyone can send without the secret cannot lock an app
 * out of its API.
 */
import type { App } from '../../core/src/apps/app-registry';
import type { Clock } from '../../core/src/clock';
import { apiErrors } from './api-errors';

const WINDOW_MS = 1000;

interface Window {
  openedAtMs: number;
  requests: number;
}

export class ApiRateLimit {
  /** Keyed by app id: as many entries as apps that have sent a request. */
  private readonly windows = new Map<string, Window>();

  constructor(private readonly clock: Clock) {}

  /**
   * Counts one request of `app`. Returns the rate headers for its answer (undefined when the
   * app has no limit), or throws the 429 once the app is over its limit for this window.
   */
  admit(app: App): Record<string, string> | undefined {
    const limit = app.limits.maxApiRequestsPerSecond;
    if (limit === 0) return undefined;
    const now = this.clock.now();
    let window = this.windows.get(app.id);
    if (!window || window.openedAtMs + WINDOW_MS <= now) {
      window = { openedAtMs: now, requests: 0 };
      this.windows.set(app.id, window);
    }
    window.requests += 1;
    const resetSeconds = Math.ceil((window.openedAtMs + WINDOW_MS - now) / 1000);
    const headers = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - window.requests)),
      'x-ratelimit-reset': String(resetSeconds),
    };
    if (window.requests <= limit) return headers;
    const retryIn = `${resetSeconds} second${resetSeconds === 1 ? '' : 's'}`;
    throw apiErrors.tooManyRequests({ limit, retryIn }).withHeaders({ ...headers, 'retry-after': String(resetSeconds) });
  }
}
