import type { Express, Response } from 'express';
import type { AddressInfo } from 'node:net';

export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 picks a free port) and returns the base URL. */
export function listen(app: Express, port = 0, host = '127.0.0.1'): Promise<RunningSandbox> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) return reject(err);
      const { port: actual } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
    server.once('error', reject);
  });
}

/**
 * Writes a JSON array element by element, waiting for the socket to drain, so a 100k-item body is
 * never built as one string. Stops quietly if the client goes away.
 */
export async function streamJsonArray(res: Response, elements: Iterable<unknown>, batch = 200): Promise<void> {
  res.status(200).type('application/json');
  let buf: string[] = [];
  let first = true;
  const flush = async () => {
    if (buf.length === 0) return;
    const text = (first ? '[' : ',') + buf.join(',');
    first = false;
    buf = [];
    if (!res.write(text))
      await new Promise<void>((r) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          r();
        };
        res.once('drain', done);
        res.once('close', done);
      });
  };
  for (const e of elements) {
    if (res.destroyed) return;
    buf.push(JSON.stringify(e));
    if (buf.length >= batch) await flush();
  }
  await flush();
  res.end(first ? '[]' : ']');
}
