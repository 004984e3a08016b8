// Graceful shutdown of an HTTP(S) server (SPEC §9): stop accepting, let in-flight requests finish, close idle
// keep-alive connections as they appear, and destroy whatever is left when the grace period ends.
import type http from 'node:http';
import type https from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from '../logger';

export function trackSockets(server: http.Server | https.Server): Set<Socket> {
  // Raw TCP sockets, including TLS handshakes in progress, which Node's own connection list does not cover.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

export function closeGracefully(
  server: http.Server | https.Server,
  sockets: ReadonlySet<Socket>,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    // A connection becomes idle when its in-flight response ends; close those as they appear.
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    const force = setTimeout(() => {
      logger.warn('grace period over; closing remaining connections', { connections: sockets.size, graceMs });
      for (const socket of sockets) socket.destroy();
    }, graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      logger.info('server closed', { durationMs: Date.now() - started });
      resolve();
    });
    server.closeIdleConnections();
  });
}
