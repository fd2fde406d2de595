/**
 * Scheduled reports (issue 17): a user's recurring report, kept as a `report_schedules` row and a
 * Temporal Schedule (`report-schedule:<id>`, cron in the owner's time zone) whose runs each start
 * a new report and tell the owner when it is ready. A user reads and deletes only its own
 * schedules; platform staff all of them.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { reportScheduleTemporalId, SCHEDULED_REPORT_WORKFLOW_TYPE, type ScheduledReportInput } from '../../contracts/index.js';
import { deleteReportSchedule, findReportSchedule, insertReportSchedule, listReportSchedules, updateReportSchedule, type ReportScheduleRow } from '../../db/repositories/reportSchedules.js';
import { isPlatform, tenantOf, type Actor } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { validateScheduleChange, validateScheduleRequest, type ReportScheduleChangeRequest, type ReportScheduleRequest } from '../../domain/reports/schedule.js';
import { temporalSettings } from '../../temporal.config.js';
import type { ApiDeps } from '../deps.js';

/** Temporal refused the spec (a cron it cannot read that our check let through): the caller's input. */
const isInvalidArgument = (err: unknown): boolean => (err as { code?: number })?.code === 3 || /invalid ?argument/i.test(String((err as Error)?.message ?? ''));

export function createReportScheduleService(deps: ApiDeps) {
  const db = deps.sequelize;
  const settings = temporalSettings(deps.config);
  /** Whose schedules the caller reaches: its own, or everyone's for staff. */
  const owner = (actor: Actor): string | null => (isPlatform(actor) ? null : actor.id);

  async function find(actor: Actor, id: string): Promise<ReportScheduleRow> {
    const row = await findReportSchedule(db, id, owner(actor));
    if (!row) throw notFound('Report schedule', id);
    return row;
  }

  async function temporal(): Promise<Client> {
    try {
      return await deps.temporal.get();
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', 'Report schedules cannot be changed right now; try again shortly');
    }
  }

  return {
    async create(actor: Actor, body: ReportScheduleRequest) {
      if (actor.kind !== 'user') throw new AppError('FORBIDDEN', 'Only a signed-in user can own a report schedule');
      const checked = validateScheduleRequest(body, { maxRangeDays: deps.config.reports.maxRangeDays });
      if ('problem' in checked) throw new AppError('UNPROCESSABLE_ENTITY', `${checked.problem.field}: ${checked.problem.issue}`, { ...checked.problem });
      const s = checked.schedule;
      const id = randomUUID();
      await insertReportSchedule(db, { id, user_id: actor.id, entity_id: tenantOf(actor) ?? null, name: s.name, request: JSON.stringify(s.report), cron: s.cron, timezone: s.timezone, delivery: s.delivery });
      try {
        const client = await temporal();
        await client.schedule.create({
          scheduleId: reportScheduleTemporalId(id),
          spec: { cronExpressions: [s.cron], timezone: s.timezone },
          action: {
            type: 'startWorkflow',
            workflowType: SCHEDULED_REPORT_WORKFLOW_TYPE,
            workflowId: reportScheduleTemporalId(id),
            taskQueue: settings.taskQueues.reports,
            args: [{ scheduleId: id } satisfies ScheduledReportInput],
            workflowExecutionTimeout: '1 hour',
          },
          // A run missed while Temporal was down is made up within a day; never two at once.
          policies: { overlap: 'SKIP', catchupWindow: '1 day' },
        });
      } catch (err) {
        // No row without its Schedule: the caller sees the failure and may try again.
        await deleteReportSchedule(db, id);
        if (err instanceof AppError) throw err;
        if (isInvalidArgument(err)) throw new AppError('UNPROCESSABLE_ENTITY', 'cron: not accepted by the scheduler', { field: 'cron', issue: 'not accepted by the scheduler' });
        throw new AppError('SERVICE_UNAVAILABLE', 'Report schedules cannot be changed right now; try again shortly');
      }
      return (await findReportSchedule(db, id, null))!;
    },

    async get(actor: Actor, id: string) {
      return find(actor, id);
    },

    async list(actor: Actor, q: { page: number; limit: number }) {
      const { rows, total } = await listReportSchedules(db, owner(actor), { limit: q.limit, offset: (q.page - 1) * q.limit });
      return { data: rows, pagination: { page: q.page, limit: q.limit, total, total_pages: Math.ceil(total / q.limit) } };
    },

    /**
     * Another time, zone or name; paused or running again; link or attachment. The Temporal
     * Schedule first: if it refuses, nothing changed; if the row's update then fails, the same
     * PATCH again makes both agree.
     */
    async update(actor: Actor, id: string, body: ReportScheduleChangeRequest) {
      const row = await find(actor, id);
      const checked = validateScheduleChange(body);
      if ('problem' in checked) throw new AppError('UNPROCESSABLE_ENTITY', `${checked.problem.field}: ${checked.problem.issue}`, { ...checked.problem });
      const c = checked.change;
      const cron = c.cron ?? row.cron;
      const timezone = c.timezone ?? row.timezone;
      const respec = cron !== row.cron || timezone !== row.timezone;
      const repause = c.paused !== undefined && c.paused !== Boolean(Number(row.paused));
      if (respec || repause) {
        const client = await temporal();
        try {
          await client.schedule.getHandle(reportScheduleTemporalId(row.id)).update((prev) => ({
            ...prev,
            ...(respec ? { spec: { cronExpressions: [cron], timezone } } : {}),
            state: { ...prev.state, ...(repause ? { paused: c.paused!, note: c.paused ? `paused by ${actor.kind}:${actor.id}` : `resumed by ${actor.kind}:${actor.id}` } : {}) },
          }));
        } catch (err) {
          if (err instanceof ScheduleNotFoundError) throw notFound('Report schedule', id);
          if (isInvalidArgument(err)) throw new AppError('UNPROCESSABLE_ENTITY', 'cron: not accepted by the scheduler', { field: 'cron', issue: 'not accepted by the scheduler' });
          throw new AppError('SERVICE_UNAVAILABLE', 'Report schedules cannot be changed right now; try again shortly');
        }
      }
      await updateReportSchedule(db, row.id, c);
      return (await findReportSchedule(db, row.id, null))!;
    },

    /** The Schedule first: a row left behind by a failure here can be deleted again; a Schedule without its row would run for nobody. */
    async remove(actor: Actor, id: string): Promise<void> {
      const row = await find(actor, id);
      const client = await temporal();
      try {
        await client.schedule.getHandle(reportScheduleTemporalId(row.id)).delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      await deleteReportSchedule(db, row.id);
    },
  };
}

export type ReportScheduleService = ReturnType<typeof createReportScheduleService>;
