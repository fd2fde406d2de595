/**
 * SMTP through nodemailer's pooled transport: one pool per worker process, TLS and AUTH from
 * config. Errors are sorted by what they say about the message: refused (nothing was accepted,
 * sending again is safe), rejected (the server will never take it), or unknown (the connection
 * broke after the message may have been accepted: sending again could deliver it twice).
 */
import nodemailer from 'nodemailer';
import type { MailConfig } from '../../platform/config.js';

export interface OutgoingEmail {
  to: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

export interface Mailer {
  send(mail: OutgoingEmail): Promise<{ response: string }>;
  close(): void;
}

export type SmtpOutcome = 'refused' | 'rejected' | 'unknown';

/** Stages before the message body: a failure there cannot have delivered anything. */
const BEFORE_DATA = new Set(['CONN', 'EHLO', 'HELO', 'LHLO', 'STARTTLS', 'AUTH PLAIN', 'AUTH LOGIN', 'AUTH XOAUTH2', 'AUTH CRAM-MD5', 'MAIL FROM', 'RCPT TO', 'DATA']);
const NOT_CONNECTED = new Set(['ECONNECTION', 'EDNS', 'ETLS', 'EAUTH', 'ECONNREFUSED']);

export function classifySmtpError(err: unknown): SmtpOutcome {
  const e = err as { responseCode?: number; command?: string; code?: string };
  if (typeof e.responseCode === 'number') return e.responseCode >= 500 ? 'rejected' : 'refused';
  if ((e.code && NOT_CONNECTED.has(e.code)) || (e.command && BEFORE_DATA.has(e.command))) return 'refused';
  return 'unknown';
}

/** The server's own words, without anything of ours (no credentials are ever in them). */
export function smtpErrorText(err: unknown): string {
  const e = err as { response?: string; code?: string; message?: string };
  return String(e.response ?? e.message ?? e.code ?? err).slice(0, 500);
}

export function createMailer(cfg: MailConfig): Mailer {
  const transport = nodemailer.createTransport({
    pool: true,
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    requireTLS: cfg.requireTls,
    tls: { rejectUnauthorized: cfg.tlsRejectUnauthorized },
    ...(cfg.user && cfg.password ? { auth: { user: cfg.user, pass: cfg.password } } : {}),
    maxConnections: cfg.poolSize,
    connectionTimeout: cfg.sendTimeoutMs,
    greetingTimeout: cfg.sendTimeoutMs,
    socketTimeout: cfg.sendTimeoutMs,
    // Never log message bodies or credentials through nodemailer's own logger.
    logger: false,
    debug: false,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: cfg.from,
        ...(cfg.replyTo ? { replyTo: cfg.replyTo } : {}),
        to: mail.to,
        messageId: mail.messageId,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        ...(mail.headers ? { headers: mail.headers } : {}),
        ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
      });
      return { response: String(info.response ?? '').slice(0, 500) };
    },
    close: () => transport.close(),
  };
}
