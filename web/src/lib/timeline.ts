/**
 * One timeline from two sources: business events of the order (who did what, why) and the
 * workflow's own steps (activities scheduled, failed, retried). Newest first.
 */
import type { TimelineEntry } from './services/types.js';

export interface TimelineItem {
  key: string;
  at: string;
  source: 'order' | 'workflow';
  title: string;
  who: string;
  detail: string | null;
}

interface WorkflowEvent {
  event_id: number;
  event_type: string;
  time: string | null;
  detail: string | null;
}

/** Workflow events worth showing to people; the rest is Temporal bookkeeping. */
const SHOWN = /^(WORKFLOW_EXECUTION_(STARTED|COMPLETED|FAILED|CANCELED|TERMINATED|TIMED_OUT|SIGNALED|UPDATE_ACCEPTED|UPDATE_COMPLETED)|ACTIVITY_TASK_(SCHEDULED|FAILED|TIMED_OUT|COMPLETED)|TIMER_(STARTED|FIRED)|START_CHILD_WORKFLOW_EXECUTION_INITIATED|CHILD_WORKFLOW_EXECUTION_(COMPLETED|FAILED))$/;

const words = (s: string) => s.toLowerCase().replace(/_/g, ' ');

function actorName(e: TimelineEntry): string {
  if (e.actor_label) return e.actor_label;
  if (typeof e.actor === 'string') return e.actor;
  return e.actor?.label ?? e.actor?.role ?? e.actor?.kind ?? 'system';
}

export function mergeTimeline(order: TimelineEntry[], workflow: WorkflowEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  order.forEach((e, i) => {
    const at = e.occurred_at ?? e.at;
    if (!at) return;
    const title = e.to_status ? `${e.from_status ? `${e.from_status} → ` : ''}${e.to_status}` : words(e.type ?? 'event');
    items.push({ key: `o-${e.id ?? e.seq ?? i}`, at, source: 'order', title, who: actorName(e), detail: e.reason ?? null });
  });
  for (const w of workflow) {
    if (!w.time || !SHOWN.test(w.event_type)) continue;
    items.push({ key: `w-${w.event_id}`, at: w.time, source: 'workflow', title: words(w.event_type), who: 'workflow', detail: w.detail });
  }
  return items.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.source === 'order' ? -1 : 1));
}
