/**
 * SMS through Twilio's Messages API (2010-04-01 wire format): form-encoded POST, Basic auth with
 * the Account SID and auth token, JSON answers with Twilio's own error codes.
 *
 * Twilio has no idempotency key, so each message carries a short client reference in its body
 * (`ref:<8 hex>`); after an outcome that was lost (timeout, dropped connection, 5xx) the sender
 * looks the message up by recipient and reference before it sends again (see findByReference).
 */
export interface TwilioConfig {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  timeoutMs: number;
}

export interface SentSms {
  sid: string;
  status: string;
}

export type SmsOutcome = 'refused' | 'rejected' | 'unknown';

/** A failed request, sorted like the SMTP errors: refused (not created), rejected (never will be), unknown. */
export class TwilioError extends Error {
  constructor(
    message: string,
    readonly outcome: SmsOutcome,
    readonly status?: number,
    readonly code?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TwilioError';
  }
}

const auth = (c: TwilioConfig) => `Basic ${Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64')}`;
const messagesUrl = (c: TwilioConfig) => `${c.baseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(c.accountSid)}/Messages.json`;

export const referenceTag = (ref: string) => `ref:${ref}`;

async function errorOf(res: Response): Promise<TwilioError> {
  const body = (await res.json().catch(() => ({}))) as { message?: string; code?: number };
  const message = `Twilio ${res.status}${body.code ? ` (${body.code})` : ''}: ${String(body.message ?? res.statusText).slice(0, 300)}`;
  if (res.status === 429) {
    const s = Number(res.headers.get('retry-after'));
    return new TwilioError(message, 'refused', res.status, body.code, Number.isFinite(s) && s > 0 ? s * 1000 : undefined);
  }
  // A 5xx answer to a create does not say whether the message was created.
  if (res.status >= 500) return new TwilioError(message, 'unknown', res.status, body.code);
  return new TwilioError(message, 'rejected', res.status, body.code);
}

export function createTwilioClient(c: TwilioConfig) {
  return {
    async send(to: string, body: string): Promise<SentSms> {
      let res: Response;
      try {
        res = await fetch(messagesUrl(c), {
          method: 'POST',
          headers: { authorization: auth(c), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ To: to, From: c.from, Body: body }).toString(),
          signal: AbortSignal.timeout(c.timeoutMs),
        });
      } catch (err) {
        // The request may have reached Twilio before the connection broke or the timer fired.
        throw new TwilioError(`Twilio request failed: ${(err as Error).message}`, 'unknown');
      }
      if (res.status !== 201 && res.status !== 200) throw await errorOf(res);
      const m = (await res.json()) as { sid: string; status: string };
      return { sid: m.sid, status: m.status };
    },

    /** The message to `to` whose body carries `ref`, sent on or after `since` (UTC day granularity, as Twilio filters). */
    async findByReference(to: string, ref: string, since: Date): Promise<SentSms | undefined> {
      const url = new URL(messagesUrl(c));
      url.searchParams.set('To', to);
      url.searchParams.set('DateSent>', since.toISOString().slice(0, 10));
      url.searchParams.set('PageSize', '100');
      const res = await fetch(url, { headers: { authorization: auth(c) }, signal: AbortSignal.timeout(c.timeoutMs) }).catch((err: Error) => {
        throw new TwilioError(`Twilio look-up failed: ${err.message}`, 'refused');
      });
      if (!res.ok) {
        const e = await errorOf(res);
        throw new TwilioError(e.message, e.outcome === 'rejected' ? 'rejected' : 'refused', e.status, e.code, e.retryAfterMs);
      }
      const page = (await res.json()) as { messages: Array<{ sid: string; status: string; body: string }> };
      const m = page.messages.find((x) => x.body.includes(referenceTag(ref)));
      return m ? { sid: m.sid, status: m.status } : undefined;
    },
  };
}
export type TwilioClient = ReturnType<typeof createTwilioClient>;
