/** The Twilio client against the in-process Twilio sandbox (real HTTP, the Messages API wire format). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsSandbox, SANDBOX_ACCOUNT, type SmsSandbox } from '../../../sandboxes/sms/server.js';
import { createTwilioClient, referenceTag, type TwilioClient, type TwilioError } from '../../../integrations/sms/twilio.js';

let sandbox: SmsSandbox;
let client: TwilioClient;

beforeAll(async () => {
  sandbox = await startSmsSandbox();
  client = createTwilioClient({ baseUrl: sandbox.url, ...SANDBOX_ACCOUNT, from: '+15005550006', timeoutMs: 2000 });
});
afterAll(() => sandbox.close());

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as TwilioError);

describe('Twilio client and sandbox', () => {
  it('sends a message and finds it again by its client reference', async () => {
    const sent = await client.send('+13035550101', `Order TR-1 was accepted ${referenceTag('aa11bb22')}`);
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(await client.findByReference('+13035550101', 'aa11bb22', new Date())).toEqual({ sid: sent.sid, status: 'queued' });
    expect(await client.findByReference('+13035550101', 'ffffffff', new Date())).toBeUndefined();
  });

  it('sorts failures: 429 refused with Retry-After, 5xx unknown, a bad number rejected, a bad token rejected', async () => {
    sandbox.faults.rate429 = 1;
    sandbox.faults.retryAfterS = 2;
    const limited = await failure(client.send('+13035550102', 'x'));
    expect(limited).toMatchObject({ outcome: 'refused', status: 429, retryAfterMs: 2000 });
    sandbox.faults.fail5xx = 1;
    expect(await failure(client.send('+13035550102', 'x'))).toMatchObject({ outcome: 'unknown', status: 500 });
    expect(await failure(client.send('555-0102', 'x'))).toMatchObject({ outcome: 'rejected', status: 400, code: 21211 });
    const wrong = createTwilioClient({ baseUrl: sandbox.url, accountSid: SANDBOX_ACCOUNT.accountSid, authToken: 'nope', from: '+15005550006', timeoutMs: 2000 });
    const denied = await failure(wrong.send('+13035550102', 'x'));
    expect(denied).toMatchObject({ outcome: 'rejected', status: 401 });
    expect(denied.message).not.toContain('nope');
  });

  it('a create whose answer is lost is unknown, and the look-up finds the message it did create', async () => {
    sandbox.faults.dropAfterCommit = 1;
    const lost = await failure(client.send('+13035550103', `Reminder ${referenceTag('cc33dd44')}`));
    expect(lost.outcome).toBe('unknown');
    const found = await client.findByReference('+13035550103', 'cc33dd44', new Date());
    expect(found?.sid).toBe(sandbox.messages.find((m) => m.to === '+13035550103')!.sid);
  });
});
