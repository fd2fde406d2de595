/**
 * Builds Temporal visibility queries from the console's filters. Pure so it can be tested
 * without a server; every value is quoted and stripped of quote characters, so a filter can
 * never widen the query it is part of.
 */
import { SEARCH_ATTRIBUTES, type SearchAttributeName } from '../../temporal.config.js';

export const WORKFLOW_STATUSES = ['running', 'retrying', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out', 'continued_as_new'] as const;
export type WorkflowStatusFilter = (typeof WORKFLOW_STATUSES)[number];

/** Visibility's ExecutionStatus names; `retrying` is running plus a describe() check. */
const EXECUTION_STATUS: Record<Exclude<WorkflowStatusFilter, 'retrying'>, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  continued_as_new: 'ContinuedAsNew',
};

export interface WorkflowFilters {
  type?: string;
  status?: WorkflowStatusFilter;
  task_queue?: string;
  /** Exact workflow id or a prefix ending in `*`. */
  workflow_id?: string;
  /** `Name=value` pairs for the custom search attributes of temporal.config.ts. */
  attributes?: Array<{ name: SearchAttributeName; value: string }>;
}

const quote = (v: string) => `'${v.replace(/['"\\]/g, '')}'`;

export function isSearchAttribute(name: string): name is SearchAttributeName {
  return Object.hasOwn(SEARCH_ATTRIBUTES, name);
}

/** Parses `OrderStatus=accepted` style filters; unknown names are refused by the caller. */
export function parseAttribute(raw: string): { name: string; value: string } | undefined {
  const i = raw.indexOf('=');
  if (i <= 0 || i === raw.length - 1) return undefined;
  return { name: raw.slice(0, i).trim(), value: raw.slice(i + 1).trim() };
}

export function visibilityQuery(f: WorkflowFilters): string {
  const parts: string[] = [];
  if (f.type) parts.push(`WorkflowType = ${quote(f.type)}`);
  if (f.status) parts.push(`ExecutionStatus = ${quote(f.status === 'retrying' ? 'Running' : EXECUTION_STATUS[f.status])}`);
  if (f.task_queue) parts.push(`TaskQueue = ${quote(f.task_queue)}`);
  if (f.workflow_id) {
    parts.push(
      f.workflow_id.endsWith('*')
        ? `WorkflowId STARTS_WITH ${quote(f.workflow_id.slice(0, -1))}`
        : `WorkflowId = ${quote(f.workflow_id)}`,
    );
  }
  for (const a of f.attributes ?? []) parts.push(`${a.name} = ${quote(a.value)}`);
  return parts.join(' AND ');
}

/** Maps the SDK's status names (RUNNING, TIMED_OUT, …) onto the API's lower-case ones. */
export function statusName(sdk: string | undefined): string {
  switch (sdk) {
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    case 'CONTINUED_AS_NEW':
      return 'continued_as_new';
    default:
      return 'unknown';
  }
}
