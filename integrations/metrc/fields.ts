/**
 * METRC answers in PascalCase in some states and camelCase in others, so every read of a wire
 * object goes through these helpers instead of trusting one casing.
 */

type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj[name]` matched case-insensitively; an exact match wins over a differently cased one. */
export function readField(obj: unknown, name: string): unknown {
  if (!isObject(obj)) return undefined;
  if (name in obj) return obj[name];
  const wanted = name.toLowerCase();
  for (const key of Object.keys(obj)) {
    if (key.toLowerCase() === wanted) return obj[key];
  }
  return undefined;
}

export function readNumber(obj: unknown, name: string): number | undefined {
  const v = readField(obj, name);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function readString(obj: unknown, name: string): string | undefined {
  const v = readField(obj, name);
  return typeof v === 'string' ? v : undefined;
}

export function readArray(obj: unknown, name: string): unknown[] | undefined {
  const v = readField(obj, name);
  return Array.isArray(v) ? v : undefined;
}

/**
 * Deep copy with every key's first letter upper-cased (camelCase → PascalCase, PascalCase kept),
 * so typed wire interfaces can be written once in METRC's documented casing.
 */
export function pascalizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalizeKeys);
  if (!isObject(value)) return value;
  const out: Obj = {};
  for (const [key, v] of Object.entries(value)) {
    const pascal = key.charAt(0).toUpperCase() + key.slice(1);
    // A documented PascalCase key beats a stray camelCase twin.
    if (pascal in out && key !== pascal) continue;
    out[pascal] = pascalizeKeys(v);
  }
  return out;
}
