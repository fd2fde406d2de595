/**
 * A report schedule as a person says it ("every Monday at 07:00 in my time zone") and as the API
 * takes it (a five-field cron expression read in an IANA time zone), both ways.
 */
export const DAY_CHOICES: Array<{ value: string; label: string }> = [
  { value: '*', label: 'Every day' },
  { value: 'MON-FRI', label: 'Weekdays' },
  { value: 'MON', label: 'Mondays' },
  { value: 'TUE', label: 'Tuesdays' },
  { value: 'WED', label: 'Wednesdays' },
  { value: 'THU', label: 'Thursdays' },
  { value: 'FRI', label: 'Fridays' },
  { value: 'SAT', label: 'Saturdays' },
  { value: 'SUN', label: 'Sundays' },
];

/** "07:30" on "MON" → "30 7 * * MON". */
export function cronFor(days: string, time: string): string {
  const [h, m] = time.split(':').map((n) => Number(n));
  return `${m ?? 0} ${h ?? 0} * * ${days}`;
}

/** "30 7 * * MON" → "Mondays at 07:30"; any other cron as it is. */
export function describeCron(cron: string): string {
  const f = cron.split(' ');
  const day = DAY_CHOICES.find((d) => d.value === f[4]);
  if (f.length !== 5 || !day || f[2] !== '*' || f[3] !== '*' || !/^\d+$/.test(f[0]!) || !/^\d+$/.test(f[1]!)) return cron;
  return `${day.label} at ${f[1]!.padStart(2, '0')}:${f[0]!.padStart(2, '0')}`;
}
