/**
 * `npm run rotate-secrets`: after APP_SECRET was changed (the old one moved to
 * APP_SECRET_PREVIOUS), re-seal every stored secret under the new key so the old one can go.
 * Safe to run again at any time; it prints counts only, never a secret. Exit 1 when any value
 * opens under no configured key (nothing is written for those): keep APP_SECRET_PREVIOUS then.
 */
import { createSequelize } from '../db/connection.js';
import { rotateSecrets, type RotationResult } from '../db/repositories/rotateSecrets.js';
import { SYSTEM_ACTOR } from '../domain/actor.js';
import { audit } from '../api/services/audit.js';
import { config } from '../platform/config.js';
import { keyIdOf, keyringOf } from '../platform/crypto.js';
import { ONE_OFF_CONNECTIONS } from '../platform/poolBudget.js';

export function report(r: RotationResult, currentId: string): string {
  const lines = Object.entries(r.columns).map(
    ([name, c]) => `  ${name.padEnd(31)} scanned ${c.scanned}, re-sealed ${c.resealed}, already current ${c.alreadyCurrent}, changed meanwhile ${c.changedMeanwhile}, failed ${c.failed}`,
  );
  if (r.failures.length) {
    lines.push('', `${r.failures.length} secret(s) open under no configured key; nothing was written for them:`);
    lines.push(...r.failures.map((f) => `  ${f.where}: ${f.reason}`));
    lines.push('', 'Set APP_SECRET_PREVIOUS to the APP_SECRET they were sealed under and run again. Do not drop APP_SECRET_PREVIOUS yet.');
  } else {
    lines.push('', `Every stored secret is sealed under the current APP_SECRET (key ${currentId}).`);
  }
  // Hashes cannot be re-keyed, only re-made from the value when it is next presented.
  lines.push(
    r.apiKeysAwaitingUse
      ? `${r.apiKeysAwaitingUse} live API key(s) not yet used under the current key: each is re-hashed on its next use; one still unused when APP_SECRET_PREVIOUS is dropped stops working (reissue it).`
      : 'Every live API key is hashed under the current key.',
    'Sessions and invitation links issued before the rotation expire by themselves (keep APP_SECRET_PREVIOUS at least 72 h).',
  );
  return lines.join('\n');
}

export async function main(): Promise<number> {
  const cfg = config();
  const ring = keyringOf(cfg);
  const currentId = keyIdOf(ring.current);
  console.log(`current key ${currentId}; previous key(s): ${ring.previous.map(keyIdOf).join(', ') || 'none'}`);
  const sequelize = createSequelize(cfg.databaseUrl, ONE_OFF_CONNECTIONS);
  try {
    const result = await rotateSecrets(sequelize, ring);
    const failed = result.failures.length;
    // Key ids are public names of keys; the audit row holds counts and ids only.
    await audit(sequelize, { ...SYSTEM_ACTOR, label: 'npm run rotate-secrets' }, {
      action: failed ? 'secrets.rotation_incomplete' : 'secrets.rotated',
      targetType: 'system',
      entityId: null,
      summary: { current_key_id: currentId, previous_key_ids: ring.previous.map(keyIdOf), columns: result.columns, failed, api_keys_awaiting_use: result.apiKeysAwaitingUse },
    });
    console.log(report(result, currentId));
    return failed ? 1 : 0;
  } finally {
    await sequelize.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
