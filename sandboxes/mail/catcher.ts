/**
 * The local mail catcher: a real SMTP server (smtp-server, by nodemailer's author) that keeps
 * every message in memory, plus a small HTTP side that lists them as JSON at `/__mail`, so a
 * newcomer running `npm start` sees notifications arrive and tests count them by Message-ID.
 * Fault injection (`refuse`) makes it answer like a mail server that is down or busy.
 * Development and tests only: it accepts any sender and recipient without authentication.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  messageId: string | null;
  from: string | null;
  to: string[];
  subject: string | null;
  /** The plain-text and HTML bodies, decoded (null when the message has no such part). */
  text: string | null;
  html: string | null;
  /** Parts sent as attachments, decoded. */
  attachments: CaughtAttachment[];
  receivedAt: string;
  /** The whole message as sent (headers and MIME body). */
  raw: string;
}

export interface CaughtAttachment {
  filename: string | null;
  contentType: string;
  content: Buffer;
}

export interface MailCatcher {
  smtpPort: number;
  httpPort: number | null;
  messages(): CaughtMail[];
  clear(): void;
  /** The next `count` messages are refused at end of data with `code` (e.g. 421: service unavailable). */
  refuse(count: number, code?: number): void;
  /**
   * The next `count` messages are kept (the server has them) but answered only after `ms`: the
   * sender does not learn that they were taken, as when a connection or a worker dies right there.
   */
  hold(count: number, ms: number): void;
  stop(): Promise<void>;
}

/** Unfolded header value of a raw message (first occurrence). */
function header(raw: string, name: string): string | null {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return m ? m[1]!.trim() : null;
}

function decode(body: string, encoding: string | null): string {
  const enc = (encoding ?? '').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

const bytesOf = (body: string, encoding: string | null): Buffer =>
  (encoding ?? '').toLowerCase() === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : Buffer.from(decode(body, encoding), 'utf8');

/** The text/plain and text/html parts of a (possibly multipart) message and its attachments: enough to read a notification. */
function bodies(raw: string): { text: string | null; html: string | null; attachments: CaughtAttachment[] } {
  const out: { text: string | null; html: string | null; attachments: CaughtAttachment[] } = { text: null, html: null, attachments: [] };
  const visit = (entity: string) => {
    const split = /\r?\n\r?\n/.exec(entity);
    const headers = split ? entity.slice(0, split.index) : entity;
    const body = split ? entity.slice(split.index + split[0].length) : '';
    const type = (header(headers, 'Content-Type') ?? 'text/plain').toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(header(headers, 'Content-Type') ?? '')?.[1];
    const disposition = header(headers, 'Content-Disposition') ?? '';
    if (type.startsWith('multipart/') && boundary) {
      for (const part of body.split(`--${boundary}`).slice(1)) if (!part.startsWith('--')) visit(part.replace(/^\r?\n/, ''));
    } else if (/^attachment/i.test(disposition)) {
      const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? null;
      // The part's body ends where the next boundary line begins.
      out.attachments.push({ filename, contentType: type.split(';')[0]!.trim(), content: bytesOf(body.replace(/\r?\n$/, ''), header(headers, 'Content-Transfer-Encoding')) });
    } else if (type.startsWith('text/plain') && out.text === null) out.text = decode(body, header(headers, 'Content-Transfer-Encoding'));
    else if (type.startsWith('text/html') && out.html === null) out.html = decode(body, header(headers, 'Content-Transfer-Encoding'));
  };
  visit(raw);
  return out;
}

export async function startMailCatcher(opts: { smtpPort?: number; httpPort?: number | null; host?: string } = {}): Promise<MailCatcher> {
  const host = opts.host ?? '127.0.0.1';
  const caught: CaughtMail[] = [];
  let refusals = 0;
  let refusalCode = 421;
  let holds = 0;
  let holdMs = 0;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    // Pooled clients keep connections open; stopping should not wait 30 s for them.
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refusals > 0) {
          refusals -= 1;
          const err = Object.assign(new Error('Service not available, try again later'), { responseCode: refusalCode });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        caught.push({
          messageId: header(raw, 'Message-ID'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, 'Subject'),
          ...bodies(raw),
          receivedAt: new Date().toISOString(),
          raw,
        });
        if (holds > 0) {
          holds -= 1;
          setTimeout(() => callback(null), holdMs).unref();
          return;
        }
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(opts.smtpPort ?? 0, host, () => resolve());
  });
  smtp.on('error', () => {}); // a client dropping its connection is not the catcher's problem
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let http: Server | null = null;
  if (opts.httpPort !== null && opts.httpPort !== undefined) {
    http = createHttpServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body, null, 2));
      };
      const path = new URL(req.url ?? '/', 'http://catcher').pathname;
      if (path === '/__mail' && req.method === 'GET') {
        const data = caught.map(({ raw: _raw, attachments, ...m }) => ({ ...m, attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, bytes: a.content.length })) }));
        return send(200, { data, total: caught.length });
      }
      const one = /^\/__mail\/(\d+)$/.exec(path);
      if (one && req.method === 'GET') {
        const m = caught[Number(one[1])];
        if (!m) return send(404, { error: 'no such message' });
        res.writeHead(200, { 'content-type': 'message/rfc822' });
        return res.end(m.raw);
      }
      const refuse = /^\/__mail\/refuse\/(\d+)$/.exec(path);
      if (refuse && req.method === 'POST') {
        refusals = Number(refuse[1]);
        refusalCode = Number(new URL(req.url ?? '/', 'http://catcher').searchParams.get('code') ?? 421);
        return send(200, { refusing: refusals, code: refusalCode });
      }
      if (path === '/__mail' && req.method === 'DELETE') {
        caught.length = 0;
        return send(200, { cleared: true });
      }
      send(404, { error: 'GET /__mail lists caught messages; GET /__mail/<n> shows one; DELETE /__mail clears; POST /__mail/refuse/<n>?code=421 refuses the next n' });
    });
    await new Promise<void>((resolve, reject) => {
      http!.once('error', reject);
      http!.listen(opts.httpPort ?? 0, host, () => resolve());
    });
  }

  return {
    smtpPort,
    httpPort: http ? (http.address() as AddressInfo).port : null,
    messages: () => [...caught],
    clear: () => void (caught.length = 0),
    refuse(count, code = 421) {
      refusals = count;
      refusalCode = code;
    },
    hold(count, ms) {
      holds = count;
      holdMs = ms;
    },
    async stop() {
      await Promise.all([
        new Promise<void>((r) => smtp.close(() => r())),
        http ? new Promise<void>((r) => { http!.closeAllConnections(); http!.close(() => r()); }) : Promise.resolve(),
      ]);
    },
  };
}
