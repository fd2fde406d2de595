/** METRC runs one API host per state (plus a sandbox host each); there is no global endpoint. */
export const METRC_STATES = [
  'ak',
  'al',
  'ca',
  'co',
  'dc',
  'gu',
  'il',
  'ky',
  'la',
  'ma',
  'md',
  'me',
  'mi',
  'mn',
  'mo',
  'ms',
  'mt',
  'nj',
  'nv',
  'ny',
  'oh',
  'ok',
  'or',
  'ri',
  'sd',
  'va',
  'vi',
  'wv',
] as const;
export type MetrcState = (typeof METRC_STATES)[number];

export function isMetrcState(s: string): s is MetrcState {
  return (METRC_STATES as readonly string[]).includes(s.toLowerCase());
}

/** `https://api-co.metrc.com`, or `https://sandbox-api-co.metrc.com` with `sandbox: true`. */
export function metrcBaseUrl(state: string, opts: { sandbox?: boolean } = {}): string {
  const st = state.trim().toLowerCase();
  if (!isMetrcState(st)) throw new Error(`Unknown METRC state "${state}"`);
  return `https://${opts.sandbox ? 'sandbox-' : ''}api-${st}.metrc.com`;
}
