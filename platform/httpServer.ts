/**
 * The API's HTTP server: node:http with an idle keep-alive close that never drops a request.
 *
 * Node closes a keep-alive socket that has been idle for keepAliveTimeout (plus its 1 s buffer)
 * from a timer. When that timer runs late — the event loop was busy — the next request of a
 * client reusing the socket may already sit unread in the kernel: Node destroys the socket
 * anyway, the kernel answers the unread bytes with a reset, and the client sees ECONNRESET or
 * "socket hang up" for a request the server never looked at. Clients that ignore the
 * `Keep-Alive: timeout=` hint (node:http's Agent without its own timeout, many partner SDKs) hit
 * this under load; bench:order-lifecycle lost 4 of 1,000 orders to it.
 *
 * Here the idle timer only asks: the socket is closed one poll phase later, and only if no byte
 * arrived meanwhile. A request that reached the kernel before the close decision is served; what
 * remains is the round-trip-sized window every HTTP/1.1 server has, which clients honouring the
 * hint avoid.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

export function createHttpServer(listener: RequestListener): Server {
  const server = createServer(listener);
  // A 'timeout' listener takes the close decision from Node (it would destroy the socket at once).
  // The server sets no inactivity timeout of its own (server.timeout 0), so the socket timeout
  // fires only for idle keep-alive sockets; slow requests are bounded by headersTimeout and
  // requestTimeout, which do not go through here.
  server.on('timeout', (socket: Socket) => {
    const before = socket.bytesRead;
    // setImmediate runs after this iteration's poll phase, which reads whatever the kernel holds.
    setImmediate(() => {
      if (socket.destroyed || socket.bytesRead !== before) return;
      socket.destroy();
    });
  });
  return server;
}
