/**
 * What `npm start` prints for a human: where Herald listens, the app, and copy-paste client
 * snippets. Start-up output ends up in log collectors, so an app's secret is printed only for
 * the built-in development app (its secret is in the README); for any other app the banner
 * says where the secret is kept.
 */
import type { AppConfig } from '../../core/src/config/app-schema';

/** Where the apps come from and where their secrets are kept (HeraldConfig's fields). */
export interface BannerApps {
  readonly apps: readonly AppConfig[];
  readonly appsSource: string;
  /** Absent only for the built-in development app. */
  readonly secretsIn?: string;
}

/** One app's credentials on one line; the secret only when it may be shown. */
export function appCredentialsLine(app: AppConfig, secretsIn: string | undefined): string {
  const secret = secretsIn === undefined ? `   secret ${app.secret}` : '';
  return `app_id ${app.id}   key ${app.key}${secret}${app.enabled ? '' : '   (disabled)'}`;
}

/** Where to find the secrets, when they are not printed. */
export function secretsNotice(secretsIn: string | undefined): string[] {
  return secretsIn === undefined ? [] : [`  Secrets are not printed: they are in ${secretsIn}.`];
}

/** Where the separate metrics listener is, when there is one. */
export interface BannerMetrics {
  readonly host: string;
  readonly port: number;
}

function shown(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

export function startupBanner(port: number, host: string, { apps, appsSource, secretsIn }: BannerApps, metrics?: BannerMetrics): string {
  const shownHost = shown(host);
  const app = apps[0];
  const secret = secretsIn === undefined ? app.secret : `<the secret of app ${app.id}>`;
  const lines = [
    '',
    `  Herald is running (embedded) — WebSockets and HTTP API on http://${shownHost}:${port}`,
    `  Apps from ${appsSource}:`,
    ...apps.map((a) => `    ${appCredentialsLine(a, secretsIn)}`),
    ...secretsNotice(secretsIn),
    '',
    '  Browser / Node (pusher-js):',
    `    const pusher = new Pusher('${app.key}', { wsHost: '${shownHost}', wsPort: ${port}, forceTLS: false,`,
    `      enabledTransports: ['ws'], cluster: 'mt1' });`,
    '',
    '  Server (the pusher npm package):',
    `    const pusher = new Pusher({ appId: '${app.id}', key: '${app.key}', secret: '${secret}',`,
    `      host: '${shownHost}', port: '${port}', useTLS: false });`,
    '',
    metrics
      ? `  Health and metrics: http://${shown(metrics.host)}:${metrics.port} (/healthz /readyz /metrics)   Stop: Ctrl-C`
      : '  Health: /healthz /readyz   Metrics: /metrics   Stop: Ctrl-C',
    '',
  ];
  return lines.join('\n');
}
