/**
 * Scheduled reports (issue 17): real API, workers on the reports and notifications queues,
 * Temporal dev server, database and a real SMTP server (the catcher). A schedule made over HTTP is
 * a Temporal Schedule with the caller's cron and time zone; triggering it makes a new report row
 * that completes, and its owner (only) gets the link in the console and by email. Deleting it
 * removes the Schedule; other users and tenants cannot see or delete it; bad input is a 422.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportScheduleTemporalId } from '../../../contracts/index.js';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { createTestSession, createTestUser, type TestUser } from '../../support/auth.js';
import { createWorld } from '../../support/fixtures.js';
import { ownQueues, startWorkers, type RunningWorkers } from '../../support/harness.js';
import { call, ordersEnv, waitFor, type Headers, type OrdersEnv } from '../orders/helpers.js';
import { seedReports } from './seed.js';

const PUBLIC_URL = 'https://console.trellis.test';
let catcher: MailCatcher;
let env: OrdersEnv;
let workers: RunningWorkers;
let owner: TestUser;
let ownerH: Headers;
let colleagueH: Headers;
let otherTenantH: Headers;

const bearer = async (userId: string) => ({ authorization: `Bearer ${await createTestSession(env.deps, userId)}` });

beforeAll(async () => {
  catcher = await startMailCatcher();
  env = await ordersEnv({
    queues: false,
    env: { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), SMTP_SEND_TIMEOUT: '1s', PUBLIC_URL, REPORT_MAX_RANGE_DAYS: '31' },
  });
  workers = await startWorkers(env.deps, { queues: ['reports', 'notifications'] });
  await seedReports(env.deps.sequelize, env.world);
  owner = await createTestUser(env.deps, { role: 'owner', entityId: env.world.wholesaler.id });
  const colleague = await createTestUser(env.deps, { role: 'member', entityId: env.world.wholesaler.id });
  const other = await createWorld(env.api.url, env.admin);
  const stranger = await createTestUser(env.deps, { role: 'owner', entityId: other.wholesaler.id });
  [ownerH, colleagueH, otherTenantH] = [await bearer(owner.id), await bearer(colleague.id), await bearer(stranger.id)];
}, 180_000);

afterAll(async () => {
  await workers?.stop();
  await env?.close();
  await catcher?.stop();
});

const weekly = { name: 'Weekly stock', cron: '0 7 * * MON', timezone: 'Europe/Berlin', report: { type: 'inventory_valuation', format: 'csv' } };

describe('scheduled reports', () => {
  it('a schedule is a Temporal Schedule in the owner’s zone; a run makes a report and tells the owner only', async () => {
    const created = await call(env, ownerH, 'POST', '/report-schedules', weekly);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const s = created.body;
    expect(s).toMatchObject({ name: 'Weekly stock', cron: '0 7 * * MON', timezone: 'Europe/Berlin', user_id: owner.id, entity_id: env.world.wholesaler.id, report: { type: 'inventory_valuation', format: 'csv', days: 7 } });
    expect(created.headers.get('location')).toBe(`/api/v1/report-schedules/${s.id}`);

    const handle = env.client.schedule.getHandle(reportScheduleTemporalId(s.id));
    const described = await handle.describe();
    expect(described.spec.timezone).toBe('Europe/Berlin');
    // Temporal keeps cron strings as calendar specs: Monday, 07:00:00.
    const cal = described.spec.calendars?.[0];
    expect(cal, JSON.stringify(described.spec)).toBeDefined();
    expect(cal!.dayOfWeek).toEqual([{ start: 'MONDAY', end: 'MONDAY', step: 1 }]);
    expect(cal!.hour).toEqual([{ start: 7, end: 7, step: 1 }]);
    expect(cal!.minute).toEqual([{ start: 0, end: 0, step: 1 }]);
    // The next run is a Monday at 07:00 Berlin time.
    const next = described.info.nextActionTimes[0]!;
    const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next);
    expect(berlin).toBe('Mon 07:00');

    // Listed and read by its owner; a colleague of the same tenant and another tenant see nothing.
    expect((await call(env, ownerH, 'GET', '/report-schedules')).body.data.map((x: { id: string }) => x.id)).toContain(s.id);
    expect((await call(env, ownerH, 'GET', `/report-schedules/${s.id}`)).body).toEqual(s);
    expect((await call(env, colleagueH, 'GET', '/report-schedules')).body.data).toEqual([]);
    expect((await call(env, colleagueH, 'GET', `/report-schedules/${s.id}`)).status).toBe(404);
    expect((await call(env, otherTenantH, 'GET', `/report-schedules/${s.id}`)).status).toBe(404);
    expect((await call(env, otherTenantH, 'DELETE', `/report-schedules/${s.id}`)).status).toBe(404);
    expect((await call(env, env.admin, 'GET', `/report-schedules/${s.id}`)).status).toBe(200);

    await handle.trigger();
    const report = await waitFor(
      'the scheduled report to complete',
      async () => {
        const [rows] = (await env.deps.sequelize.query('SELECT id, status, entity_id, requested_by FROM reports WHERE schedule_id = ?', { replacements: [s.id] })) as [Array<{ id: string; status: string; entity_id: string; requested_by: string }>, unknown];
        expect(rows.length).toBeLessThanOrEqual(1);
        return rows[0]?.status === 'succeeded' && rows[0];
      },
      60_000,
    );
    expect(report).toMatchObject({ entity_id: env.world.wholesaler.id, requested_by: `user:${owner.id}` });
    const got = await call(env, ownerH, 'GET', `/reports/${report.id}`);
    expect(got.body.file.download_url).toBe(`/api/v1/reports/${report.id}/download`);
    const file = await fetch(`${env.api.url}${got.body.file.download_url}`, { headers: ownerH });
    expect(file.status).toBe(200);
    expect((await file.text()).length).toBeGreaterThan(0);

    // The owner's bell and inbox; nobody else's.
    const note = await waitFor('the in-app notification', async () => {
      const list = await call(env, ownerH, 'GET', '/notifications');
      return list.body.data.find((n: { event_type: string }) => n.event_type === 'report.ready');
    });
    expect(note).toMatchObject({ title: 'Scheduled report ready: Weekly stock', link: `/reports/${report.id}` });
    const mail = await waitFor('the email', async () => catcher.messages().find((m) => m.to.includes(owner.email)));
    expect(mail.subject).toBe('Scheduled report ready: Weekly stock');
    expect(mail.text).toContain(`${PUBLIC_URL}/reports/${report.id}`);
    const [notes] = (await env.deps.sequelize.query("SELECT user_id FROM in_app_notifications WHERE event_key = ?", { replacements: [`report.ready:${report.id}`] })) as [Array<{ user_id: string }>, unknown];
    expect(notes.map((n) => n.user_id)).toEqual([owner.id]);
    expect(catcher.messages().filter((m) => m.subject?.includes('Weekly stock')).flatMap((m) => m.to)).toEqual([owner.email]);

    // Deleted: the Schedule is gone, the row too; the report it made stays.
    expect((await call(env, ownerH, 'DELETE', `/report-schedules/${s.id}`)).status).toBe(204);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await call(env, ownerH, 'GET', `/report-schedules/${s.id}`)).status).toBe(404);
    expect((await call(env, ownerH, 'DELETE', `/report-schedules/${s.id}`)).status).toBe(404);
    expect((await call(env, ownerH, 'GET', `/reports/${report.id}`)).status).toBe(200);
  }, 120_000);

  it('another tenant cannot delete a schedule; staff can', async () => {
    const s = (await call(env, ownerH, 'POST', '/report-schedules', { ...weekly, name: 'Daily', cron: '30 6 * * *', timezone: 'America/Denver' })).body;
    expect((await call(env, otherTenantH, 'DELETE', `/report-schedules/${s.id}`)).status).toBe(404);
    expect((await call(env, colleagueH, 'DELETE', `/report-schedules/${s.id}`)).status).toBe(404);
    expect((await env.client.schedule.getHandle(reportScheduleTemporalId(s.id)).describe()).spec.timezone).toBe('America/Denver');
    expect((await call(env, env.admin, 'DELETE', `/report-schedules/${s.id}`)).status).toBe(204);
    await expect(env.client.schedule.getHandle(reportScheduleTemporalId(s.id)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('bad input: 422 naming the field, and nothing scheduled', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...weekly, timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      [{ ...weekly, timezone: 'Europe/Berlin ' }, 'timezone'],
      [{ ...weekly, cron: '0 7 * *' }, 'cron'],
      [{ ...weekly, cron: '0 25 * * MON' }, 'cron'],
      [{ ...weekly, cron: 'every monday' }, 'cron'],
      [{ ...weekly, report: { type: 'gossip' } }, 'report.type'],
      [{ ...weekly, report: { type: 'sales', days: 90 } }, 'report.days'],
    ];
    const before = (await call(env, ownerH, 'GET', '/report-schedules')).body.pagination.total;
    for (const [body, field] of cases) {
      const r = await call(env, ownerH, 'POST', '/report-schedules', body);
      expect(r.status, JSON.stringify([body, r.body])).toBe(422);
      expect(JSON.stringify(r.body), JSON.stringify(body)).toContain(field);
    }
    expect((await call(env, ownerH, 'GET', '/report-schedules')).body.pagination.total).toBe(before);
    expect((await call(env, ownerH, 'GET', `/report-schedules/${randomUUID()}`)).status).toBe(404);
    expect((await call(env, ownerH, 'GET', '/report-schedules/not-a-uuid')).status).toBe(400);
  });
});
