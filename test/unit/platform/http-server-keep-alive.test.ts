/**
 * A keep-alive client reusing its socket just as the server's idle timer comes due, with the
 * server's event loop busy at that moment (the load of bench:order-lifecycle, where the client
 * shares the process): the request is already in the kernel when the timer runs. Node's own
 * server destroys the socket and the client sees ECONNRESET; the API's server answers it.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../platform/httpServer.js';

const REQUEST = 'GET /orders HTTP/1.1\r\nHost: trellis\r\n\r\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one request, idles until just before the server's real idle close, then sends the next. */
async function reuseAtIdleTimeout(server: Server): Promise<{ second: string; error?: string }> {
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket: Socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  let received = '';
  let error: string | undefined;
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
  try {
    socket.write(REQUEST);
    while (!received.includes('\r\n\r\nok')) await sleep(5);
    // The idle close Node really applies (keepAliveTimeout plus its buffer), read off the server's socket.
    await sleep(20);
    const idleMs = serverIdleMs(server);
    expect(idleMs).toBeGreaterThanOrEqual(server.keepAliveTimeout);
    const start = performance.now();
    received = '';
    await sleep(idleMs - 40);
    // In a check-phase callback the write reaches the kernel, then the loop is busy past the
    // deadline: the next loop iteration runs the server's due idle timer before reading the socket.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        socket.write(REQUEST);
        while (performance.now() - start < idleMs + 150) {
          // busy: the server's event loop is late, as under load
        }
        resolve();
      }),
    );
    const deadline = performance.now() + 2000;
    while (!error && !received.includes('\r\n\r\nok') && performance.now() < deadline) await sleep(10);
    return { second: received, error };
  } finally {
    socket.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** The socket timeout Node arms after a keep-alive response (keepAliveTimeout + its buffer). */
function serverIdleMs(server: Server): number {
  return (server as Server & { __idleMs?: number }).__idleMs ?? 0;
}

function recordIdle(server: Server): Server {
  server.on('request', (req, res) => {
    const socket = req.socket;
    res.on('finish', () =>
      setImmediate(() => {
        (server as Server & { __idleMs?: number }).__idleMs = socket.timeout;
      }),
    );
  });
  return server;
}

describe('keep-alive reuse at the idle timeout', () => {
  const handler = (_req: unknown, res: { end(body: string): void }) => res.end('ok');

  it("Node's default server resets the reused socket (the failure this server exists for)", async () => {
    const r = await reuseAtIdleTimeout(recordIdle(createServer(handler as never)));
    expect(r.error).toBe('ECONNRESET');
    expect(r.second).toBe('');
  });

  it('the API server answers the request that arrived as the idle timer ran', async () => {
    const r = await reuseAtIdleTimeout(recordIdle(createHttpServer(handler as never)));
    expect(r.error).toBeUndefined();
    expect(r.second).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
  });

  it('still closes a socket that stays idle', async () => {
    const server = createHttpServer(handler as never);
    server.keepAliveTimeout = 200;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.resume();
    socket.write(REQUEST);
    await closed;
    expect(socket.bytesRead).toBeGreaterThan(0);
    await new Promise((r) => server.close(r));
  });
});
