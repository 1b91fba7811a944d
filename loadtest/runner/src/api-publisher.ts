/**
 * Publishes through the real Pusher HTTP API: POST /apps/:id/events with body_md5 and
 * auth_signature, exactly as the official server SDKs sign it, over keep-alive connections.
 */
import { signApiRequest } from '../../../services/core/src/signing/api-request';
import { md5Hex } from '../../../services/core/src/signing/hmac';
import type { AppCredentials } from './endpoint';
import { HttpKeepAlivePool } from './http-keepalive-pool';

export interface PublishResponse {
  /** HTTP status, or 0 when the request failed before a response. */
  readonly status: number;
  readonly error?: string;
}

export class ApiPublisher {
  private readonly pool: HttpKeepAlivePool;
  private readonly pathPrefix: string;

  constructor(
    apiUrl: string,
    private readonly app: AppCredentials,
    connections = 64,
  ) {
    this.pool = new HttpKeepAlivePool(apiUrl, connections);
    this.pathPrefix = new URL(apiUrl).pathname.replace(/\/+$/, '');
  }

  /** Triggers one event on one channel. Never rejects: failures come back as status 0. */
  trigger(channel: string, name: string, data: string): Promise<PublishResponse> {
    const body = JSON.stringify({ name, channel, data });
    const path = `${this.pathPrefix}/apps/${this.app.appId}/events`;
    const params: Record<string, string> = {
      auth_key: this.app.key,
      auth_timestamp: String(Math.floor(Date.now() / 1000)),
      auth_version: '1.0',
      body_md5: md5Hex(body),
    };
    params.auth_signature = signApiRequest(this.app.secret, 'POST', path, params);
    let query = '';
    for (const [k, v] of Object.entries(params)) query += `${query ? '&' : ''}${k}=${encodeURIComponent(v)}`;
    return this.pool.post(`${path}?${query}`, body, 'application/json');
  }

  close(): void {
    this.pool.close();
  }
}
