import type { UserAdminRow } from '../../db/repositories/users.js';
import type { UserRecord } from '../services/authSessions.js';
import { apiRole } from '../services/users.js';

/** A user as an administrator sees it (/users): role in the API's words, and a status. */
export function userAdminToApi(u: UserAdminRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: apiRole(u),
    entity_id: u.entity_id,
    entity_name: u.entity_name,
    status: u.disabled_at ? 'disabled' : u.invitation_pending ? 'invited' : 'active',
    mfa_enabled: u.mfa_enabled,
    last_login_at: u.last_login_at?.toISOString() ?? null,
    disabled_at: u.disabled_at?.toISOString() ?? null,
    created_at: u.created_at.toISOString(),
  };
}

/** The signed-in user as sign-in and /auth/me show it. */
export const userToApi = (u: UserRecord) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  entity_id: u.entity_id,
  entity_role: u.entity_role,
});
