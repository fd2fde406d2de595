// Fails when openapi/types.ts is stale relative to openapi/openapi.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
if (!existsSync('openapi/openapi.yaml')) process.exit(0);
const fresh = execFileSync('node_modules/.bin/openapi-typescript', ['openapi/openapi.yaml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const current = existsSync('openapi/types.ts') ? readFileSync('openapi/types.ts', 'utf8') : '';
if (fresh.trim() !== current.trim()) {
  console.error('openapi/types.ts is stale: run `npm run gen:api-types` and commit the result.');
  process.exit(1);
}
