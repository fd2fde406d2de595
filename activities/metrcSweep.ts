/**
 * The duplicate sweep: after a submission had an ambiguous attempt, a durable follow-up
 * (workflows/metrcSweep.ts) looks again later — after the settle window could have missed a
 * commit slower than METRC's processing limit — for extra records carrying the submission's
 * identity, and repairs them: an extra receipt is voided, an extra template archived, a doubled
 * adjustment counter-adjusted. Each repair is audited, shown on the submission
 * (duplicates_repaired, sweep_note) and alerted to compliance staff as a dead letter of kind
 * metrc_duplicate_repaired.
 *
 * The counter-adjustment is itself a write without an idempotency key: its answer can be lost and
 * METRC may commit it late. It carries [trellis-repair:<id>] (the repairs already made are counted
 * by it) and its send is stamped as the submission's last_sent_ms, so a retry within the settle
 * window after it does not count and send again: it waits (a typed, retryable failure whose next
 * retry comes when the window ends) and then counts what METRC holds by both tags.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import { insertAuditRow } from '../db/repositories/auditLog.js';
import { recordDeadLetter } from '../db/repositories/deadLetters.js';
import { getSubmission, recordDuplicatesRepaired, stampSent, type SubmissionRow } from '../db/repositories/metrcSubmissions.js';
import { identityTag } from '../domain/metrc/identity.js';
import type { PackageAdjustmentPayload, SalesReceiptPayload, TransferTemplatePayload } from '../domain/metrc/kinds.js';
import { findAdjustmentsByTag, findLiveReceiptsByExternalNumber, findTemplatesByName, type MetrcClient } from '../integrations/metrc/index.js';
import { temporalSettings } from '../temporal.config.js';
import type { ActivityDeps } from './deps.js';
import { createMetrcClientFactory } from './metrcClient.js';
import { WORKFLOW_TYPES, metrcSearchAttributes, metrcSweepWorkflowId, type MetrcSweepInput } from '../contracts/index.js';

const WINDOW_SLACK_MS = 5 * 60_000;
export const sweepWorkflowId = metrcSweepWorkflowId;
/** The tag a counter-adjustment carries, so a later round counts the repairs already made. */
export const repairTag = (submissionId: string) => `[trellis-repair:${submissionId}]`;

export interface SweepResult {
  status: 'not_succeeded' | 'clean' | 'repaired';
  /** What was found and done, one line each. */
  repairs: string[];
}

/**
 * Starts the sweep for a submission whose outcome was ambiguous (idempotent: one sweep runs per
 * submission at a time). Best effort from the caller's point of view: a failure to start is
 * reported, never a reason to fail the attempt that noticed the ambiguity.
 */
export async function startDuplicateSweep(
  deps: ActivityDeps,
  sub: Pick<SubmissionRow, 'id' | 'kind' | 'license_number'>,
): Promise<void> {
  if (!deps.temporal || deps.config.metrc.sweepDelaysMs.length === 0) return;
  const submissionId = sub.id;
  try {
    const client = await deps.temporal();
    await client.workflow.start<(input: MetrcSweepInput) => Promise<SweepResult[]>>(WORKFLOW_TYPES.metrcDuplicateSweep, {
      workflowId: sweepWorkflowId(submissionId),
      taskQueue: temporalSettings(deps.config).taskQueues.compliance,
      typedSearchAttributes: metrcSearchAttributes({ submissionId, kind: sub.kind, license: sub.license_number }),
      args: [{ submissionId, delaysMs: deps.config.metrc.sweepDelaysMs }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    try {
      Context.current().log.warn('could not start the METRC duplicate sweep', { submissionId, err: String(err) });
    } catch {
      // outside an activity (benchmarks): nothing to log to
    }
  }
}

function window(sub: SubmissionRow) {
  const from = (sub.first_sent_at ? new Date(sub.first_sent_at) : new Date(sub.created_at)).getTime() - WINDOW_SLACK_MS;
  return { lastModifiedStart: new Date(from), lastModifiedEnd: new Date(Date.now() + WINDOW_SLACK_MS) };
}

export const REPAIR_SETTLING_TYPE = 'MetrcRepairSettling';

/** Finds extra records of one succeeded submission and repairs them; returns one line per repair. */
async function repair(client: MetrcClient, sub: SubmissionRow, sequelize: Sequelize, settleWindowMs: number): Promise<string[]> {
  const lic = sub.license_number;
  const keep = sub.metrc_ids?.[0];
  switch (sub.kind) {
    case 'sales_receipt': {
      const found = await findLiveReceiptsByExternalNumber(client, lic, (sub.payload as SalesReceiptPayload).ExternalReceiptNumber, window(sub));
      const keeper = found.find((r) => r.Id === keep) ?? found[0];
      const extra = found.filter((r) => r !== keeper);
      for (const r of extra) await client.voidReceipt(lic, r.Id);
      return extra.map((r) => `voided duplicate receipt ${r.Id} (kept ${keeper!.Id})`);
    }
    case 'transfer_template': {
      const found = (await findTemplatesByName(client, lic, (sub.payload as TransferTemplatePayload).Name, window(sub))).sort((a, b) => a.Id - b.Id);
      const keeper = found.find((t) => t.Id === keep) ?? found[0];
      const extra = found.filter((t) => t !== keeper);
      for (const t of extra) await client.archiveOutgoingTemplate(lic, t.Id);
      return extra.map((t) => `archived duplicate transfer template ${t.Id} (kept ${keeper!.Id})`);
    }
    case 'package_adjustment': {
      const p = sub.payload as PackageAdjustmentPayload;
      const done = await findAdjustmentsByTag(client, lic, p.Label, identityTag(sub.id), window(sub));
      const repaired = await findAdjustmentsByTag(client, lic, p.Label, repairTag(sub.id), window(sub));
      const need = done.length - 1 - repaired.length;
      // Counter-adjustments METRC holds that were never recorded here: an earlier try sent them and
      // lost the answer. They are this sweep's repairs all the same, so they are recorded now.
      const adopted = Array.from({ length: Math.max(0, repaired.length - sub.duplicates_repaired) }, () =>
        `counter-adjustment of package ${p.Label} found in METRC after its answer was lost`);
      if (need <= 0) return adopted;
      // A write of this submission (the original or an earlier counter-adjustment whose answer
      // was lost) may still commit until the window has passed since it left: not yet.
      const left = sub.last_sent_ms === null ? 0 : sub.last_sent_ms + settleWindowMs - Date.now();
      if (left > 0) {
        throw ApplicationFailure.create({
          type: REPAIR_SETTLING_TYPE,
          message: `a write for submission ${sub.id} left less than the settle window ago; counting again in ${Math.ceil(left / 1000)} s`,
          nextRetryDelay: left,
        });
      }
      // Stamped before it leaves: a retry after a lost answer waits out the window from here.
      await stampSent(sequelize, sub.id, Date.now());
      await client.adjustPackages(lic, [
        {
          Label: p.Label,
          Quantity: -p.Quantity * need,
          UnitOfMeasure: p.UnitOfMeasure,
          AdjustmentReason: String(p.AdjustmentReason),
          AdjustmentDate: new Date().toISOString().slice(0, 10),
          ReasonNote: `Reverses ${need} duplicate adjustment(s) of ${p.Quantity} recorded twice by an integration retry ${repairTag(sub.id)}`,
        },
      ]);
      return [...adopted, `counter-adjusted package ${p.Label} by ${-p.Quantity * need} (${done.length} adjustments carried the submission's id)`];
    }
    default:
      // Updates and voids are repeatable (PUT/DELETE): a second one changes nothing.
      return [];
  }
}

export const DEAD_LETTER_KIND_DUPLICATE = 'metrc_duplicate_repaired';

/**
 * Counts, note and audit row on the submission, and an alert for compliance staff: a dead letter
 * naming no workflow (discarding it acknowledges it; there is nothing to retry).
 */
async function recordRepairs(sequelize: Sequelize, queue: string, sub: SubmissionRow, repairs: string[]): Promise<void> {
  const note = `duplicate found and repaired: ${repairs.join('; ')}`.slice(0, 2000);
  await sequelize.transaction(async (transaction) => {
    await recordDuplicatesRepaired(sequelize, sub.id, repairs.length, note, transaction);
    await insertAuditRow(
      sequelize,
      {
        actorType: 'system',
        actorId: 'metrc:duplicate-sweep',
        entityId: null,
        action: 'metrc_submission.duplicate_repaired',
        targetType: 'metrc_submission',
        targetId: sub.id,
        summary: { kind: sub.kind, license_number: sub.license_number, repairs },
      },
      transaction,
    );
    await recordDeadLetter(
      sequelize,
      {
        queue,
        workflowId: null,
        kind: DEAD_LETTER_KIND_DUPLICATE,
        subjectId: sub.id,
        payload: { submission_id: sub.id, kind: sub.kind, license_number: sub.license_number, natural_key: sub.natural_key, repairs },
        error: { type: 'MetrcDuplicateRepaired', code: 'METRC_DUPLICATE_REPAIRED', message: note },
      },
      transaction,
    );
  });
}

export function createMetrcSweepActivities(deps: ActivityDeps) {
  const { sequelize } = deps;
  const clients = createMetrcClientFactory(deps);
  return {
    async sweepMetrcDuplicates(input: { submissionId: string }): Promise<SweepResult> {
      const sub = await getSubmission(sequelize, input.submissionId);
      if (!sub || sub.status !== 'succeeded') return { status: 'not_succeeded', repairs: [] };
      const repairs = await repair(await clients.forLicense(sub.license_number), sub, sequelize, deps.config.metrc.settleWindowMs);
      if (!repairs.length) return { status: 'clean', repairs };
      await recordRepairs(sequelize, temporalSettings(deps.config).taskQueues.compliance, sub, repairs);
      return { status: 'repaired', repairs };
    },
  };
}
