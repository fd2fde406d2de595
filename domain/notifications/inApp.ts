/**
 * What the console's bell shows for an event (issue 16): the email's subject as the title, its
 * lines as the body, and a console path (not a URL: the console is wherever the user is signed in).
 * A failed METRC submission links to the submission itself, since that is what the reader acts on.
 */
import type { NotificationEvent } from './events.js';
import { renderEmail } from './templates.js';

export interface InAppMessage {
  title: string;
  body: string;
  link: string;
}

export function renderInApp(event: Pick<NotificationEvent, 'type' | 'facts'>): InAppMessage {
  const mail = renderEmail(event, '');
  const body = mail.text.split('\n\n')[0] ?? '';
  const link =
    event.type === 'metrc.dead_lettered' && event.facts.submissionId ? `/compliance/${encodeURIComponent(event.facts.submissionId)}` : mail.link || '/';
  return { title: mail.subject, body, link };
}
