import { randomUUID } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleOptions } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { Op, type Transaction, type WhereOptions } from 'sequelize';
import { isDuplicate } from '../../db/tx.js';
import { detachConnectionStock } from '../../db/repositories/posSync.js';
import { tenantOf, type Actor, type Origin } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { posBaseUrlProblem } from '../../domain/pos/baseUrl.js';
import { CREDENTIALS_PURPOSE, vendorCredentials, type PosVendorName } from '../../domain/pos/credentials.js';
import { connectionHealth } from '../../domain/pos/health.js';
import { DEFAULT_INTERVAL_SECONDS, POS_SYNC_EXECUTION_TIMEOUT, POS_SYNC_WORKFLOW, scheduleIdFor } from '../../domain/pos/schedule.js';
import { models, type Row } from '../../db/models.js';
import { createConnector, isPosError, type PosConnector } from '../../integrations/pos/index.js';
import { decryptSecret, encryptSecret, keyringOf } from '../../platform/crypto.js';
import { temporalSettings } from '../../temporal.config.js';
import type { ApiDeps } from '../deps.js';
import { audit, changesOf } from './audit.js';
import type { ListParams, Page } from './crud.js';
import { orderBy } from './crud.js';
import { runsToApi } from './syncRuns.js';
import { ownedBy, requireInScope, withinScope } from './tenancy.js';

const POS_CONNECTION_ID = defineSearchAttributeKey('PosConnectionId', SearchAttributeType.KEYWORD);
const TEST_TIMEOUT_MS = 10_000;

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v ?? null);

export interface PosConnectionInput {
  entity_id: string;
  location_id: string;
  vendor: PosVendorName;
  name?: string | null;
  credentials: Record<string, unknown>;
  base_url?: string | null;
  interval_seconds?: number;
  paused?: boolean;
  report_sales?: boolean;
}

export function createPosConnectionService(deps: ApiDeps) {
  const m = () => models(deps.sequelize);
  const settings = () => temporalSettings(deps.config);

  const scope = ownedBy('entity_id');

  async function find(actor: Actor, id: string): Promise<Row> {
    const row = await m().PosConnection.findOne({ where: withinScope(scope(actor), { id }), raw: true });
    if (!row) throw notFound('POS connection', id);
    return row as unknown as Row;
  }

  async function temporal(): Promise<Client> {
    try {
      return await deps.temporal.get();
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', 'The workflow engine is not reachable; try again shortly');
    }
  }

  function scheduleOptions(row: Row): ScheduleOptions {
    const s = settings();
    const id = String(row.id);
    return {
      scheduleId: scheduleIdFor(id),
      spec: { intervals: [{ every: `${Number(row.interval_seconds)}s` }] },
      action: {
        type: 'startWorkflow',
        workflowType: POS_SYNC_WORKFLOW,
        workflowId: scheduleIdFor(id),
        taskQueue: s.taskQueues.sync,
        args: [{ connectionId: id, retry: s.defaultActivityRetry }],
        typedSearchAttributes: [{ key: POS_CONNECTION_ID, value: id }],
        workflowExecutionTimeout: POS_SYNC_EXECUTION_TIMEOUT,
      },
      policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
      state: { paused: Boolean(row.paused), note: row.paused ? 'paused by operator' : 'active' },
    };
  }

  /** Creates the connection's Schedule, or brings an existing one in line with the row. */
  async function ensureSchedule(row: Row): Promise<void> {
    const client = await temporal();
    const opts = scheduleOptions(row);
    try {
      await client.schedule.create(opts);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      const handle = client.schedule.getHandle(opts.scheduleId);
      await handle.update((prev) => ({ ...prev, spec: opts.spec, action: opts.action, policies: opts.policies ?? prev.policies }));
      if (row.paused) await handle.pause('paused by operator');
      else await handle.unpause('active');
    }
  }

  async function scheduleInfo(id: string): Promise<{ next_run_at: string | null; schedule: 'active' | 'paused' | 'missing' | 'unknown' }> {
    try {
      const client = await deps.temporal.get();
      const d = await client.schedule.getHandle(scheduleIdFor(id)).describe();
      const next = d.info.nextActionTimes[0];
      return { next_run_at: !d.state.paused && next ? next.toISOString() : null, schedule: d.state.paused ? 'paused' : 'active' };
    } catch (err) {
      return { next_run_at: null, schedule: err instanceof ScheduleNotFoundError ? 'missing' : 'unknown' };
    }
  }

  async function toApi(row: Row): Promise<Row> {
    const [info, lastRun] = await Promise.all([
      scheduleInfo(String(row.id)),
      row.last_run_id
        ? m()
            .SyncRun.findByPk(String(row.last_run_id), { raw: true })
            .then(async (r) => (r ? (await runsToApi(deps, [r as unknown as Row]))[0]! : null))
        : Promise.resolve(null),
    ]);
    return {
      id: row.id,
      entity_id: row.entity_id,
      location_id: row.location_id,
      vendor: row.vendor,
      name: row.name ?? null,
      base_url: row.base_url ?? null,
      interval_seconds: Number(row.interval_seconds),
      paused: Boolean(row.paused),
      report_sales: Boolean(row.report_sales),
      health: connectionHealth({
        paused: Boolean(row.paused),
        auth_failed_at: (row.auth_failed_at as Date | null) ?? null,
        last_run_status: (row.last_run_status as string | null) ?? null,
      }),
      auth_failed_at: iso(row.auth_failed_at),
      auth_error: row.auth_error ?? null,
      cursor: row.sync_cursor ? JSON.parse(String(row.sync_cursor)) : null,
      last_run_at: iso(row.last_run_at),
      last_success_at: iso(row.last_success_at),
      last_run: lastRun,
      next_run_at: info.next_run_at,
      schedule_state: info.schedule,
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    };
  }

  function checkBaseUrl(actor: Actor, baseUrl: unknown): void {
    // The connector sends credentials to this URL; letting tenants aim it at internal hosts
    // would turn "test connection" into a network probe.
    if (baseUrl !== undefined && baseUrl !== null && tenantOf(actor)) {
      throw new AppError('FORBIDDEN', 'Only platform staff may set base_url', { field: 'base_url' });
    }
    // Staff too: an operator account is not a licence to reach internal hosts.
    if (typeof baseUrl === 'string') {
      const problem = posBaseUrlProblem(baseUrl, deps.config.security.posAllowedHosts, deps.config.nodeEnv === 'production');
      if (problem) throw new AppError('UNPROCESSABLE_ENTITY', `base_url ${problem}`, { field: 'base_url', issue: problem });
    }
  }

  function connectorOf(row: Row): PosConnector {
    const credentials = JSON.parse(decryptSecret(keyringOf(deps.config), CREDENTIALS_PURPOSE, String(row.credentials_enc)));
    const baseUrl = row.base_url ? String(row.base_url) : undefined;
    return row.vendor === 'dutchie'
      ? createConnector({ vendor: 'dutchie', credentials, timeoutMs: TEST_TIMEOUT_MS, brands: 'none', ...(baseUrl ? { baseUrl } : {}) })
      : createConnector({ vendor: 'blaze', credentials, timeoutMs: TEST_TIMEOUT_MS, ...(baseUrl ? { baseUrl } : {}) });
  }

  /** Operator actions on a connection, attributed to the connection's tenant. Credentials never enter a summary. */
  const trail = (actor: Actor, origin: Origin, verb: string, row: Row, summary: Record<string, unknown> = {}, transaction?: Transaction) =>
    audit(
      deps.sequelize,
      actor,
      { action: `pos_connection.${verb}`, targetType: 'pos_connection', targetId: String(row.id), entityId: String(row.entity_id), summary: { vendor: row.vendor, location_id: row.location_id, ...summary } },
      { ...origin, ...(transaction ? { transaction } : {}) },
    );

  return {
    async list(actor: Actor, params: ListParams): Promise<Page<Row>> {
      const filters: Record<string | symbol, unknown> = {};
      for (const f of ['entity_id', 'location_id', 'vendor', 'paused'] as const) if (params[f] !== undefined) filters[f] = params[f];
      if (params.health === 'auth_failed') filters.auth_failed_at = { [Op.ne]: null };
      const { rows, count } = await m().PosConnection.findAndCountAll({
        where: withinScope(scope(actor), filters as WhereOptions),
        order: orderBy(params.sort ?? '-created_at'),
        limit: params.limit,
        offset: (params.page - 1) * params.limit,
        raw: true,
      });
      return {
        data: await Promise.all((rows as unknown as Row[]).map(toApi)),
        pagination: { page: params.page, limit: params.limit, total: count, total_pages: Math.ceil(count / params.limit) },
      };
    },

    async get(actor: Actor, id: string): Promise<Row> {
      return toApi(await find(actor, id));
    },

    async create(actor: Actor, input: PosConnectionInput, origin: Origin = {}): Promise<Row> {
      // Both references through the caller's scope: its own entity, and a location of that entity.
      await requireInScope({ model: 'Entity', id: input.entity_id, field: 'entity_id', scope: ownedBy('id')(actor) }, { models: m() });
      await requireInScope({ model: 'Location', id: input.location_id, field: 'location_id', scope: withinScope(scope(actor), { entity_id: input.entity_id }) }, { models: m() });
      checkBaseUrl(actor, input.base_url);
      const credentials = vendorCredentials(input.vendor, input.credentials);
      const id = randomUUID();
      const values = {
        id,
        entity_id: input.entity_id,
        location_id: input.location_id,
        vendor: input.vendor,
        name: input.name ?? null,
        credentials_enc: encryptSecret(deps.config.appSecret, CREDENTIALS_PURPOSE, JSON.stringify(credentials)),
        base_url: input.base_url ?? null,
        interval_seconds: input.interval_seconds ?? DEFAULT_INTERVAL_SECONDS,
        paused: input.paused ?? false,
        report_sales: input.report_sales ?? false,
      };
      try {
        await m().PosConnection.create(values);
      } catch (err) {
        if (isDuplicate(err)) {
          throw new AppError('CONFLICT', `This location already has a ${input.vendor} connection`, { field: 'location_id' });
        }
        throw err;
      }
      try {
        await ensureSchedule(values);
      } catch (err) {
        await m().PosConnection.destroy({ where: { id } });
        if (err instanceof AppError) throw err;
        throw new AppError('SERVICE_UNAVAILABLE', 'Could not create the sync schedule; nothing was saved');
      }
      // Only once the schedule exists: a create that is taken back out did not happen.
      await trail(actor, origin, 'created', values, { name: values.name, interval_seconds: values.interval_seconds, paused: values.paused, report_sales: values.report_sales, base_url: values.base_url });
      return this.get(actor, id);
    },

    async update(actor: Actor, id: string, patch: Partial<PosConnectionInput>, origin: Origin = {}): Promise<Row> {
      const row = await find(actor, id);
      checkBaseUrl(actor, patch.base_url);
      const values: Row = {};
      for (const k of ['name', 'base_url', 'interval_seconds', 'report_sales'] as const) if (patch[k] !== undefined) values[k] = patch[k];
      if (patch.credentials !== undefined) {
        const creds = vendorCredentials(row.vendor as PosVendorName, patch.credentials);
        values.credentials_enc = encryptSecret(deps.config.appSecret, CREDENTIALS_PURPOSE, JSON.stringify(creds));
        // New keys deserve a fresh chance; the next run or test sets the flag again if they fail.
        values.auth_failed_at = null;
        values.auth_error = null;
      }
      const { credentials_enc: _enc, ...visible } = values;
      await deps.sequelize.transaction(async (transaction) => {
        await m().PosConnection.update(values, { where: { id }, transaction });
        await trail(actor, origin, 'updated', row, { changes: changesOf(row, visible), keys_rotated: patch.credentials !== undefined }, transaction);
      });
      if (values.interval_seconds !== undefined) await ensureSchedule({ ...row, ...values });
      return this.get(actor, id);
    },

    async remove(actor: Actor, id: string, origin: Origin = {}): Promise<void> {
      const row = await find(actor, id);
      const client = await temporal();
      try {
        await client.schedule.getHandle(scheduleIdFor(id)).delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      await deps.sequelize.transaction(async (transaction) => {
        await detachConnectionStock(deps.sequelize, id, transaction);
        await m().PosConnection.destroy({ where: { id }, transaction });
        await trail(actor, origin, 'deleted', row, { name: row.name ?? null }, transaction);
      });
    },

    async setPaused(actor: Actor, id: string, paused: boolean, origin: Origin = {}): Promise<Row> {
      const row = await find(actor, id);
      const client = await temporal();
      const handle = client.schedule.getHandle(scheduleIdFor(id));
      try {
        if (paused) await handle.pause('paused by operator');
        else await handle.unpause('resumed by operator');
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        await ensureSchedule({ ...row, paused });
      }
      await deps.sequelize.transaction(async (transaction) => {
        await m().PosConnection.update({ paused }, { where: { id }, transaction });
        await trail(actor, origin, paused ? 'paused' : 'resumed', row, { was_paused: Boolean(row.paused) }, transaction);
      });
      return this.get(actor, id);
    },

    /** Starts a run now through the Schedule, so the skip-overlap rule covers it too. */
    async runNow(actor: Actor, id: string, origin: Origin = {}): Promise<Row> {
      const row = await find(actor, id);
      if (row.paused) throw new AppError('CONFLICT', 'The connection is paused; resume it first', { paused: true });
      const client = await temporal();
      const handle = client.schedule.getHandle(scheduleIdFor(id));
      try {
        await handle.trigger('SKIP');
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        await ensureSchedule(row);
        await handle.trigger('SKIP');
      }
      const requestedAt = new Date().toISOString();
      await trail(actor, origin, 'run_requested', row, { requested_at: requestedAt });
      return { connection_id: id, requested_at: requestedAt };
    },

    /** Calls the vendor's identity endpoint with the stored keys and reports what came back. */
    async test(actor: Actor, id: string, origin: Origin = {}): Promise<Row> {
      const row = await find(actor, id);
      const checkedAt = new Date();
      try {
        const who = await connectorOf(row).whoami();
        await m().PosConnection.update({ auth_failed_at: null, auth_error: null }, { where: { id } });
        await trail(actor, origin, 'tested', row, { ok: true });
        return {
          ok: true,
          checked_at: checkedAt.toISOString(),
          identity: {
            vendor: who.vendor,
            location_id: who.locationId ?? null,
            location_name: who.locationName ?? null,
            license_number: who.licenseNumber ?? null,
            state: who.state ?? null,
          },
          error: null,
        };
      } catch (err) {
        if (!isPosError(err)) throw err;
        if (err.type === 'PosAuthError') {
          await m().PosConnection.update({ auth_failed_at: checkedAt, auth_error: err.message.slice(0, 500) }, { where: { id } });
        }
        await trail(actor, origin, 'tested', row, { ok: false, error_type: err.type });
        return {
          ok: false,
          checked_at: checkedAt.toISOString(),
          identity: null,
          error: { type: err.type, message: err.message, retryable: err.retryable },
        };
      }
    },
  };
}

export type PosConnectionService = ReturnType<typeof createPosConnectionService>;
