export const money = (minor: number | undefined, currency = 'USD') =>
  minor === undefined ? '—' : new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(minor / 100);

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  const abs = Math.abs(s);
  const [n, unit] = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'm'] : abs < 86400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  return s >= 0 ? `${n}${unit} ago` : `in ${n}${unit}`;
}

export const short = (id: string | null | undefined) => (id ? id.slice(0, 8) : '—');
export const label = (s: string | null | undefined) => (s ? s.replace(/[_-]/g, ' ') : '—');

/** "6 each", "908 g": the unit a line's quantity counts in (METRC units of measure). */
export function unitWord(unit: string | null | undefined, quantity = 2): string {
  if (!unit) return '';
  const u = unit.toLowerCase();
  if (u === 'each') return 'ea';
  if (u === 'grams' || u === 'gram') return 'g';
  if (u === 'milligrams') return 'mg';
  if (u === 'ounces') return quantity === 1 ? 'oz' : 'oz';
  if (u === 'pounds') return 'lb';
  return u;
}
