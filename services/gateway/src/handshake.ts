/**
 * Checks a new WebSocket's URL (`/app/:key?protocol=7&client=…&version=…`) before the
 * connection is established: the app exists and is enabled, and the protocol version is one
 * Herald speaks (4–7; 1–3 are retired by Pusher too).
 */
import type { App, AppRegistry } from '../../core/src/apps/app-registry';
import { type PusherErrorSpec, PusherErrors } from '../../core/src/protocol/errors';

const MIN_PROTOCOL = 4;
const MAX_PROTOCOL = 7;

export type HandshakeResult = { readonly ok: true; readonly app: App } | { readonly ok: false; readonly error: PusherErrorSpec; readonly detail?: string };

export function checkHandshake(apps: AppRegistry, key: string, query: Record<string, unknown>): HandshakeResult {
  const app = apps.byKey(key);
  if (!app) return { ok: false, error: PusherErrors.appNotFound, detail: `no app with key ${JSON.stringify(key)}` };
  if (!app.enabled) return { ok: false, error: PusherErrors.appDisabled };
  const protocol = query.protocol;
  if (protocol === undefined || protocol === '') return { ok: false, error: PusherErrors.noProtocolVersion };
  const version = Number(protocol);
  if (typeof protocol !== 'string' || !Number.isInteger(version) || version < MIN_PROTOCOL || version > MAX_PROTOCOL) {
    return { ok: false, error: PusherErrors.unsupportedProtocol, detail: `protocol ${String(protocol)}; supported: ${MIN_PROTOCOL}-${MAX_PROTOCOL}` };
  }
  return { ok: true, app };
}
