/**
 * A tiny structural validator for METRC body rows. METRC answers a bad row with a 400 after a
 * round trip; checking the shape here first turns typos into a 400 from our own API that names
 * the field, and keeps corrected payloads from being sent in a form METRC can never accept.
 */
export interface FieldIssue {
  field: string;
  issue: string;
}

export type Check = (value: unknown, path: string, issues: FieldIssue[]) => void;

const push = (issues: FieldIssue[], field: string, issue: string) => issues.push({ field, issue });

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function str(opts: { min?: number; max?: number; pattern?: RegExp; hint?: string } = {}): Check {
  const { min = 1, max = 255, pattern, hint } = opts;
  return (v, path, issues) => {
    if (typeof v !== 'string') return push(issues, path, 'must be a string');
    if (v.trim().length < min) return push(issues, path, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    if (v.length > max) return push(issues, path, `must be at most ${max} characters`);
    if (pattern && !pattern.test(v)) push(issues, path, hint ?? `must match ${pattern.source}`);
  };
}

export function num(opts: { min?: number; nonZero?: boolean; exclusiveMin?: boolean; integer?: boolean } = {}): Check {
  return (v, path, issues) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return push(issues, path, 'must be a number');
    if (opts.integer && !Number.isSafeInteger(v)) return push(issues, path, 'must be a whole number');
    if (opts.nonZero && v === 0) return push(issues, path, 'must not be zero');
    if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) {
      push(issues, path, `must be ${opts.exclusiveMin ? 'greater than' : 'at least'} ${opts.min}`);
    }
  };
}

export function oneOf(values: readonly string[]): Check {
  return (v, path, issues) => {
    if (typeof v !== 'string' || !values.includes(v)) push(issues, path, `must be one of ${values.join(', ')}`);
  };
}

export function bool(): Check {
  return (v, path, issues) => {
    if (typeof v !== 'boolean') push(issues, path, 'must be true or false');
  };
}

/** null is accepted wherever a field is optional, as METRC itself does. */
export function optional(check: Check): Check {
  return (v, path, issues) => {
    if (v !== undefined && v !== null) check(v, path, issues);
  };
}

export function array(item: Check, opts: { min?: number; max?: number } = {}): Check {
  const { min = 0, max = 1000 } = opts;
  return (v, path, issues) => {
    if (!Array.isArray(v)) return push(issues, path, 'must be an array');
    if (v.length < min) return push(issues, path, `must have at least ${min} item${min === 1 ? '' : 's'}`);
    if (v.length > max) return push(issues, path, `must have at most ${max} items`);
    v.forEach((x, i) => item(x, `${path}[${i}]`, issues));
  };
}

/** Closed objects: unknown keys are refused, since METRC silently ignores misspelt fields. */
export function object(shape: Record<string, Check>, required: readonly string[] = []): Check {
  return (v, path, issues) => {
    if (!isPlainObject(v)) return push(issues, path, 'must be an object');
    for (const k of Object.keys(v)) if (!(k in shape)) push(issues, path ? `${path}.${k}` : k, 'is not a known field');
    for (const k of required) if (v[k] === undefined || v[k] === null) push(issues, path ? `${path}.${k}` : k, 'is required');
    for (const [k, check] of Object.entries(shape)) {
      if (v[k] !== undefined) check(v[k], path ? `${path}.${k}` : k, issues);
    }
  };
}
