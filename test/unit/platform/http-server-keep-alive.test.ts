/**
 * A keep-alive client reusing its socket at the very moment the server's idle timer runs: the
 * request is already in the server's receive buffer when the timer fires (under load the timer
 * runs late, so this moment lasts as long as the event loop is behind). Node's own server destroys
 * the socket and the client sees ECONNRESET; the API's server answers the request.
 *
 * The moment is made exact rather than timed: a listener put in front of the server socket's own
 * 'timeout' handling writes the client's request, so it lands just as Node decides to close.
 */
import { Agent, createServer, request as httpRequest, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpServer, KEEP_ALIVE_TIMEOUT_MS } from '../../../platform/httpServer.js';

const REQUEST = 'GET /orders HTTP/1.1\r\nHost: trellis\r\n\r\n';
const handler: RequestListener = (_req, res) => res.end('ok');

async function reuseAsIdleTimerRuns(server: Server): Promise<{ second: string; error?: string; timerRan: boolean }> {
  server.keepAliveTimeout = 200;
  const peer: { client?: Socket } = {};
  let timerRan = false;
  let sent = false;
  server.on('connection', (serverSide: Socket) => {
    serverSide.prependListener('timeout', () => {
      timerRan = true;
      if (sent) return;
      sent = true;
      peer.client!.write(REQUEST);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = (peer.client = connect((server.address() as AddressInfo).port, '127.0.0.1'));
  let received = '';
  let error: string | undefined;
  client.on('data', (d: Buffer) => (received += d.toString('latin1')));
  client.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
  const closed = new Promise<void>((r) => client.on('close', () => r()));
  try {
    client.write(REQUEST);
    const answers = () => received.split('HTTP/1.1 200 OK').length - 1;
    const deadline = Date.now() + 10_000;
    while (!error && answers() < 2 && Date.now() < deadline && !client.destroyed) await new Promise((r) => setTimeout(r, 10));
    if (answers() < 2 && !error) await Promise.race([closed, new Promise((r) => setTimeout(r, 200))]);
    return { second: received.slice(received.indexOf('ok') + 2), error, timerRan };
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe('keep-alive reuse at the idle timeout', () => {
  it("Node's default server resets a request that arrives as its idle timer runs (the failure this server exists for)", async () => {
    const r = await reuseAsIdleTimerRuns(createServer(handler));
    expect(r.timerRan).toBe(true);
    expect(r.error).toBe('ECONNRESET');
    expect(r.second).toBe('');
  });

  it('the API server answers it', async () => {
    const r = await reuseAsIdleTimerRuns(createHttpServer(handler));
    expect(r.timerRan).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.second).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
  });

  it('still closes a socket that stays idle', async () => {
    const server = createHttpServer(handler);
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

describe('idle keep-alive sockets', () => {
  it('stay open longer than a partner pauses between steps, and longer than a load balancer keeps its side', () => {
    const server = createHttpServer(handler);
    expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
  });

  it('do not hold close() for the idle timeout when they were answering a request as it began', async () => {
    const server = createHttpServer((_req, res) => setTimeout(() => res.end('ok'), 200));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new Agent({ keepAlive: true });
    const answered = new Promise<string | undefined>((resolve) =>
      httpRequest({ agent, host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers.connection));
      }).end(),
    );
    await new Promise((r) => setTimeout(r, 50)); // the request is being answered
    const started = Date.now();
    const closed = new Promise((r) => server.close(r));
    expect(await answered).toBe('keep-alive'); // the client keeps the socket for reuse
    await closed;
    // Node's own close() would wait the whole keepAliveTimeout (65 s) for that socket.
    expect(Date.now() - started).toBeLessThan(5000);
    agent.destroy();
  });
});
