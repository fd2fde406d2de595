/**
 * Password rules for passwords people choose (set-password links, create-admin --password).
 * Length is what makes a password hard to guess, so that is the main rule (NIST SP 800-63B:
 * no composition rules, check against known-bad values). Each broken rule has a stable name the
 * API returns in `details.rule`, so a client can say exactly what to change.
 */
export const PASSWORD_MIN_LENGTH = 12;
// argon2 hashes any length; the cap only stops a megabyte "password" from costing CPU.
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordRule = 'min_length' | 'max_length' | 'too_repetitive' | 'common_password' | 'contains_email';

export interface PasswordProblem {
  rule: PasswordRule;
  message: string;
}

// The most common leaked passwords of 12+ characters and this product's own demo passwords,
// compared case-insensitively. A short list on purpose: length does the real work.
const COMMON = new Set([
  '123456789012',
  '1234567890123',
  'qwertyuiopas',
  'qwertyuiop123',
  'password1234',
  'password12345',
  'passwordpassword',
  'iloveyou1234',
  'administrator',
  'letmeinletmein',
  'trustno1trustno1',
  'changemechangeme',
  'welcome12345',
  'correcthorsebatterystaple',
  'correct horse battery staple',
  'trellis-admin-demo',
  'trellis-operator-demo',
  'trellis-compliance-demo',
  'trellis-owner-demo',
]);

/** The first rule `password` breaks, or undefined when it is acceptable. */
export function passwordProblem(password: string, email?: string): PasswordProblem | undefined {
  const chars = [...password];
  if (chars.length < PASSWORD_MIN_LENGTH) return { rule: 'min_length', message: `Password must be at least ${PASSWORD_MIN_LENGTH} characters long` };
  if (chars.length > PASSWORD_MAX_LENGTH) return { rule: 'max_length', message: `Password must be at most ${PASSWORD_MAX_LENGTH} characters long` };
  if (new Set(chars).size < 5) return { rule: 'too_repetitive', message: 'Password must use at least 5 different characters' };
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return { rule: 'common_password', message: 'Password is too common; choose another' };
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return { rule: 'contains_email', message: 'Password must not contain your email address' };
  return undefined;
}
