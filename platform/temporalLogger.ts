import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from 'pino';

/** The SDK's own names for the ids every operator searches by, in the hub's log spelling. */
const RENAMED: Record<string, string> = { workflowId: 'workflow_id', runId: 'run_id', workflowRunId: 'run_id', activityId: 'activity_id', taskQueue: 'task_queue' };
/** An activity's task token completes it from outside: a capability, not for logs. */
const DROPPED = new Set(['taskToken']);

function fields(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (!DROPPED.has(k)) out[RENAMED[k] ?? k] = v;
  return out;
}

const LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Temporal's Runtime logger writing through pino: worker, workflow (via the SDK's sink) and
 * activity log lines land in the same JSON stream as the rest of the hub, with workflow_id and
 * run_id (and trace_id/span_id when tracing is on) and the same redaction of secrets.
 */
export class PinoTemporalLogger implements SdkLogger {
  constructor(private readonly pino: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.pino[LEVEL[level]](fields(meta), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
