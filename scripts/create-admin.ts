/**
 * `npm run create-admin -- --email you@example.com [--name "…"] [--password …] [--force]`
 *
 * Creates the first platform admin of a fresh deployment (there is no other way in: the users API
 * needs an admin to call it). Prints, once, the password (when generated), the TOTP enrolment
 * (secret and otpauth:// URI for an authenticator app) and recovery codes; none of them can be
 * shown again. Refuses when an admin already exists unless --force (then it adds another admin,
 * e.g. after the only one lost their authenticator). Reads DATABASE_URL and APP_SECRET like the
 * API; run it after the migrations (`npm run migrate`, or the compose `migrate` job).
 *
 * Exit codes: 0 created, 1 error or bad input, 2 refused because an admin exists.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { authenticator } from 'otplib';
import type { Sequelize } from 'sequelize';
import { createSequelize } from '../db/connection.js';
import { countActiveAdmins, emailTaken, insertUser, userTablesPresent } from '../db/repositories/users.js';
import { SYSTEM_ACTOR } from '../domain/actor.js';
import { passwordProblem } from '../domain/passwords.js';
import { audit } from '../api/services/audit.js';
import { issueRecoveryCodes } from '../api/services/authMfa.js';
import { config } from '../platform/config.js';
import { hashPassword, randomToken, sealMfaSecret } from '../platform/crypto.js';

export class CreateAdminRefused extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface CreateAdminInput {
  email: string;
  name?: string;
  password?: string;
  force?: boolean;
}

export interface CreatedAdmin {
  id: string;
  email: string;
  /** Only when generated here; a password given on the command line is not echoed. */
  generatedPassword?: string;
  totpSecret: string;
  otpauthUri: string;
  recoveryCodes: string[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createAdmin(sequelize: Sequelize, appSecret: string, input: CreateAdminInput): Promise<CreatedAdmin> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 254) throw new CreateAdminRefused(`"${input.email}" is not an email address`);
  if (!(await userTablesPresent(sequelize))) throw new CreateAdminRefused('The database schema is missing or old: run the migrations first (npm run migrate, or the compose migrate job)');
  const admins = await countActiveAdmins(sequelize);
  if (admins > 0 && !input.force) {
    throw new CreateAdminRefused(`An admin already exists (${admins} active). Sign in and invite people from the console, or pass --force to add another admin.`, 2);
  }
  if (await emailTaken(sequelize, email)) throw new CreateAdminRefused(`A user with email ${email} already exists`);
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password, email);
    if (problem) throw new CreateAdminRefused(`${problem.message} (rule: ${problem.rule})`);
  }
  // 24 characters of base64url: 144 bits.
  const generatedPassword = input.password === undefined ? randomToken(18) : undefined;
  const password = input.password ?? generatedPassword!;
  const totpSecret = authenticator.generateSecret(20);
  const id = randomUUID();
  await sequelize.transaction(async (transaction) => {
    await insertUser(
      sequelize,
      { id, email, name: input.name?.trim() || 'Administrator', passwordHash: await hashPassword(password), role: 'admin', entityId: null, entityRole: null, invitationPending: false, mfaSecretEnc: sealMfaSecret(appSecret, totpSecret) },
      transaction,
    );
    await audit(sequelize, { ...SYSTEM_ACTOR, label: 'npm run create-admin' }, { action: 'user.admin_created', targetType: 'user', targetId: id, entityId: null, summary: { email, forced: Boolean(input.force && admins > 0) } }, { transaction });
  });
  const recoveryCodes = await issueRecoveryCodes(sequelize, appSecret, id);
  return { id, email, ...(generatedPassword ? { generatedPassword } : {}), totpSecret, otpauthUri: authenticator.keyuri(email, 'Trellis', totpSecret), recoveryCodes };
}

function report(a: CreatedAdmin): string {
  return [
    `Admin ${a.email} created (id ${a.id}).`,
    '',
    'Shown once — store these now; they cannot be displayed again:',
    ...(a.generatedPassword ? [`  password:        ${a.generatedPassword}`] : ['  password:        (the one you gave)']),
    `  TOTP secret:     ${a.totpSecret}`,
    `  otpauth URI:     ${a.otpauthUri}`,
    '                   (add it to an authenticator app: paste the secret, or turn the URI into a QR code)',
    `  recovery codes:  ${a.recoveryCodes.join('  ')}`,
    '',
    'Sign in at PUBLIC_URL with the email, the password and a code from the app.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, force: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help || !values.email) {
    console.error('usage: npm run create-admin -- --email you@example.com [--name "Your Name"] [--password …] [--force]');
    return values.help ? 0 : 1;
  }
  const cfg = config();
  const sequelize = createSequelize(cfg.databaseUrl, 2);
  try {
    const created = await createAdmin(sequelize, cfg.appSecret, {
      email: values.email,
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.password !== undefined ? { password: values.password } : {}),
      force: values.force,
    });
    console.log(report(created));
    return 0;
  } finally {
    await sequelize.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(err instanceof CreateAdminRefused ? err.exitCode : 1);
    },
  );
}
