/**
 * A Twilio Messages API sandbox (the 2010-04-01 wire format) for development and tests, with
 * fault injection under /__sandbox/: 5xx answers, 429 with Retry-After, and "commit then drop"
 * (the message is created, the connection is cut before the answer) — the case that makes a
 * naive retry send twice.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SandboxMessage {
  sid: string;
  account_sid: string;
  to: string;
  from: string;
  body: string;
  status: 'queued';
  date_created: string;
  date_sent: string;
}

export interface SmsFaults {
  /** Next n creates answer 500 without creating anything. */
  fail5xx: number;
  /** Next n creates answer 429 with Retry-After: retryAfterS. */
  rate429: number;
  retryAfterS: number;
  /** Next n creates store the message and then destroy the connection without answering. */
  dropAfterCommit: number;
}

export interface SmsSandbox {
  url: string;
  messages: SandboxMessage[];
  faults: SmsFaults;
  close(): Promise<void>;
}

export const SANDBOX_ACCOUNT = { accountSid: 'AC00000000000000000000000000sandbox', authToken: 'sandbox-auth-token' };
const E164 = /^\+[1-9]\d{6,14}$/;

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });

export async function startSmsSandbox(port = 0, account = SANDBOX_ACCOUNT): Promise<SmsSandbox> {
  const messages: SandboxMessage[] = [];
  const faults: SmsFaults = { fail5xx: 0, rate429: 0, retryAfterS: 1, dropAfterCommit: 0 };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const twilioError = (res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}) =>
    json(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      if (url.pathname === '/__sandbox/faults' && req.method === 'POST') {
        Object.assign(faults, JSON.parse((await readBody(req)) || '{}') as Partial<SmsFaults>);
        return json(res, 200, faults);
      }
      if (url.pathname === '/__sandbox/messages') return json(res, 200, { messages });
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      if (!m) return twilioError(res, 404, 20404, 'The requested resource was not found');
      const expected = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;
      if (decodeURIComponent(m[1]!) !== account.accountSid || req.headers.authorization !== expected) return twilioError(res, 401, 20003, 'Authenticate');
      if (req.method === 'GET') {
        const to = url.searchParams.get('To');
        const since = url.searchParams.get('DateSent>');
        const list = messages.filter((x) => (!to || x.to === to) && (!since || x.date_sent.slice(0, 10) >= since));
        return json(res, 200, { messages: [...list].reverse(), next_page_uri: null, page: 0, page_size: list.length });
      }
      if (req.method !== 'POST') return twilioError(res, 405, 20004, 'Method not allowed');
      const form = new URLSearchParams(await readBody(req));
      if (faults.rate429 > 0) {
        faults.rate429 -= 1;
        return twilioError(res, 429, 20429, 'Too Many Requests', { 'retry-after': String(faults.retryAfterS) });
      }
      if (faults.fail5xx > 0) {
        faults.fail5xx -= 1;
        return twilioError(res, 500, 20500, 'Internal Server Error');
      }
      const to = form.get('To') ?? '';
      if (!E164.test(to)) return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      const body = form.get('Body') ?? '';
      if (!body) return twilioError(res, 400, 21602, 'Message body is required.');
      const now = new Date().toISOString();
      const msg: SandboxMessage = { sid: `SM${randomBytes(16).toString('hex')}`, account_sid: account.accountSid, to, from: form.get('From') ?? '', body, status: 'queued', date_created: now, date_sent: now };
      messages.push(msg);
      if (faults.dropAfterCommit > 0) {
        faults.dropAfterCommit -= 1;
        return req.socket.destroy();
      }
      json(res, 201, msg);
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    messages,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
