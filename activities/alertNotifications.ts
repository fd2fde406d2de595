/**
 * METRC and POS failures that notify (issue 16), wrapped around those activities so their code
 * stays untouched. Each notification's key is the thing people act on, so storms fold into one:
 * a dead letter (one open per submission), the license's one credentials alert, and a POS
 * connection's current credentials (the same refused credentials notify once, however many
 * syncs fail with them; new credentials that fail notify again).
 */
import { createHash } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { ActivityDeps } from './deps.js';
import { startNotificationsQuietly } from './notifications.js';
import type { createMetrcActivities } from './metrc.js';
import type { createMetrcCredentialActivities } from './metrcCredentials.js';
import type { createPosActivities } from './pos.js';

type Metrc = ReturnType<typeof createMetrcActivities>;
type MetrcCredentials = ReturnType<typeof createMetrcCredentialActivities>;
type Pos = ReturnType<typeof createPosActivities>;

async function openLetter(deps: ActivityDeps, kind: string, subjectId: string): Promise<string | undefined> {
  const [row] = await deps.sequelize.query<{ id: string }>(
    `SELECT id FROM dead_letters WHERE kind = ? AND subject_id = ? AND status = 'open' ORDER BY created_at, id LIMIT 1`,
    { replacements: [kind, subjectId], type: QueryTypes.SELECT },
  );
  return row?.id;
}

async function submissionFacts(deps: ActivityDeps, submissionId: string) {
  const [s] = await deps.sequelize.query<{ kind: string; license_number: string }>('SELECT kind, license_number FROM metrc_submissions WHERE id = ?', {
    replacements: [submissionId],
    type: QueryTypes.SELECT,
  });
  return s;
}

export function withAlertNotifications(
  deps: ActivityDeps,
  acts: { metrc: Metrc; credentials: MetrcCredentials; pos: Pos },
): Pick<Metrc, 'failMetrcSubmission'> & Pick<MetrcCredentials, 'parkMetrcSubmission'> & Pick<Pos, 'posFailRun'> {
  return {
    async failMetrcSubmission(input) {
      const reason = await acts.metrc.failMetrcSubmission(input);
      if (!deps.config.mail.host) return reason; // no email configured: nothing to look up
      const [letter, sub] = await Promise.all([openLetter(deps, 'metrc_submission', input.submissionId), submissionFacts(deps, input.submissionId)]);
      if (letter && sub) {
        await startNotificationsQuietly(deps, {
          type: 'metrc.dead_lettered',
          key: `metrc.dead_lettered:${letter}`,
          facts: { submissionId: input.submissionId, submissionKind: sub.kind, license: sub.license_number, error: reason },
        });
      }
      return reason;
    },

    async parkMetrcSubmission(input) {
      const result = await acts.credentials.parkMetrcSubmission(input);
      if (!deps.config.mail.host) return result;
      const sub = await submissionFacts(deps, input.submissionId);
      const letter = sub && (await openLetter(deps, 'metrc_credentials', sub.license_number));
      if (sub && letter) {
        await startNotificationsQuietly(deps, { type: 'metrc.parked', key: `metrc.parked:${letter}`, facts: { license: sub.license_number, error: input.reason } });
      }
      return result;
    },

    async posFailRun(input) {
      await acts.pos.posFailRun(input);
      if (input.errorType !== 'PosAuthError' || !deps.config.mail.host) return;
      const [c] = await deps.sequelize.query<{ entity_id: string; vendor: string; credentials_enc: string; entity_name: string | null }>(
        'SELECT c.entity_id, c.vendor, c.credentials_enc, e.name AS entity_name FROM pos_connections c LEFT JOIN entities e ON e.id = c.entity_id WHERE c.id = ?',
        { replacements: [input.connectionId], type: QueryTypes.SELECT },
      );
      if (!c) return;
      // A digest of the sealed credentials names "these credentials" without revealing anything.
      const credentials = createHash('sha256').update(c.credentials_enc).digest('hex').slice(0, 16);
      await startNotificationsQuietly(deps, {
        type: 'pos.credentials_failed',
        key: `pos.credentials_failed:${input.connectionId}:${credentials}`,
        entityId: c.entity_id,
        facts: { connectionId: input.connectionId, vendor: c.vendor, ...(c.entity_name ? { entityName: c.entity_name } : {}) },
      });
    },
  };
}
