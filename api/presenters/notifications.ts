import type { InAppRow } from '../../db/repositories/inAppNotifications.js';

/** A bell notification as the API shows it. */
const iso = (v: Date | string | null) => (v ? new Date(v).toISOString() : null);

export function inAppToApi(r: InAppRow) {
  return { id: r.id, event_type: r.event_type, title: r.title, body: r.body, link: r.link, read_at: iso(r.read_at), created_at: iso(r.created_at)! };
}
