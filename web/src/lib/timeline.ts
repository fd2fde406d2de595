/**
 * One timeline in business words from two sources: the order's own events (who did what, why)
 * and, for staff, the steps of its process. Temporal's vocabulary (timers, tasks, executions)
 * stays on the workflows page: here a step is named for what it does to the order. Newest first.
 */

/** What mergeTimeline reads of an order event: the spec's OrderEvent, or older spellings (actor as text, `at`). */
export interface TimelineEntry {
  id?: string;
  seq?: number;
  type?: string;
  from_status?: string | null;
  to_status?: string | null;
  actor?: { kind?: string; id?: string; role?: string; label?: string | null } | string | null;
  actor_label?: string | null;
  reason?: string | null;
  occurred_at?: string;
  at?: string;
  detail?: unknown;
}

export interface TimelineItem {
  key: string;
  at: string;
  source: 'order' | 'workflow';
  title: string;
  /** The raw status move ("submitted → accepted") under the sentence, for people who know it. */
  move: string | null;
  who: string;
  detail: string | null;
}

interface WorkflowEvent {
  event_id: number;
  event_type: string;
  time: string | null;
  detail: string | null;
}

const STATUS_WORDS: Record<string, string> = {
  submitted: 'Order placed',
  accepted: 'Accepted by the seller',
  rejected: 'Rejected by the seller',
  expired: 'Expired without an answer',
  fulfilled: 'Packed and ready to ship',
  shipped: 'Shipped',
  delivered: 'Delivered',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

const METRC_WORDS: Record<string, string> = {
  none: 'METRC transfer not started',
  pending: 'METRC transfer being prepared',
  template_created: 'METRC transfer template created',
  awaiting_manifest: 'Waiting for the METRC manifest',
  manifest_matched: 'METRC manifest found',
  failed: 'METRC transfer failed',
  overridden: 'Shipped under a compliance override',
};

/** Steps of the order process in the words of the trade; unknown ones get their name spelled out. */
const STEP_WORDS: Record<string, string> = {
  recordOrderEvent: 'Recorded on the order',
  releaseStock: 'Reserved stock released',
  reserveStock: 'Stock reserved',
  notifyOrderReminder: 'Reminder sent to the seller',
  metrcTransfer: 'METRC transfer',
};
const SIGNAL_WORDS: Record<string, string> = {
  metrcStatus: 'METRC reported progress',
  checkManifest: 'Asked METRC for the manifest',
  manifestOverridden: 'Manifest requirement overridden',
  stop: 'Process asked to stop',
};

const spell = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ').toLowerCase();
const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function actorName(e: TimelineEntry): string {
  if (e.actor_label) return e.actor_label;
  if (typeof e.actor === 'string') return e.actor;
  return e.actor?.label ?? e.actor?.role ?? e.actor?.kind ?? 'system';
}

function orderTitle(e: TimelineEntry): string {
  if (e.type === 'reminder_sent') return 'Reminder sent to the seller';
  if (e.type === 'metrc_status') {
    const state = (e.detail as { state?: string; metrc_state?: string } | null)?.state ?? (e.detail as { metrc_state?: string } | null)?.metrc_state;
    return (state && METRC_WORDS[state]) ?? 'METRC transfer updated';
  }
  if (e.to_status) return STATUS_WORDS[e.to_status] ?? sentence(spell(e.to_status));
  return sentence(spell(e.type ?? 'event'));
}

/** A process step worth a line, in business words; null for Temporal bookkeeping. */
export function stepTitle(w: WorkflowEvent): { title: string; detail: string | null } | null {
  const name = (w.detail ?? '').split(':')[0]!.trim();
  const rest = w.detail && w.detail.includes(':') ? w.detail.slice(w.detail.indexOf(':') + 1).trim() : null;
  switch (w.event_type) {
    case 'WORKFLOW_EXECUTION_STARTED':
      return { title: 'Order process started', detail: null };
    case 'WORKFLOW_EXECUTION_COMPLETED':
      return { title: 'Order process finished', detail: null };
    case 'WORKFLOW_EXECUTION_FAILED':
    case 'WORKFLOW_EXECUTION_TERMINATED':
    case 'WORKFLOW_EXECUTION_TIMED_OUT':
      return { title: 'Order process stopped', detail: w.detail };
    case 'WORKFLOW_EXECUTION_CANCELED':
      return { title: 'Order process cancelled', detail: w.detail };
    case 'WORKFLOW_EXECUTION_SIGNALED':
      return { title: SIGNAL_WORDS[name] ?? `Message received: ${spell(name || 'signal')}`, detail: null };
    case 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED':
      return { title: 'Request accepted by the order process', detail: w.detail };
    case 'ACTIVITY_TASK_SCHEDULED':
      return name ? { title: STEP_WORDS[name] ?? sentence(spell(name)), detail: null } : null;
    case 'ACTIVITY_TASK_FAILED':
    case 'ACTIVITY_TASK_TIMED_OUT':
      return { title: `${name ? (STEP_WORDS[name] ?? sentence(spell(name))) : 'A step'} did not go through; retrying`, detail: rest ?? w.detail };
    case 'START_CHILD_WORKFLOW_EXECUTION_INITIATED':
      return { title: 'METRC transfer started', detail: null };
    case 'CHILD_WORKFLOW_EXECUTION_COMPLETED':
      return { title: 'METRC transfer finished', detail: null };
    case 'CHILD_WORKFLOW_EXECUTION_FAILED':
      return { title: 'METRC transfer failed', detail: w.detail };
    default:
      return null; // timers, task scheduling and completions are how, not what
  }
}

export function mergeTimeline(order: TimelineEntry[], workflow: WorkflowEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  order.forEach((e, i) => {
    const at = e.occurred_at ?? e.at;
    if (!at) return;
    const move = e.to_status ? `${e.from_status ? `${e.from_status} → ` : ''}${e.to_status}` : null;
    items.push({ key: `o-${e.id ?? e.seq ?? i}`, at, source: 'order', title: orderTitle(e), move, who: actorName(e), detail: e.reason ?? null });
  });
  for (const w of workflow) {
    if (!w.time) continue;
    const step = stepTitle(w);
    if (!step) continue;
    items.push({ key: `w-${w.event_id}`, at: w.time, source: 'workflow', title: step.title, move: null, who: 'order process', detail: step.detail });
  }
  return items.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.source === 'order' ? -1 : 1));
}
