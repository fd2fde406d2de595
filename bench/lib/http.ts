import { Agent, request } from 'node:http';

/**
 * A lean keep-alive JSON client for load generators. The benchmarks drive the API from the same
 * process as their baseline, so the client's own cost is part of the figure; `fetch` (undici,
 * web streams) spent about a tenth of the process's CPU on itself, which is not the API's cost.
 */
export function jsonClient(base: string, headers: Record<string, string>, maxSockets = 32, prefix = '/api/v1') {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const url = new URL(base);
  return {
    send(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; body: string }> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method,
            path: `${prefix}${path}`,
            headers: { ...headers, ...extraHeaders, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
