import type { Preferences } from '../../domain/notifications/preferences.js';
import type { ChannelSwitches } from '../../domain/notifications/rules.js';
import type { components } from '../../openapi/types.js';

/** Notification preferences in the API's words: snake_case, quiet hours as one object (or null). */
export type ApiPreferences = components['schemas']['NotificationPreferences'];

export function preferencesToApi(p: Preferences): ApiPreferences {
  return {
    channels: p.switches,
    quiet_hours:
      p.quietStart && p.quietEnd && p.timezone ? { start: p.quietStart, end: p.quietEnd, timezone: p.timezone } : null,
    digest: p.digest,
    phone: p.phone,
  };
}

/** A PUT body as the domain's preferences; checking them is the domain's (preferenceProblem). */
export function preferencesFromApi(body: ApiPreferences): Preferences {
  return {
    switches: (body.channels ?? {}) as ChannelSwitches,
    quietStart: body.quiet_hours?.start ?? null,
    quietEnd: body.quiet_hours?.end ?? null,
    timezone: body.quiet_hours?.timezone ?? null,
    digest: body.digest,
    phone: body.phone?.trim() || null,
  };
}
