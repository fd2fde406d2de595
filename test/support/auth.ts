/**
 * Credentials for tests that call the API. The identity work (issue 4) makes these real: a
 * platform admin user with a session, created directly in the test database.
 * Every test calling /api/v1 sends these headers, so turning on authentication needs no test edits.
 */
import type { ApiDeps } from '../../api/deps.js';

export async function adminHeaders(_deps: ApiDeps): Promise<Record<string, string>> {
  return {};
}
