/** Human-friendly order numbers: TR-YYMMDD-XXXXXX (Crockford base32, no look-alike letters). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function formatOrderNumber(date: Date, random: Uint8Array): string {
  const y = String(date.getUTCFullYear() % 100).padStart(2, '0');
  const m = String(date.getUTCMonth() + 1).padStart(2, '0');
  const d = String(date.getUTCDate()).padStart(2, '0');
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += ALPHABET[(random[i] ?? 0) % 32];
  return `TR-${y}${m}${d}-${suffix}`;
}
