/** What `npm start` prints for a human: where Herald listens, the app, and copy-paste client snippets. */
import type { AppConfig } from '../../core/src/config/app-schema';

export function startupBanner(port: number, host: string, apps: readonly AppConfig[], appsSource: string): string {
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const app = apps[0];
  const lines = [
    '',
    `  Herald is running (embedded) — WebSockets and HTTP API on http://${shownHost}:${port}`,
    `  Apps from ${appsSource}:`,
    ...apps.map((a) => `    app_id ${a.id}   key ${a.key}   secret ${a.secret}${a.enabled ? '' : '   (disabled)'}`),
    '',
    '  Browser / Node (pusher-js):',
    `    const pusher = new Pusher('${app.key}', { wsHost: '${shownHost}', wsPort: ${port}, forceTLS: false,`,
    `      enabledTransports: ['ws'], cluster: 'mt1' });`,
    '',
    '  Server (the pusher npm package):',
    `    const pusher = new Pusher({ appId: '${app.id}', key: '${app.key}', secret: '${app.secret}',`,
    `      host: '${shownHost}', port: '${port}', useTLS: false });`,
    '',
    '  Health: /healthz /readyz   Metrics: /metrics   Stop: Ctrl-C',
    '',
  ];
  return lines.join('\n');
}
