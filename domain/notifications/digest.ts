/**
 * Digests (issue 16, no storms): one email listing a recipient's events of one category. The
 * digest workflow's id is made here only, so starters and tests name the same workflow.
 */
import type { NotificationEvent } from './events.js';
import type { NotificationCategory } from './rules.js';
import { renderEmail, type RenderedEmail } from './templates.js';

/** One collecting digest per (recipient, category) at a time; a new one starts after it sends. */
export const digestWorkflowId = (recipientUserId: string, category: NotificationCategory) => `notify-digest:email:${recipientUserId}:${category}`;

/** The digest workflow's one signal: an event to list (signalWithStart: the first starts it). */
export const DIGEST_ADD_SIGNAL = 'digestAdd';

/** At most this many events are listed one by one; the rest are counted, with the console link. */
export const DIGEST_LIST_LIMIT = 50;

const TITLES: Record<NotificationCategory, string> = { orders: 'order updates', compliance: 'METRC alerts', pos: 'POS connection alerts', reports: 'scheduled reports' };
const PATHS: Record<NotificationCategory, string> = { orders: '/orders', compliance: '/compliance', pos: '/pos-connections', reports: '/reports' };
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderDigest(category: NotificationCategory, events: NotificationEvent[], total: number, publicUrl: string, unsubscribeUrl: string): RenderedEmail {
  const link = `${publicUrl.replace(/\/$/, '')}${PATHS[category]}`;
  const items = events.slice(0, DIGEST_LIST_LIMIT).map((e) => renderEmail(e, publicUrl).subject);
  const more = total - items.length;
  const subject = `${total} ${TITLES[category]} in Trellis`;
  const lines = [`${total} ${TITLES[category]} since the last message:`, ...items.map((i) => `- ${i}`), ...(more > 0 ? [`… and ${more} more.`] : [])];
  const text = [...lines, '', `See them all in Trellis: ${link}`, '', `Stop these emails: ${unsubscribeUrl}`].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>${escapeHtml(lines[0]!)}</p><ul>`,
    ...items.map((i) => `<li>${escapeHtml(i)}</li>`),
    '</ul>',
    ...(more > 0 ? [`<p>… and ${more} more.</p>`] : []),
    `<p><a href="${escapeHtml(link)}">See them all in Trellis</a></p>`,
    `<p style="color:#666;font-size:12px"><a href="${escapeHtml(unsubscribeUrl)}">Stop these emails</a></p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html, link };
}
