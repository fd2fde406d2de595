/**
 * Per-user notification preferences (issue 16): what a user may set and how it is checked, and
 * what quiet hours mean. Pure.
 */
import { NOTIFICATION_CATEGORIES, RULE_CHANNELS, type ChannelSwitches } from './rules.js';

export const DIGEST_MODES = ['immediate', 'hourly'] as const;
export type DigestMode = (typeof DIGEST_MODES)[number];

export interface Preferences {
  switches: ChannelSwitches;
  quietStart: string | null;
  quietEnd: string | null;
  timezone: string | null;
  digest: DigestMode;
  phone: string | null;
}

/** E.164: '+', a country code that does not start with 0, at most 15 digits in all. */
export const isE164 = (s: string) => /^\+[1-9]\d{6,14}$/.test(s);
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface PreferenceProblem {
  field: string;
  issue: string;
}

/** The first problem with a preferences document (the API answers 422 naming its field), or undefined. */
export function preferenceProblem(p: Preferences): PreferenceProblem | undefined {
  for (const [cat, channels] of Object.entries(p.switches)) {
    if (!(NOTIFICATION_CATEGORIES as readonly string[]).includes(cat)) return { field: `channels.${cat}`, issue: 'unknown category' };
    for (const ch of Object.keys(channels ?? {})) {
      if (!(RULE_CHANNELS as readonly string[]).includes(ch)) return { field: `channels.${cat}.${ch}`, issue: 'unknown channel' };
    }
  }
  if (p.phone !== null && !isE164(p.phone)) return { field: 'phone', issue: 'must be an E.164 number such as +13035550100' };
  if ((p.quietStart === null) !== (p.quietEnd === null)) return { field: p.quietStart === null ? 'quiet_hours.start' : 'quiet_hours.end', issue: 'give both start and end, or neither' };
  if (p.quietStart !== null && !HHMM.test(p.quietStart)) return { field: 'quiet_hours.start', issue: 'must be HH:MM (24-hour)' };
  if (p.quietEnd !== null && !HHMM.test(p.quietEnd)) return { field: 'quiet_hours.end', issue: 'must be HH:MM (24-hour)' };
  if (p.quietStart !== null && !p.timezone) return { field: 'quiet_hours.timezone', issue: 'quiet hours need a time zone' };
  if (p.timezone !== null && !isTimeZone(p.timezone)) return { field: 'quiet_hours.timezone', issue: 'not an IANA time zone (e.g. America/Denver)' };
  return undefined;
}

/** Minutes after local midnight of `at` in `timeZone`. */
function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return n('hour') * 60 + n('minute');
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `at` falls in the user's quiet hours. A window may cross midnight (22:00–07:00). */
export function inQuietHours(p: Pick<Preferences, 'quietStart' | 'quietEnd' | 'timezone'>, at: Date): boolean {
  if (!p.quietStart || !p.quietEnd || !p.timezone || !isTimeZone(p.timezone)) return false;
  const now = localMinutes(at, p.timezone);
  const start = toMinutes(p.quietStart);
  const end = toMinutes(p.quietEnd);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}
