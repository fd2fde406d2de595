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

/**
 * Idle keep-alive sockets stay open this long (Node's default is 5 s). The close decision above
 * still leaves a round-trip-sized window in which a client reusing the socket meets the close;
 * clients that ignore the Keep-Alive hint reuse sockets after pauses of seconds (a partner's
 * integration between two steps of an order: bench:order-lifecycle lost 2 of 200 orders to
 * "socket hang up" at 5 s, load ~3). Above the 60 s idle timeout of common load balancers, so
 * behind one it is the balancer that closes first, as they recommend.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export function createHttpServer(listener: RequestListener): Server {
  const server = createServer(listener);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Headers of a request on a reused socket must be allowed as long as the socket may idle.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  // close() closes the sockets idle at that moment, but one still answering a request becomes an
  // idle keep-alive socket afterwards and would hold close() for the whole idle timeout: sweep
  // such sockets until every connection has ended.
  const close = server.close.bind(server);
  server.close = (callback?: (err?: Error) => void) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    close((err?: Error) => {
      clearInterval(sweep);
      callback?.(err);
    });
    return server;
  };
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
