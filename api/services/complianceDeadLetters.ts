/**
 * Dead letters across every queue. Retry and discard are delegated by kind: METRC submissions
 * go through the submission service (payload validation, claim, signal); a manifest timeout
 * restarts the transfer watch; anything else gets the generic contract: signal `retry`
 * ({ payload }) or `discard` ({ reason }) to the workflow that wrote the letter.
 */
import type { Client } from '@temporalio/client';
import type { Actor, Origin } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { closeDeadLetter, deadLettersPage, getDeadLetter, type DeadLetterRow } from '../../db/repositories/deadLetters.js';
import { temporalSettings } from '../../temporal.config.js';
import {
  WORKFLOW_TYPES,
  deadLetterDiscardSignal,
  deadLetterRetrySignal,
  metrcSearchAttributes,
  type MetrcTransferWorkflow,
} from '../../contracts/index.js';
import type { ApiDeps } from '../deps.js';
import { audit } from './audit.js';
import { requireStaff, type ComplianceService } from './compliance.js';
import { sqlFilters } from './sqlFilters.js';
import { sqlStaffOnly } from './tenancy.js';

export interface DeadLetterFilters {
  status?: string;
  queue?: string;
  kind?: string;
  from?: string;
  to?: string;
}

export function createDeadLetterService(deps: ApiDeps, submissions: ComplianceService) {
  const { sequelize } = deps;
  const settings = temporalSettings(deps.config);
  const client = (): Promise<Client> =>
    deps.temporal.get().catch(() => {
      throw new AppError('SERVICE_UNAVAILABLE', 'Temporal is not reachable', {});
    });

  async function loadOpen(id: string): Promise<DeadLetterRow> {
    const d = await getDeadLetter(sequelize, id);
    if (!d) throw notFound('Dead letter', id);
    if (d.status !== 'open') throw new AppError('INVALID_TRANSITION', `This dead letter is already ${d.status}`, { status: d.status });
    return d;
  }

  /** open → status, unless someone resolved it first. */
  async function close(id: string, status: 'retried' | 'discarded', actor: Actor, note: string | null) {
    return closeDeadLetter(sequelize, id, status, actor.id, note);
  }

  async function fresh(id: string) {
    return (await getDeadLetter(sequelize, id))!;
  }

  return {
    async list(actor: Actor, f: DeadLetterFilters, page: number, limit: number) {
      requireStaff(actor);
      const filter = sqlFilters({ status: f.status, queue: f.queue, kind: f.kind }, { from: f.from, to: f.to }, sqlStaffOnly(actor));
      const { rows, total } = await deadLettersPage(sequelize, filter, limit, (page - 1) * limit);
      return {
        data: rows,
        pagination: { page, limit, total, total_pages: Math.ceil(total / limit) },
      };
    },

    async get(actor: Actor, id: string) {
      requireStaff(actor);
      const d = await getDeadLetter(sequelize, id);
      if (!d) throw notFound('Dead letter', id);
      return d;
    },

    async retry(actor: Actor, id: string, payload?: unknown, origin: Origin = {}) {
      requireStaff(actor);
      const d = await loadOpen(id);
      if (d.kind === 'metrc_submission' && d.subject_id) {
        await submissions.retry(actor, d.subject_id, payload, origin); // audits and closes the letter itself
        return fresh(id);
      }
      const c = await client();
      if (d.kind === 'metrc_manifest_timeout' && d.workflow_id) {
        const p = (d.payload ?? {}) as { orderId?: string; submissionId?: string; shipperLicense?: string };
        if (!p.orderId) throw new AppError('CONFLICT', 'This dead letter does not name its order', {});
        try {
          await c.workflow.start<MetrcTransferWorkflow>(WORKFLOW_TYPES.metrcTransfer, {
            workflowId: d.workflow_id,
            taskQueue: d.queue,
            args: [{ orderId: p.orderId, retry: settings.defaultActivityRetry }],
            // Visible by licence from the start; the workflow sets the same once it has planned.
            ...(p.submissionId && p.shipperLicense
              ? { typedSearchAttributes: metrcSearchAttributes({ submissionId: p.submissionId, kind: 'transfer_template', license: p.shipperLicense }) }
              : {}),
          });
        } catch (e) {
          if ((e as { name?: string }).name === 'WorkflowExecutionAlreadyStartedError') {
            throw new AppError('CONFLICT', 'The transfer workflow is already running', { workflow_id: d.workflow_id });
          }
          throw e;
        }
      } else {
        if (!d.workflow_id) throw new AppError('CONFLICT', 'This dead letter names no workflow to retry', {});
        try {
          await c.workflow.getHandle(d.workflow_id).signal(deadLetterRetrySignal, { ...(payload !== undefined ? { payload } : {}), by: actor.id });
        } catch {
          throw new AppError('CONFLICT', 'The workflow that wrote this dead letter is no longer running', { workflow_id: d.workflow_id });
        }
      }
      await close(id, 'retried', actor, null);
      await audit(sequelize, actor, { action: 'dead_letter.retried', targetType: 'dead_letter', targetId: id, entityId: null, summary: { kind: d.kind, queue: d.queue, workflow_id: d.workflow_id } }, origin);
      return fresh(id);
    },

    async discard(actor: Actor, id: string, reason: string, origin: Origin = {}) {
      requireStaff(actor);
      const d = await loadOpen(id);
      if (d.kind === 'metrc_submission' && d.subject_id) {
        await submissions.discard(actor, d.subject_id, reason, origin);
        return fresh(id);
      }
      if (d.workflow_id && d.kind !== 'metrc_manifest_timeout') {
        try {
          const c = await client();
          await c.workflow.getHandle(d.workflow_id).signal(deadLetterDiscardSignal, { reason, by: actor.id });
        } catch {
          // Nothing running to stop; the letter is closed regardless.
        }
      }
      if (!(await close(id, 'discarded', actor, reason))) {
        throw new AppError('INVALID_TRANSITION', 'This dead letter was resolved meanwhile', {});
      }
      await audit(sequelize, actor, { action: 'dead_letter.discarded', targetType: 'dead_letter', targetId: id, entityId: null, summary: { kind: d.kind, queue: d.queue, reason } }, origin);
      return fresh(id);
    },
  };
}
