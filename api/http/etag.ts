import { createHash } from 'node:crypto';
import { AppError } from '../../domain/errors.js';

/** Strong ETag over the exact representation: any visible change yields a new tag. */
export function etagOf(representation: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(representation)).digest('base64url').slice(0, 27)}"`;
}

/** Throws 412 unless If-Match (when sent) names the current representation. */
export function checkIfMatch(ifMatch: string | undefined, current: unknown): void {
  if (ifMatch === undefined) return;
  if (ifMatch.trim() === '*') return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  const now = etagOf(current);
  if (!tags.includes(now)) {
    throw new AppError('PRECONDITION_FAILED', 'The object changed since you read it; GET it again and retry', {
      field: 'If-Match',
      current_etag: now,
    });
  }
}
