/**
 * An app's auth endpoints, as a mobile client's HTTP authorizers call them: POST
 * `/pusher/auth` (form `socket_id`, `channel_name`) and `/pusher/user-auth` (form
 * `socket_id`), signed by the official `pusher` server SDK. Who the user is comes from a
 * `user_id` parameter (query or form), standing in for the app's session.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Pusher from 'pusher';

export interface AuthEndpoint {
  readonly channelAuthUrl: string;
  readonly userAuthUrl: string;
  /** Every request's path and form, for checking what a client sent. */
  readonly requests: Array<{ path: string; form: Record<string, string> }>;
  close(): Promise<void>;
}

function formOf(request: IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const query = new URL(request.url ?? '/', 'http://x').searchParams;
      const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      resolve(Object.fromEntries([...query, ...body]));
    });
    request.on('error', reject);
  });
}

export async function startAuthEndpoint(signer: Pusher, userInfo: (userId: string) => Record<string, unknown> = (id) => ({ name: id })): Promise<AuthEndpoint> {
  const requests: AuthEndpoint['requests'] = [];
  const server = createServer((request, response) => {
    void formOf(request).then((form) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      requests.push({ path, form });
      const userId = form.user_id;
      let answer: unknown;
      if (path === '/pusher/auth' && form.socket_id && form.channel_name) {
        const presence = form.channel_name.startsWith('presence-') && userId ? { user_id: userId, user_info: userInfo(userId) } : undefined;
        answer = signer.authorizeChannel(form.socket_id, form.channel_name, presence);
      } else if (path === '/pusher/user-auth' && form.socket_id && userId) {
        answer = signer.authenticateUser(form.socket_id, { id: userId, ...userInfo(userId) });
      }
      if (answer === undefined) response.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"not authorised"}');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    channelAuthUrl: `http://127.0.0.1:${port}/pusher/auth`,
    userAuthUrl: `http://127.0.0.1:${port}/pusher/user-auth`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
