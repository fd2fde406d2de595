/**
 * My notification preferences (issue 16) and the public one-click unsubscribe. The API shape
 * (snake_case, quiet hours as one object) is mapped in api/presenters/notificationPreferences.ts;
 * rules live in domain/notifications.
 */
import type { Sequelize } from 'sequelize';
import { AppError } from '../../domain/errors.js';
import { preferenceProblem, type Preferences } from '../../domain/notifications/preferences.js';
import { NOTIFICATION_CATEGORIES, type NotificationCategory } from '../../domain/notifications/rules.js';
import { loadPreferences, lockUserRow, savePreferences } from '../../db/repositories/notificationPreferences.js';
import { keyringOf } from '../../platform/crypto.js';
import { readUnsubscribeToken } from '../../platform/unsubscribeToken.js';
import type { Config } from '../../platform/config.js';

export function createNotificationPreferenceService(deps: { sequelize: Sequelize; config: Config }) {
  const { sequelize, config } = deps;
  return {
    async get(userId: string): Promise<Preferences> {
      return loadPreferences(sequelize, userId);
    },

    async put(userId: string, p: Preferences): Promise<Preferences> {
      const problem = preferenceProblem(p);
      if (problem) throw new AppError('UNPROCESSABLE_ENTITY', 'Invalid notification preferences', { ...problem });
      await sequelize.transaction((transaction) => savePreferences(sequelize, userId, p, transaction));
      return loadPreferences(sequelize, userId);
    },

    /** Idempotent: a second click finds the category already off and answers the same. */
    async unsubscribe(token: string): Promise<{ category: string; email: false }> {
      const t = readUnsubscribeToken(keyringOf(config), token);
      if (!t || !(NOTIFICATION_CATEGORIES as readonly string[]).includes(t.category)) {
        throw new AppError('VALIDATION_ERROR', 'This unsubscribe link is not valid', { field: 'token', issue: 'not a Trellis unsubscribe token' });
      }
      const category = t.category as NotificationCategory;
      await sequelize.transaction(async (transaction) => {
        // Read under the row lock so a concurrent PUT and a click do not lose each other's change.
        if (!(await lockUserRow(sequelize, t.userId, transaction))) throw new AppError('NOT_FOUND', 'User not found');
        const current = await loadPreferences(sequelize, t.userId);
        const switches = { ...current.switches, [category]: { ...current.switches[category], email: false } };
        await savePreferences(sequelize, t.userId, { ...current, switches }, transaction);
      });
      return { category, email: false };
    },
  };
}
