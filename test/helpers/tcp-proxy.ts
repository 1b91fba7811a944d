/**
 * A loopback TCP proxy standing in for a load balancer (a Kubernetes Service): new
 * connections go to the current target; `retarget` moves later connections elsewhere, as a
 * Service does once a draining pod has left its endpoints. Open connections are untouched.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = createServer((client) => {
    const upstream = connect({ port: target, host: '127.0.0.1' });
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side ending or failing ends the other, as a TCP load balancer does.
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no address');
  return {
    port: address.port,
    retarget: (port) => {
      target = port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
