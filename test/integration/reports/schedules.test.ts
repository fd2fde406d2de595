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
    expect(s).toMatchObject({ name: 'Weekly stock', cron: '0 7 * * MON', timezone: 'Europe/Berlin', paused: false, delivery: 'link', user_id: owner.id, entity_id: env.world.wholesaler.id, report: { type: 'inventory_valuation', format: 'csv', days: 7 } });
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

  it('PATCH changes the Temporal Schedule too: time and zone, pause and resume; only its owner or staff reach it', async () => {
    const s = (await call(env, ownerH, 'POST', '/report-schedules', { ...weekly, name: 'Patched' })).body;
    expect(s).toMatchObject({ paused: false, delivery: 'link' });
    const handle = env.client.schedule.getHandle(reportScheduleTemporalId(s.id));

    const moved = await call(env, ownerH, 'PATCH', `/report-schedules/${s.id}`, { cron: '30 18 * * FRI', timezone: 'america/denver' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ id: s.id, cron: '30 18 * * FRI', timezone: 'America/Denver', paused: false, name: 'Patched' });
    let d = await handle.describe();
    expect(d.spec.timezone).toBe('America/Denver');
    expect(d.spec.calendars?.[0]?.dayOfWeek).toEqual([{ start: 'FRIDAY', end: 'FRIDAY', step: 1 }]);
    expect(d.spec.calendars?.[0]?.hour).toEqual([{ start: 18, end: 18, step: 1 }]);
    const denver = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Denver', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d.info.nextActionTimes[0]!);
    expect(denver).toBe('Fri 18:30');
    // What it runs is untouched by a change of time.
    expect(d.action).toMatchObject({ workflowType: 'scheduledReport' });

    const paused = await call(env, ownerH, 'PATCH', `/report-schedules/${s.id}`, { paused: true, delivery: 'attachment' });
    expect(paused.body).toMatchObject({ paused: true, delivery: 'attachment', cron: '30 18 * * FRI' });
    d = await handle.describe();
    expect(d.state.paused).toBe(true);
    expect(d.spec.timezone).toBe('America/Denver');
    expect((await call(env, ownerH, 'GET', `/report-schedules/${s.id}`)).body).toEqual(paused.body);
    expect((await call(env, ownerH, 'PATCH', `/report-schedules/${s.id}`, { paused: false })).body.paused).toBe(false);
    expect((await handle.describe()).state.paused).toBe(false);

    // Bad input: 422 naming the field, the Schedule and the row unchanged.
    for (const [body, field] of [[{ cron: '0 7 * *' }, 'cron'], [{ cron: '61 7 * * *' }, 'cron'], [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'], [{ name: '  ' }, 'name']] as const) {
      const r = await call(env, ownerH, 'PATCH', `/report-schedules/${s.id}`, body);
      expect(r.status, JSON.stringify([body, r.body])).toBe(422);
      expect(JSON.stringify(r.body)).toContain(field);
    }
    expect((await call(env, ownerH, 'PATCH', `/report-schedules/${s.id}`, {})).status).toBe(400);
    expect((await call(env, ownerH, 'PATCH', `/report-schedules/${s.id}`, { report: { type: 'sales' } })).status).toBe(400);
    expect((await handle.describe()).spec.timezone).toBe('America/Denver');
    expect((await call(env, ownerH, 'GET', `/report-schedules/${s.id}`)).body).toMatchObject({ cron: '30 18 * * FRI', timezone: 'America/Denver', name: 'Patched' });

    // Another tenant and a colleague: 404, nothing changed; staff may.
    for (const h of [otherTenantH, colleagueH]) expect((await call(env, h, 'PATCH', `/report-schedules/${s.id}`, { paused: true })).status).toBe(404);
    expect((await handle.describe()).state.paused).toBe(false);
    expect((await call(env, ownerH, 'PATCH', `/report-schedules/${randomUUID()}`, { paused: true })).status).toBe(404);
    expect((await call(env, env.admin, 'PATCH', `/report-schedules/${s.id}`, { paused: true })).body.paused).toBe(true);
    expect((await handle.describe()).state.paused).toBe(true);
    expect((await call(env, ownerH, 'DELETE', `/report-schedules/${s.id}`)).status).toBe(204);
  });

  it('delivery `attachment`: a file under the size limit arrives attached in the owner’s email; above it, the link alone', async () => {
    const s = (await call(env, ownerH, 'POST', '/report-schedules', { ...weekly, name: 'Attached stock', delivery: 'attachment' })).body;
    expect(s.delivery).toBe('attachment');
    await env.client.schedule.getHandle(reportScheduleTemporalId(s.id)).trigger();
    const report = await waitFor('the scheduled report to complete', async () => {
      const [rows] = (await env.deps.sequelize.query('SELECT id, status, bytes, file_name FROM reports WHERE schedule_id = ?', { replacements: [s.id] })) as [Array<{ id: string; status: string; bytes: number; file_name: string }>, unknown];
      return rows[0]?.status === 'succeeded' && rows[0];
    }, 60_000);
    const mail = await waitFor('the email with the file', async () => catcher.messages().find((m) => m.subject === 'Scheduled report ready: Attached stock'));
    expect(mail.to).toEqual([owner.email]);
    expect(mail.attachments).toHaveLength(1);
    const [file] = mail.attachments;
    expect(file).toMatchObject({ filename: report.file_name, contentType: 'text/csv' });
    // The attachment is the very file the download link serves.
    const download = await fetch(`${env.api.url}/api/v1/reports/${report.id}/download`, { headers: ownerH });
    const served = Buffer.from(await download.arrayBuffer());
    expect(served.length).toBe(Number(report.bytes));
    expect(file!.content.equals(served)).toBe(true);
    expect(mail.text).toContain(`The file is attached (${report.file_name})`);
    expect(mail.text).toContain(`${PUBLIC_URL}/reports/${report.id}`);

    // Over the limit (REPORT_ATTACHMENT_MAX_BYTES), or for anyone but the owner: no file, the link alone.
    const { reportAttachment } = await import('../../../activities/reportAttachment.js');
    const limited = (max: number) => ({ ...env.deps, config: { ...env.deps.config, reports: { ...env.deps.config.reports, attachmentMaxBytes: max } } });
    expect(await reportAttachment(limited(Number(report.bytes) - 1) as never, report.id, owner.id)).toBeNull();
    expect((await reportAttachment(limited(Number(report.bytes)) as never, report.id, owner.id))?.content.length).toBe(Number(report.bytes));
    expect(await reportAttachment(limited(Number(report.bytes)) as never, report.id, randomUUID())).toBeNull();
    // A schedule left at `link` never attaches, whatever the size.
    expect((await call(env, ownerH, 'PATCH', `/report-schedules/${s.id}`, { delivery: 'link' })).body.delivery).toBe('link');
    expect(await reportAttachment(env.deps as never, report.id, owner.id)).toBeNull();
    expect((await call(env, ownerH, 'DELETE', `/report-schedules/${s.id}`)).status).toBe(204);
  }, 120_000);

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
