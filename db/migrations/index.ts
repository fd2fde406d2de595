// The ordered list of migrations. Imported statically (not globbed) so the same list runs under
// tsx, vitest and the production image without a loader for .ts files.
import * as m0001 from './0001-core-schema.js';

export const MIGRATIONS = [{ name: '0001-core-schema', ...m0001 }];
