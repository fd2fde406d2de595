/**
 * METRC and POS failures that notify (issue 16), wrapped around those activities so their code
 * stays untouched. Each notification's key is the thing people act on, so storms fold into one:
 * a dead letter (one open per submission), the license's one credentials alert, and a POS
 * connection's current credentials (the same refused credentials notify once, however many
 * syncs fail with them; new credentials that fail notify again).
 */
import { createHash } from 'node:crypto';
import { oldestOpenDeadLetterId } from '../db/repositories/deadLetters.js';
import { posConnectionSubject, submissionSubject } from '../db/repositories/notificationSubjects.js';
import type { ActivityDeps } from './deps.js';
import { startNotificationsQuietly } from './notifications.js';
import type { createMetrcActivities } from './metrc.js';
import type { createMetrcCredentialActivities } from './metrcCredentials.js';
import type { createPosActivities } from './pos.js';

type Metrc = ReturnType<typeof createMetrcActivities>;
type MetrcCredentials = ReturnType<typeof createMetrcCredentialActivities>;
type Pos = ReturnType<typeof createPosActivities>;

export function withAlertNotifications(
  deps: ActivityDeps,
  acts: { metrc: Metrc; credentials: MetrcCredentials; pos: Pos },
): Pick<Metrc, 'failMetrcSubmission'> & Pick<MetrcCredentials, 'parkMetrcSubmission'> & Pick<Pos, 'posFailRun'> {
  return {
    async failMetrcSubmission(input) {
      const reason = await acts.metrc.failMetrcSubmission(input);
      if (!deps.config.mail.host) return reason; // no email configured: nothing to look up
      const [letter, sub] = await Promise.all([
        oldestOpenDeadLetterId(deps.sequelize, 'metrc_submission', input.submissionId),
        submissionSubject(deps.sequelize, input.submissionId),
      ]);
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
      const sub = await submissionSubject(deps.sequelize, input.submissionId);
      const letter = sub && (await oldestOpenDeadLetterId(deps.sequelize, 'metrc_credentials', sub.license_number));
      if (sub && letter) {
        await startNotificationsQuietly(deps, { type: 'metrc.parked', key: `metrc.parked:${letter}`, facts: { license: sub.license_number, error: input.reason } });
      }
      return result;
    },

    async posFailRun(input) {
      await acts.pos.posFailRun(input);
      if (input.errorType !== 'PosAuthError' || !deps.config.mail.host) return;
      const c = await posConnectionSubject(deps.sequelize, input.connectionId);
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
