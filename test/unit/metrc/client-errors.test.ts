import nock from 'nock';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { MetrcClient } from '../../../integrations/metrc/client.js';
import {
  MetrcAuthError,
  MetrcError,
  MetrcRateLimitError,
  MetrcRequestError,
  MetrcUnavailableError,
  MetrcValidationError,
} from '../../../integrations/metrc/errors.js';
import { parseRetryAfter } from '../../../integrations/metrc/error-mapping.js';

const BASE = 'https://api-co.metrc.com';
const LICENSE = '403-X0001';
const VENDOR = 'vendor-SECRET-abc';
const USER = 'user-SECRET-xyz';

const client = (extra: Partial<ConstructorParameters<typeof MetrcClient>[0]> = {}) =>
  new MetrcClient({ baseUrl: BASE, vendorKey: VENDOR, userKey: USER, timeoutMs: 300, getRetries: 0, rateLimitWaits: 0, ...extra });

const template = { Name: 'T-1', Destinations: [] };
const receipt = {
  SalesDateTime: '2026-03-01T14:05:00',
  SalesCustomerType: 'Consumer',
  ExternalReceiptNumber: 'R-1',
  Transactions: [],
};

// nock 14 only forwards `code` when given an Error instance.
const netError = (code: string) => Object.assign(new Error(`${code} (simulated)`), { code });

async function failure(p: Promise<unknown>): Promise<MetrcError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MetrcError);
    const err = e as MetrcError;
    // Keys must never leak into anything that gets logged or stored in Temporal history.
    for (const text of [err.message, String(err.stack), JSON.stringify(err)]) {
      expect(text).not.toContain('SECRET');
      expect(text).not.toContain(Buffer.from(`${VENDOR}:${USER}`).toString('base64'));
    }
    return err;
  }
  throw new Error('expected the call to fail');
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('MetrcClient error mapping', () => {
  it('maps a 400 row-message array to MetrcValidationError with the rows', async () => {
    const rows = [
      { row: 0, message: 'Tag ABCDEF012345670000012358 is not available.' },
      { row: 1, message: 'Recipient license is invalid.' },
    ];
    nock(BASE).post('/transfers/v2/templates/outgoing').query({ licenseNumber: LICENSE }).reply(400, rows);
    const err = await failure(client().createOutgoingTemplates(LICENSE, [template, template]));
    expect(err).toBeInstanceOf(MetrcValidationError);
    const v = err as MetrcValidationError;
    expect(v.type).toBe('MetrcValidationError');
    expect(v.nonRetryable).toBe(true);
    expect(v.rowMessages).toEqual(rows);
    expect(v.message).toContain('row 1: Recipient license is invalid.');
    expect(v.toJSON()).toMatchObject({ code: 'METRC_VALIDATION', status: 400, rowMessages: rows });
  });

  it('reads row messages in any casing and a {Message} body as one row-less message', async () => {
    nock(BASE)
      .post('/sales/v2/receipts')
      .query(true)
      .reply(400, [{ Row: 2, Message: 'Package is on hold.' }])
      .post('/sales/v2/receipts')
      .query(true)
      .reply(400, { Message: 'No data was submitted.' });
    const a = (await failure(client().createReceipts(LICENSE, [receipt]))) as MetrcValidationError;
    expect(a.rowMessages).toEqual([{ row: 2, message: 'Package is on hold.' }]);
    const b = (await failure(client().createReceipts(LICENSE, [receipt]))) as MetrcValidationError;
    expect(b).toBeInstanceOf(MetrcValidationError);
    expect(b.rowMessages).toEqual([{ row: null, message: 'No data was submitted.' }]);
  });

  it('maps an empty-body 401 to MetrcAuthError (not a permission problem)', async () => {
    nock(BASE).get('/facilities/v2/').reply(401, '');
    const err = await failure(client().getFacilities());
    expect(err).toBeInstanceOf(MetrcAuthError);
    expect(err.type).toBe('MetrcAuthError');
    expect(err.nonRetryable).toBe(true);
    expect((err as MetrcAuthError).permission).toBe(false);
    expect(err.toJSON()).toMatchObject({ code: 'METRC_UNAUTHORIZED', status: 401 });
  });

  it('maps 403 to the permission variant of MetrcAuthError', async () => {
    nock(BASE).get('/packages/v2/adjust/reasons').query(true).reply(403, { Message: 'Access denied.' });
    const err = await failure(client().listAdjustReasons(LICENSE));
    expect(err).toBeInstanceOf(MetrcAuthError);
    expect((err as MetrcAuthError).permission).toBe(true);
    expect(err.code).toBe('METRC_FORBIDDEN');
    expect(err.message).toContain('Access denied.');
  });

  it('maps 429 to a retryable MetrcRateLimitError with Retry-After in ms', async () => {
    nock(BASE).get('/transfers/v2/types').query(true).reply(429, '', { 'Retry-After': '7' });
    const err = await failure(client().listTransferTypes(LICENSE));
    expect(err).toBeInstanceOf(MetrcRateLimitError);
    expect(err.nonRetryable).toBe(false);
    expect((err as MetrcRateLimitError).retryAfterMs).toBe(7000);
    expect(err.toJSON()).toMatchObject({ type: 'MetrcRateLimitError', status: 429, retryAfterMs: 7000 });
  });

  it('parses Retry-After given as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('maps an IIS HTML 503 page to MetrcUnavailableError, ambiguous only for writes', async () => {
    const page = '<!DOCTYPE html><html><body><h2>Service Unavailable</h2></body></html>';
    nock(BASE)
      .get('/packages/v2/active')
      .query(true)
      .reply(503, page, { 'Content-Type': 'text/html' })
      .post('/sales/v2/receipts')
      .query(true)
      .reply(503, page, { 'Content-Type': 'text/html' });
    const window = { lastModifiedStart: '2026-01-01T00:00:00Z', lastModifiedEnd: '2026-01-02T00:00:00Z' };
    const get = (await failure(client().listActivePackages(LICENSE, window))) as MetrcUnavailableError;
    expect(get).toBeInstanceOf(MetrcUnavailableError);
    expect(get.kind).toBe('outage-page');
    expect(get.status).toBe(503);
    expect(get.ambiguous).toBe(false);
    const post = (await failure(client().createReceipts(LICENSE, [receipt]))) as MetrcUnavailableError;
    expect(post.ambiguous).toBe(true);
    expect(post.toJSON()).toMatchObject({ code: 'METRC_UNAVAILABLE', ambiguous: true, status: 503 });
  });

  it('treats an HTML page served with 200 as an outage, not as data', async () => {
    nock(BASE).get('/facilities/v2/').reply(200, '<html><body>Down for maintenance</body></html>', {
      'Content-Type': 'text/html; charset=utf-8',
    });
    const err = (await failure(client().getFacilities())) as MetrcUnavailableError;
    expect(err).toBeInstanceOf(MetrcUnavailableError);
    expect(err.kind).toBe('outage-page');
  });

  it('maps 500 to MetrcUnavailableError; a PUT or DELETE is ambiguous, a GET is not', async () => {
    const msg = { Message: 'An error has occurred.' };
    nock(BASE)
      .get('/sales/v2/receipts/5')
      .query(true)
      .reply(500, msg)
      .put('/sales/v2/receipts')
      .query(true)
      .reply(500, msg)
      .delete('/transfers/v2/templates/outgoing/9')
      .query(true)
      .reply(500, msg);
    const get = (await failure(client().getReceipt(LICENSE, 5))) as MetrcUnavailableError;
    expect([get.kind, get.status, get.ambiguous]).toEqual(['server', 500, false]);
    const put = (await failure(client().updateReceipts(LICENSE, [{ ...receipt, Id: 5 }]))) as MetrcUnavailableError;
    expect(put.ambiguous).toBe(true);
    const del = (await failure(client().archiveOutgoingTemplate(LICENSE, 9))) as MetrcUnavailableError;
    expect(del.ambiguous).toBe(true);
  });

  it('maps a timeout to MetrcUnavailableError kind timeout, ambiguous for a POST', async () => {
    nock(BASE)
      .get('/facilities/v2/')
      .delay(1000)
      .reply(200, [])
      .post('/transfers/v2/templates/outgoing')
      .query(true)
      .delay(1000)
      .reply(200, { Ids: [1], Warnings: null });
    const get = (await failure(client({ timeoutMs: 100 }).getFacilities())) as MetrcUnavailableError;
    expect([get.kind, get.ambiguous]).toEqual(['timeout', false]);
    const post = (await failure(
      client({ timeoutMs: 100 }).createOutgoingTemplates(LICENSE, [template]),
    )) as MetrcUnavailableError;
    expect([post.kind, post.ambiguous]).toEqual(['timeout', true]);
  });

  it('maps a reset connection to MetrcUnavailableError, ambiguous only for writes', async () => {
    nock(BASE)
      .get('/facilities/v2/')
      .replyWithError(netError('ECONNRESET'))
      .post('/packages/v2/adjust')
      .query(true)
      .replyWithError(netError('ECONNRESET'));
    const get = (await failure(client().getFacilities())) as MetrcUnavailableError;
    expect([get.kind, get.ambiguous]).toEqual(['network', false]);
    const adj = {
      Label: 'X',
      Quantity: -1,
      UnitOfMeasure: 'Each',
      AdjustmentReason: 'Drying',
      AdjustmentDate: '2026-01-01',
    };
    const post = (await failure(client().adjustPackages(LICENSE, [adj]))) as MetrcUnavailableError;
    expect([post.kind, post.ambiguous]).toEqual(['network', true]);
  });

  it('does not call a refused connection ambiguous: the write never left', async () => {
    nock(BASE).post('/sales/v2/receipts').query(true).replyWithError(netError('ECONNREFUSED'));
    const err = (await failure(client().createReceipts(LICENSE, [receipt]))) as MetrcUnavailableError;
    expect(err).toBeInstanceOf(MetrcUnavailableError);
    expect(err.ambiguous).toBe(false);
  });

  it('maps other 4xx (413 object limit) to non-retryable MetrcRequestError', async () => {
    nock(BASE).post('/sales/v2/receipts').query(true).reply(413, { Message: 'Too many objects.' });
    const err = await failure(client().createReceipts(LICENSE, [receipt]));
    expect(err).toBeInstanceOf(MetrcRequestError);
    expect(err.nonRetryable).toBe(true);
    expect(err.status).toBe(413);
  });

  it('retries a GET after 429/5xx within its budget but never retries a write', async () => {
    nock(BASE)
      .get('/facilities/v2/')
      .reply(429, '', { 'Retry-After': '0' })
      .get('/facilities/v2/')
      .reply(502, 'Bad gateway')
      .get('/facilities/v2/')
      .reply(200, [{ FacilityId: 1, Name: 'A', License: { Number: LICENSE, LicenseType: 'x' }, FacilityType: {} }])
      .post('/sales/v2/receipts')
      .query(true)
      .reply(500, {});
    const c = client({ getRetries: 1, rateLimitWaits: 1, retryBaseDelayMs: 1 });
    const facilities = await c.getFacilities();
    expect(facilities.map((f) => f.License.Number)).toEqual([LICENSE]);
    // Only one POST interceptor exists: a retry would fail with nock's "no match" instead.
    const err = (await failure(c.createReceipts(LICENSE, [receipt]))) as MetrcUnavailableError;
    expect(err.status).toBe(500);
  });

  it('waits out 429s on a GET like a write, honouring Retry-After, apart from its 5xx retries', async () => {
    const scope = nock(BASE)
      .get('/facilities/v2/')
      .times(4)
      .reply(429, '', { 'Retry-After': '0.05' })
      .get('/facilities/v2/')
      .reply(200, [{ FacilityId: 1, Name: 'A', License: { Number: LICENSE, LicenseType: 'x' }, FacilityType: {} }]);
    const started = Date.now();
    const facilities = await client({ getRetries: 0, rateLimitWaits: 5 }).getFacilities();
    expect(facilities).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 50);
    expect(scope.isDone()).toBe(true);
    // Six in a row is one too many: the sixth 429 reaches the caller.
    nock(BASE).get('/facilities/v2/').times(6).reply(429, '', { 'Retry-After': '0' });
    expect(await failure(client({ getRetries: 0, rateLimitWaits: 5 }).getFacilities())).toBeInstanceOf(MetrcRateLimitError);
  });

  it('gives up retrying a GET when Retry-After exceeds maxRetryWaitMs', async () => {
    nock(BASE).get('/facilities/v2/').reply(429, '', { 'Retry-After': '120' });
    const err = await failure(client({ getRetries: 3, rateLimitWaits: 3, maxRetryWaitMs: 1000 }).getFacilities());
    expect((err as MetrcRateLimitError).retryAfterMs).toBe(120_000);
  });
});
