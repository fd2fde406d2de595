/**
 * METRC submissions for compliance staff: list (failed first), inspect every attempt with
 * METRC's own messages, create manual submissions, retry (optionally with a corrected payload,
 * validated against the kind's schema), bulk retry and discard. State changes are claimed in
 * SQL first (so two people cannot both retry) and then handed to the submission's workflow by
 * signal; every action lands in the audit trail.
 */
import type { Client } from '@temporalio/client';
import type { Transaction } from 'sequelize';
import { isDuplicate } from '../../db/tx.js';
import { isPlatform, type Actor, type Origin } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import {
  isReceiptChange,
  isSubmissionKind,
  naturalKey,
  SUBMISSION_KINDS,
  validatePayload,
  type SubmissionKind,
} from '../../domain/metrc/kinds.js';
import { resolveDeadLettersFor } from '../../db/repositories/deadLetters.js';
import {
  claimForRetry,
  dropUnsentSubmission,
  failedAmong,
  getSubmission,
  insertSubmission,
  listAttempts,
  markDiscarded,
  revertRetryClaim,
  submissionIdsWhere,
  submissionsPage,
  workflowIdFor,
  type SubmissionRow,
} from '../../db/repositories/metrcSubmissions.js';
import { temporalSettings } from '../../temporal.config.js';
import {
  WORKFLOW_TYPES,
  discardSignal,
  metrcSearchAttributes,
  retrySignal,
  type MetrcRetrySignal,
  type MetrcSubmissionInput,
  type MetrcSubmissionWorkflow,
} from '../../contracts/index.js';
import type { ApiDeps } from '../deps.js';
import { audit } from './audit.js';
import { sqlFilters } from './sqlFilters.js';
import { sqlStaffOnly } from './tenancy.js';

const DEAD_LETTER_KIND = 'metrc_submission';
const BULK_LIMIT = 1000;

export interface SubmissionFilters {
  status?: string;
  kind?: string;
  license_number?: string;
  order_id?: string;
  from?: string;
  to?: string;
}

export function requireStaff(actor: Actor): Actor {
  if (!isPlatform(actor)) throw new AppError('FORBIDDEN', 'METRC compliance is handled by platform staff only');
  return actor;
}

/** WHERE clause and replacements for the list and bulk filters. */
function filterSql(actor: Actor, f: SubmissionFilters): { where: string; replacements: unknown[] } {
  return sqlFilters(
    { status: f.status, kind: f.kind, license_number: f.license_number, order_id: f.order_id },
    { from: f.from, to: f.to },
    sqlStaffOnly(actor),
  );
}

export function createComplianceService(deps: ApiDeps) {
  const { sequelize } = deps;
  const settings = temporalSettings(deps.config);

  const client = (): Promise<Client> =>
    deps.temporal.get().catch(() => {
      throw new AppError('SERVICE_UNAVAILABLE', 'Temporal is not reachable', {});
    });

  // Receipt changes wait for their receipt (and earlier changes to it) before each round.
  const workflowInput = (id: string, kind: SubmissionKind): MetrcSubmissionInput => ({
    submissionId: id,
    retry: settings.defaultActivityRetry,
    ...(isReceiptChange(kind) ? { awaitReceipt: {} } : {}),
  });

  const searchAttributesOf = (s: SubmissionRow) =>
    metrcSearchAttributes({ submissionId: s.id, kind: s.kind, license: s.license_number });

  async function load(id: string, transaction?: Transaction): Promise<SubmissionRow> {
    const s = await getSubmission(sequelize, id, transaction, Boolean(transaction));
    if (!s) throw notFound('METRC submission', id);
    return s;
  }

  function checkPayload(kind: SubmissionKind, payload: unknown): Record<string, unknown> {
    const issues = validatePayload(kind, payload);
    if (issues.length) {
      throw new AppError('VALIDATION_ERROR', `payload is not a valid ${kind}`, { field: issues[0]!.field, issue: issues[0]!.issue, issues });
    }
    return payload as Record<string, unknown>;
  }

  /** Hands the claimed retry to the workflow, starting a fresh run if the old one is gone. */
  async function signalRetry(s: SubmissionRow, actor: Actor) {
    const c = await client();
    await c.workflow.signalWithStart<MetrcSubmissionWorkflow, [MetrcRetrySignal]>(WORKFLOW_TYPES.metrcSubmission, {
      workflowId: s.workflow_id ?? workflowIdFor(s.id),
      taskQueue: settings.taskQueues.compliance,
      args: [workflowInput(s.id, s.kind)],
      // Only used when a fresh run starts; a running one keeps the attributes it started with.
      typedSearchAttributes: searchAttributesOf(s),
      signal: retrySignal,
      signalArgs: [{ by: actor.id }],
    });
  }

  /** Claims failed → pending (optionally with a corrected payload) inside `transaction`. */
  async function claim(actor: Actor, s: SubmissionRow, payload: unknown, transaction: Transaction, origin: Origin) {
    if (s.status !== 'failed') {
      throw new AppError('INVALID_TRANSITION', `Only failed submissions can be retried; this one is ${s.status}`, { status: s.status });
    }
    let corrected: Record<string, unknown> | undefined;
    let key: string | undefined;
    if (payload !== undefined) {
      corrected = checkPayload(s.kind, payload);
      key = naturalKey(s.kind, corrected, s.id);
      if (key !== s.natural_key && s.possibly_landed) {
        throw new AppError('VALIDATION_ERROR', 'The natural key cannot change while an earlier send may have reached METRC', {
          field: 'payload',
          issue: `natural key ${s.natural_key} must stay`,
        });
      }
    }
    try {
      await claimForRetry(sequelize, s.id, corrected, key, transaction);
    } catch (e) {
      if (isDuplicate(e)) {
        throw new AppError('CONFLICT', 'Another submission already has this natural key', { field: 'payload', natural_key: key });
      }
      throw e;
    }
    await resolveDeadLettersFor(sequelize, DEAD_LETTER_KIND, s.id, 'retried', actor.id, null, transaction);
    await audit(
      sequelize,
      actor,
      {
        action: 'metrc_submission.retried',
        targetType: 'metrc_submission',
        targetId: s.id,
        entityId: null,
        summary: { kind: s.kind, license_number: s.license_number, corrected_payload: corrected !== undefined, round: s.round + 1 },
      },
      { transaction, ...origin },
    );
  }

  async function revertClaim(id: string) {
    await revertRetryClaim(sequelize, id);
  }

  async function retry(actor: Actor, id: string, payload?: unknown, origin: Origin = {}) {
    requireStaff(actor);
    const s = await sequelize.transaction(async (transaction) => {
      const row = await load(id, transaction);
      await claim(actor, row, payload, transaction, origin);
      return row;
    });
    try {
      await signalRetry(s, actor);
    } catch (e) {
      await revertClaim(id);
      throw e instanceof AppError ? e : new AppError('SERVICE_UNAVAILABLE', 'Could not reach the submission workflow', {});
    }
    return (await getSubmission(sequelize, id))!;
  }

  return {
    retry,

    async list(actor: Actor, f: SubmissionFilters, page: number, limit: number) {
      requireStaff(actor);
      const { rows, total } = await submissionsPage(sequelize, filterSql(actor, f), limit, (page - 1) * limit);
      return {
        data: rows,
        pagination: { page, limit, total, total_pages: Math.ceil(total / limit) },
      };
    },

    async get(actor: Actor, id: string) {
      requireStaff(actor);
      const s = await load(id);
      return { submission: s, attempts: await listAttempts(sequelize, id) };
    },

    /** A manual submission (e.g. a package adjustment): validated, stored, workflow started. */
    async create(
      actor: Actor,
      body: { kind: string; license_number: string; payload: unknown; order_id?: string | null; pos_sale_id?: string | null },
      origin: Origin = {},
    ) {
      requireStaff(actor);
      if (!isSubmissionKind(body.kind)) {
        throw new AppError('VALIDATION_ERROR', `kind must be one of ${SUBMISSION_KINDS.join(', ')}`, { field: 'kind', issue: 'unknown kind' });
      }
      const payload = checkPayload(body.kind, body.payload);
      const inserted = await sequelize.transaction(async (transaction) => {
        const r = await insertSubmission(
          sequelize,
          { kind: body.kind as SubmissionKind, licenseNumber: body.license_number, payload, orderId: body.order_id ?? null, posSaleId: body.pos_sale_id ?? null, createdBy: actor.id },
          transaction,
        );
        if (!r.created) {
          throw new AppError('CONFLICT', 'A submission with the same natural key already exists for this license', { existing_id: r.existingId });
        }
        await audit(
          sequelize,
          actor,
          { action: 'metrc_submission.created', targetType: 'metrc_submission', targetId: r.row.id, entityId: null, summary: { kind: body.kind, license_number: body.license_number, natural_key: r.row.natural_key } },
          { transaction, ...origin },
        );
        return r.row;
      });
      try {
        const c = await client();
        await c.workflow.start<MetrcSubmissionWorkflow>(WORKFLOW_TYPES.metrcSubmission, {
          workflowId: inserted.workflow_id ?? workflowIdFor(inserted.id),
          taskQueue: settings.taskQueues.compliance,
          args: [workflowInput(inserted.id, inserted.kind)],
          typedSearchAttributes: searchAttributesOf(inserted),
        });
      } catch (e) {
        // Nothing was sent yet: drop the row so the same record can be submitted again.
        await dropUnsentSubmission(sequelize, inserted.id);
        if (e instanceof AppError) throw e;
        throw new AppError('SERVICE_UNAVAILABLE', 'Could not start the submission workflow', {});
      }
      return inserted;
    },

    /** By ids or by filter (failed ones only); dry_run answers the count without acting. */
    async bulkRetry(actor: Actor, body: { ids?: string[]; filter?: SubmissionFilters; dry_run?: boolean }, origin: Origin = {}) {
      requireStaff(actor);
      if (!body.ids && !body.filter) throw new AppError('VALIDATION_ERROR', 'Give ids or a filter', { field: 'ids', issue: 'ids or filter is required' });
      let ids: string[];
      if (body.ids) {
        ids = await failedAmong(sequelize, body.ids);
      } else {
        ids = await submissionIdsWhere(sequelize, filterSql(actor, { ...body.filter, status: 'failed' }), BULK_LIMIT + 1);
        if (ids.length > BULK_LIMIT) {
          throw new AppError('VALIDATION_ERROR', `The filter matches more than ${BULK_LIMIT} failed submissions; narrow it`, { field: 'filter', issue: 'too many' });
        }
      }
      if (body.dry_run) return { dry_run: true, matched: ids.length, retried: 0, ids: [] as string[], skipped: [] as { id: string; reason: string }[] };
      const retried: string[] = [];
      const skipped: { id: string; reason: string }[] = [];
      for (const id of ids) {
        try {
          await retry(actor, id, undefined, origin);
          retried.push(id);
        } catch (e) {
          skipped.push({ id, reason: e instanceof Error ? e.message : String(e) });
        }
      }
      await audit(sequelize, actor, {
        action: 'metrc_submission.bulk_retried',
        targetType: 'metrc_submission',
        entityId: null,
        summary: { matched: ids.length, retried: retried.length, skipped: skipped.length, by: body.ids ? 'ids' : 'filter' },
      }, origin);
      return { dry_run: false, matched: ids.length, retried: retried.length, ids: retried, skipped };
    },

    async discard(actor: Actor, id: string, reason: string, origin: Origin = {}) {
      requireStaff(actor);
      const s = await sequelize.transaction(async (transaction) => {
        const row = await load(id, transaction);
        // A parked submission waits for a working key, possibly for good: staff may give up on it.
        if (row.status !== 'failed' && row.status !== 'parked') {
          throw new AppError('INVALID_TRANSITION', `Only failed or parked submissions can be discarded; this one is ${row.status}`, { status: row.status });
        }
        await markDiscarded(sequelize, id, reason, transaction);
        await resolveDeadLettersFor(sequelize, DEAD_LETTER_KIND, id, 'discarded', actor.id, reason, transaction);
        await audit(
          sequelize,
          actor,
          { action: 'metrc_submission.discarded', targetType: 'metrc_submission', targetId: id, entityId: null, summary: { reason, kind: row.kind, license_number: row.license_number } },
          { transaction, ...origin },
        );
        return row;
      });
      try {
        const c = await client();
        await c.workflow.getHandle(s.workflow_id ?? workflowIdFor(id)).signal(discardSignal, { reason, by: actor.id });
      } catch {
        // The row is discarded either way; a workflow that is gone has nothing left to stop.
      }
      return (await getSubmission(sequelize, id))!;
    },
  };
}

export type ComplianceService = ReturnType<typeof createComplianceService>;
