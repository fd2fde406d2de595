/**
 * Submissions whose license's METRC key is refused for longer than the auth retry window park
 * instead of each becoming a dead letter: the submission waits (parked, with the reason) while
 * its workflow probes the key on durable timers, and compliance staff get one alert per license
 * (a `metrc_credentials` dead letter, deduplicated by license) that closes itself when the key
 * works again.
 */
import { ApplicationFailure } from '@temporalio/common';
import { keepOldestOpenDeadLetter, recordDeadLetter, resolveDeadLettersFor } from '../db/repositories/deadLetters.js';
import { getSubmission, markParked, unpark } from '../db/repositories/metrcSubmissions.js';
import { MetrcAuthError, type MetrcClient } from '../integrations/metrc/index.js';
import type { ActivityDeps } from './deps.js';
import { createMetrcClientFactory, isNoKeyFailure } from './metrcClient.js';

export const DEAD_LETTER_KIND_CREDENTIALS = 'metrc_credentials';
export const PARKED_FAILURE_TYPE = 'MetrcCredentialsParked';
/** Probes back off up to this. */
const MAX_PROBE_INTERVAL_MS = 15 * 60_000;

/** Does the key work for this license at all? False only when METRC refuses the key itself. */
export async function keyWorks(client: MetrcClient): Promise<boolean> {
  try {
    await client.getFacilities();
    return true;
  } catch (e) {
    if (e instanceof MetrcAuthError) return false;
    throw e;
  }
}

/** The typed failure an attempt ends with when the key itself was refused past the auth window. */
export function parkedFailure(license: string, cause: MetrcAuthError): ApplicationFailure {
  const message = `METRC refuses the key for ${license} (${cause.status}) for longer than the auth retry window; waiting for a working key`;
  return ApplicationFailure.create({
    type: PARKED_FAILURE_TYPE,
    nonRetryable: true,
    message,
    details: [{ type: PARKED_FAILURE_TYPE, code: 'METRC_KEY_REFUSED', message, status: cause.status }],
    cause,
  });
}

/** The same parking when the license has no key at all: it waits until someone stores one. */
export function noKeyParkedFailure(license: string, cause: unknown): ApplicationFailure {
  const message = `no METRC user key is stored for ${license}; store one (PUT /metrc-credentials/${license}) and it goes out`;
  return ApplicationFailure.create({
    type: PARKED_FAILURE_TYPE,
    nonRetryable: true,
    message,
    details: [{ type: PARKED_FAILURE_TYPE, code: 'METRC_KEY_MISSING', message }],
    cause: cause instanceof Error ? cause : undefined,
  });
}

export function createMetrcCredentialActivities(deps: ActivityDeps) {
  const { sequelize, config } = deps;
  const clients = createMetrcClientFactory(deps);
  return {
    /** Parked with the reason; opens (or refreshes) the license's one alert. */
    async parkMetrcSubmission(input: { submissionId: string; workflowId: string; queue: string; reason: string }) {
      const sub = await getSubmission(sequelize, input.submissionId);
      if (!sub) throw ApplicationFailure.create({ type: 'NotFound', nonRetryable: true, message: `submission ${input.submissionId} not found` });
      await markParked(sequelize, sub.id, `waiting for a working METRC key: ${input.reason}`);
      await recordDeadLetter(sequelize, {
        queue: input.queue,
        // No workflow: the alert is acknowledged by discarding it; retrying it has nothing to
        // restart (the parked submissions go out by themselves once the key works).
        workflowId: null,
        kind: DEAD_LETTER_KIND_CREDENTIALS,
        subjectId: sub.license_number,
        payload: { license_number: sub.license_number, first_submission_id: sub.id, first_workflow_id: input.workflowId },
        error: { type: PARKED_FAILURE_TYPE, code: 'METRC_KEY_REFUSED', message: input.reason },
      });
      // Submissions of one license park at the same moment, and with no open letter yet there is
      // no row for recordDeadLetter's lock to hold: each may insert one. Every parker then keeps
      // the oldest open alert and removes the rest, so they converge on exactly one.
      await keepOldestOpenDeadLetter(sequelize, DEAD_LETTER_KIND_CREDENTIALS, sub.license_number);
      return { probeIntervalMs: config.metrc.keyProbeIntervalMs, maxProbeIntervalMs: Math.max(config.metrc.keyProbeIntervalMs, MAX_PROBE_INTERVAL_MS) };
    },

    /**
     * True once the license's key works again: the submission is pending again (unless it was
     * discarded meanwhile; its next attempt then finds that) and the license's alert is closed.
     */
    async probeMetrcCredentials(input: { submissionId: string }): Promise<{ ok: boolean }> {
      const sub = await getSubmission(sequelize, input.submissionId);
      if (!sub) return { ok: true };
      const client = await clients.forLicense(sub.license_number).catch((e: unknown) => {
        if (isNoKeyFailure(e)) return undefined; // still none stored: stay parked
        throw e;
      });
      const ok = client !== undefined && (await keyWorks(client));
      if (ok) {
        await unpark(sequelize, sub.id);
        await resolveDeadLettersFor(sequelize, DEAD_LETTER_KIND_CREDENTIALS, sub.license_number, 'retried', 'metrc:key-probe', 'the key works again');
      }
      return { ok };
    },
  };
}
