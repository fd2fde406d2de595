/**
 * Dead-letter activities for any workflow: when automatic retries are spent, record the work
 * here (queue, workflow id, payload, error, attempts) and wait for a person. The compliance
 * API lists these across queues; its retry sends the workflow a `retry` signal (with an
 * optional corrected payload) and discard a `discard` signal, which is the contract every
 * workflow writing dead letters must honour.
 */
import { recordDeadLetter, resolveDeadLettersFor, type DeadLetterInput } from '../db/repositories/deadLetters.js';
import type { ActivityDeps } from './deps.js';

export function createDeadLetterActivities({ sequelize }: ActivityDeps) {
  return {
    async recordDeadLetter(input: DeadLetterInput): Promise<string> {
      return recordDeadLetter(sequelize, input);
    },
    async resolveDeadLetters(input: { kind: string; subjectId: string; status: 'retried' | 'discarded'; by?: string | null; note?: string | null }): Promise<number> {
      return resolveDeadLettersFor(sequelize, input.kind, input.subjectId, input.status, input.by ?? null, input.note ?? null);
    },
  };
}
