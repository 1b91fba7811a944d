/**
 * Authenticates every `/apps/:app_id/…` request exactly as Pusher does, before the route
 * runs: unknown app → 404, disabled app → 403, anything wrong with the signature → 401.
 */
import type { FastifyRequest } from 'fastify';
import type { App, AppRegistry } from '../../core/src/apps/app-registry';
import type { Clock } from '../../core/src/clock';
import { apiAuthProblem, type QueryParams } from '../../core/src/signing/api-request';
import { apiErrors } from './api-errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received (body_md5 is computed over it). */
    rawBody?: string;
    /** The authenticated app. */
    herald?: { app: App };
  }
}

/** Every query parameter, repeated ones as arrays, values URL-decoded (as Pusher signs them). */
function queryParams(url: string): QueryParams {
  const params: Record<string, string | string[]> = {};
  const question = url.indexOf('?');
  if (question < 0) return params;
  for (const [key, value] of new URLSearchParams(url.slice(question + 1))) {
    const existing = params[key];
    if (existing === undefined) params[key] = value;
    else params[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

export function authenticate(request: FastifyRequest, apps: AppRegistry, clock: Clock, maxSkewSeconds: number): App {
  const { app_id: appId } = request.params as { app_id?: string };
  const app = appId === undefined ? appOfAuthKey(request, apps) : apps.byId(appId);
  if (!app) throw apiErrors.unknownApp({ appId: appId ?? '' });
  verifySignedRequest(app, { method: request.method, url: request.raw.url ?? request.url, rawBody: request.rawBody ?? '' }, clock, maxSkewSeconds);
  return app;
}

/**
 * A route without `/apps/:app_id` (the official Python SDK's terminate_user_connections posts
 * to `/users/:id/terminate_connections`): the app is the one whose key signed it. A missing or
 * unknown key is the signature's problem (401), not an unknown app.
 */
function appOfAuthKey(request: FastifyRequest, apps: AppRegistry): App {
  const key = queryParams(request.raw.url ?? request.url).auth_key;
  const app = typeof key === 'string' ? apps.byKey(key) : undefined;
  if (!app) {
    throw apiErrors.unauthenticated({
      reason: key === undefined ? 'Missing authentication parameters: auth_key, auth_timestamp and auth_signature are required' : 'Unknown auth_key',
    });
  }
  return app;
}

/** The app the preHandler authenticated; every /apps route runs after it. */
export function authenticatedApp(request: FastifyRequest): App {
  const app = request.herald?.app;
  if (!app) throw new Error(`${request.method} ${request.routeOptions.url}: no authenticated app (the authentication hook did not run)`);
  return app;
}

/** The request as signed: method, the URL as sent (path and query) and the body's exact text. */
export interface SignedRequest {
  readonly method: string;
  readonly url: string;
  readonly rawBody: string;
}

/** Throws the ApiError Pusher answers unless `request` is signed by `app` and the app is enabled. */
export function verifySignedRequest(app: App, request: SignedRequest, clock: Clock, maxSkewSeconds: number): void {
  const { url } = request;
  const problem = apiAuthProblem({
    method: request.method,
    path: url.split('?')[0],
    params: queryParams(url),
    rawBody: request.rawBody,
    key: app.key,
    secret: app.secret,
    nowSeconds: Math.floor(clock.now() / 1000),
    maxSkewSeconds,
  });
  if (problem) throw apiErrors.unauthenticated({ reason: problem.reason });
  if (!app.enabled) throw apiErrors.appDisabled();
}
