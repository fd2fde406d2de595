/**
 * Email templates: a subject, a plain-text body and an HTML body per event, from the named facts
 * only, with a deep link into the console. Every fact is escaped in the HTML.
 */
import type { NotificationEvent, NotificationEventType, NotificationFacts } from './events.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  link: string;
}

interface Template {
  subject(f: NotificationFacts): string;
  lines(f: NotificationFacts): string[];
  /** Console path the message links to. */
  path(f: NotificationFacts): string;
}

const v = (s: string | undefined, fallback = '—') => (s && s.trim() ? s.trim().slice(0, 500) : fallback);
/** An ISO instant as people read it in an email ("2026-12-06 10:00 UTC"); anything else as given. */
const when = (iso: string | undefined) => {
  const m = iso ? /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso) : null;
  return m ? `${m[1]} ${m[2]} UTC` : v(iso);
};
const orderPath = (f: NotificationFacts) => `/orders/${encodeURIComponent(v(f.orderId, ''))}`;

const TEMPLATES: Record<NotificationEventType, Template> = {
  'order.submitted': {
    subject: (f) => `New order ${v(f.orderNumber)} from ${v(f.retailerName, 'a retailer')}`,
    lines: (f) => [`${v(f.retailerName, 'A retailer')} placed order ${v(f.orderNumber)} with ${v(f.wholesalerName, 'you')}.`, `Accept or reject it before ${f.deadline ? when(f.deadline) : 'its deadline'}.`],
    path: orderPath,
  },
  'order.accepted': {
    subject: (f) => `Order ${v(f.orderNumber)} was accepted`,
    lines: (f) => [`${v(f.wholesalerName, 'The wholesaler')} accepted your order ${v(f.orderNumber)}.`],
    path: orderPath,
  },
  'order.rejected': {
    subject: (f) => `Order ${v(f.orderNumber)} was rejected`,
    lines: (f) => [`${v(f.wholesalerName, 'The wholesaler')} rejected your order ${v(f.orderNumber)}.`, `Reason: ${v(f.reason, 'none given')}`],
    path: orderPath,
  },
  'order.shipped': {
    subject: (f) => `Order ${v(f.orderNumber)} has shipped`,
    lines: (f) => [`${v(f.wholesalerName, 'The wholesaler')} shipped your order ${v(f.orderNumber)}.`],
    path: orderPath,
  },
  'order.reminder': {
    subject: (f) => `Reminder: order ${v(f.orderNumber)} waits for your answer`,
    lines: (f) => [`Order ${v(f.orderNumber)} from ${v(f.retailerName, 'a retailer')} is still waiting to be accepted or rejected.`, `It expires at ${when(f.deadline)}.`],
    path: orderPath,
  },
  'metrc.dead_lettered': {
    subject: (f) => `METRC submission failed (${v(f.submissionKind, 'submission')}, ${v(f.license)})`,
    lines: (f) => [`A METRC ${v(f.submissionKind, 'submission')} for licence ${v(f.license)} ran out of retries and waits for compliance staff.`, `Error: ${v(f.error)}`],
    path: () => '/compliance',
  },
  'metrc.parked': {
    subject: (f) => `METRC refuses the key of licence ${v(f.license)}`,
    lines: (f) => [`METRC refused the user key of licence ${v(f.license)}; its submissions are parked until a working key is stored.`, `Error: ${v(f.error)}`],
    path: () => '/compliance',
  },
  'pos.credentials_failed': {
    subject: (f) => `POS connection lost its credentials (${v(f.vendor)}, ${v(f.entityName)})`,
    lines: (f) => [`The ${v(f.vendor)} connection of ${v(f.entityName)} was refused by the POS with its stored credentials; syncs stop until they are updated.`],
    path: () => '/pos-connections',
  },
  'report.ready': {
    subject: (f) => `Scheduled report ready: ${v(f.reportName, 'report')}`,
    lines: (f) => [
      `The scheduled report "${v(f.reportName, 'report')}" has been written.`,
      f.attachment ? `The file is attached (${v(f.attachment)}); the link works until ${when(f.expiresAt)}.` : `Download it before ${when(f.expiresAt)}.`,
    ],
    path: (f) => `/reports/${encodeURIComponent(v(f.reportId, ''))}`,
  },
};

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** `unsubscribeUrl`: the recipient's one-click link turning this event's category off by email (every email carries one). */
export function renderEmail(event: Pick<NotificationEvent, 'type' | 'facts'>, publicUrl: string, unsubscribeUrl?: string): RenderedEmail {
  const t = TEMPLATES[event.type];
  const link = `${publicUrl.replace(/\/$/, '')}${t.path(event.facts)}`;
  const subject = t.subject(event.facts).replace(/[\r\n]+/g, ' ');
  const lines = t.lines(event.facts);
  const why = 'You receive this because of your role in Trellis.';
  const text = [...lines, '', `Open in Trellis: ${link}`, '', why, ...(unsubscribeUrl ? [`Stop these emails: ${unsubscribeUrl}`] : [])].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    ...lines.map((l) => `<p>${escapeHtml(l)}</p>`),
    `<p><a href="${escapeHtml(link)}">Open in Trellis</a></p>`,
    `<p style="color:#666;font-size:12px">${why}${unsubscribeUrl ? ` <a href="${escapeHtml(unsubscribeUrl)}">Stop these emails</a>` : ''}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html, link };
}
