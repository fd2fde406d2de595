import { AppError } from '../../domain/errors.js';
import { refusedRegulatedFields, type RegulatedResource } from '../../domain/licensing.js';
import type { Row } from '../../db/models.js';
import type { ResourceContext } from './spec.js';

/**
 * 403 naming the first regulated field (domain/licensing.ts) the caller may not set. Called from
 * prepareCreate/prepareUpdate, inside the write's transaction and before anything is written.
 */
export function refuseRegulated(ctx: ResourceContext, resource: RegulatedResource, body: Row): void {
  const refused = refusedRegulatedFields(ctx.actor, resource, body);
  if (!refused.length) return;
  throw new AppError('FORBIDDEN', `${refused.join(', ')} ${refused.length > 1 ? 'are' : 'is'} set by platform staff only (licensing facts)`, {
    field: refused[0],
    issue: 'staff only',
    fields: refused,
  });
}
