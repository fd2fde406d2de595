/**
 * The SMTP transport against a real in-process SMTP server that requires STARTTLS and AUTH
 * (smtp-server with its built-in self-signed certificate): TLS, credentials, From/Reply-To and
 * the Message-ID come from config and reach the server as such; a wrong password is a rejection.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { classifySmtpError, createMailer } from '../../../integrations/mail/transport.js';
import type { MailConfig } from '../../../platform/config.js';

interface Got {
  secure: boolean;
  user: string | undefined;
  from: string | undefined;
  raw: string;
}
const got: Got[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, session, cb) {
      // AUTH over a clear connection would show the password to the network.
      if (!session.secure) return cb(new Error('Must issue STARTTLS first'));
      if (auth.username === 'trellis' && auth.password === 'smtp-secret-pw') return cb(null, { user: auth.username });
      cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        got.push({ secure: session.secure, user: session.user as string | undefined, from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined, raw: Buffer.concat(chunks).toString('utf8') });
        cb(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const config = (over: Partial<MailConfig> = {}): MailConfig => ({
  host: '127.0.0.1',
  port,
  secure: false,
  requireTls: true,
  tlsRejectUnauthorized: false, // the test server's certificate is self-signed
  user: 'trellis',
  password: 'smtp-secret-pw',
  from: 'Trellis <notify@hub.example>',
  replyTo: 'support@hub.example',
  poolSize: 2,
  sendTimeoutMs: 5000,
  catcher: { enabled: false, smtpPort: 0, httpPort: 0 },
  sms: { baseUrl: '', accountSid: '', authToken: '', from: '', sandboxPort: 0, settleMs: 0 },
  digestWindowMs: 60_000,
  rate: { email: 20, sms: 1 },
  ...over,
});

describe('SMTP transport', () => {
  it('sends over STARTTLS with AUTH, with From, Reply-To and the given Message-ID', async () => {
    const mailer = createMailer(config());
    try {
      await mailer.send({ to: 'someone@example.com', messageId: '<abc123@hub.example>', subject: 'Hello', text: 'text body', html: '<p>html body</p>' });
    } finally {
      mailer.close();
    }
    const m = got.at(-1)!;
    expect(m).toMatchObject({ secure: true, user: 'trellis', from: 'notify@hub.example' });
    expect(m.raw).toMatch(/^Message-ID: <abc123@hub\.example>/m);
    expect(m.raw).toMatch(/^Reply-To: support@hub\.example/m);
    expect(m.raw).toMatch(/^From: Trellis <notify@hub\.example>/m);
    expect(m.raw).not.toContain('smtp-secret-pw');
  });

  it('a wrong password is a rejection (retries cannot fix it), and the error does not carry the password', async () => {
    const mailer = createMailer(config({ password: 'wrong-password-xyz' }));
    const err = await mailer.send({ to: 'someone@example.com', messageId: '<def@hub.example>', subject: 'x', text: 'x', html: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    mailer.close();
    expect(err).toBeDefined();
    expect(classifySmtpError(err)).toBe('rejected');
    expect(JSON.stringify(err)).not.toContain('wrong-password-xyz');
  });

  it('a server that is not listening is a refusal: nothing was sent, sending again is safe', async () => {
    const mailer = createMailer(config({ port: 1, requireTls: false, user: undefined, password: undefined }));
    const err = await mailer.send({ to: 'a@example.com', messageId: '<x@hub.example>', subject: 'x', text: 'x', html: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    mailer.close();
    expect(classifySmtpError(err)).toBe('refused');
  });
});
