/**
 * @fastify/websocket routes an upgrade through fastify with a stand-in ServerResponse that it
 * assigns to the TCP socket, and adds an error listener that closes over the request and reply.
 * Both would keep the request, reply, response and a child logger alive for as long as the
 * WebSocket lives (about 2 KB per idle connection). Once the socket is ours, let them go.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

export function releaseUpgradeRequest(socket: WebSocket, request: FastifyRequest): void {
  const tcp = request.raw.socket as typeof request.raw.socket & { _httpMessage?: ServerResponse | null };
  tcp._httpMessage?.detachSocket(tcp);
  // The plugin's listener only forwards errors to its error handler, which logs; ours does that.
  socket.removeAllListeners('error');
}
