// The ordered list of migrations. Imported statically (not globbed) so the same list runs under
// tsx, vitest and the production image without a loader for .ts files.
import * as m0001 from './0001-core-schema.js';
import * as m0002 from './0002-identity.js';

export const MIGRATIONS = [{ name: '0001-core-schema', ...m0001 }, { name: '0002-identity', ...m0002 }];
