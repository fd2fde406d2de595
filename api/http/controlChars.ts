import type { RequestHandler } from 'express';
import { AppError } from '../../domain/errors.js';

// C0 controls other than tab, line feed and carriage return: no partner means them, MySQL stores
// NUL as part of the text, and METRC rejects them later where nobody is watching.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first string in a JSON value holding a control character or a lone surrogate (a `\ud800`
 * escape is valid JSON but no text; MySQL would store U+FFFD in its place), as a field path.
 */
export function controlCharacterField(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return CONTROL.test(value) || LONE_SURROGATE.test(value) ? path || 'body' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = controlCharacterField(value[i], `${path}[${i}]`);
      if (hit) return hit;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = controlCharacterField(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** Refuses a JSON body with such a string anywhere: 400 naming the field, nothing stored. */
export const rejectControlCharacters: RequestHandler = (req, _res, next) => {
  const field = controlCharacterField(req.body);
  if (field) throw new AppError('VALIDATION_ERROR', 'Invalid input', { field, issue: 'contains a control character or an unpaired surrogate' });
  next();
};
