/**
 * Workflow spans without OpenTelemetry in the sandbox: bundled as the workflow interceptor module
 * when tracing is on (platform/telemetry/temporal.ts), in place of the SDK's own
 * (@temporalio/interceptors-opentelemetry/lib/workflow-interceptors).
 *
 * Why not the SDK's: it keeps the active span in an AsyncLocalStorage inside the sandbox, which
 * turns on promise hooks for every promise of every workflow on the worker thread, and runs the
 * OpenTelemetry SDK's module set-up in each new workflow. On bench:order-lifecycle that was about
 * half of what tracing cost (CPU profile of the workflow thread: async_hooks `_propagate` 36 ms →
 * 3.6 s and its GC, for 200 orders). Here a span is a plain record handed out through the same
 * sink; the host side (makeWorkflowExporter) turns it into a ReadableSpan as before, and the trace
 * header is the SDK's own (`_tracer-data`, W3C traceparent), so client and activity interceptors
 * on the host continue it unchanged.
 *
 * Without an async context of our own, the parent of an outbound call is chosen by rule: inside an
 * update handler (the SDK's own update scope, `currentUpdateInfo()`), that update's span, even while
 * other updates wait on orderLifecycle's `exclusive`; elsewhere the innermost signal handler still
 * running, else the run itself. Signals have no such scope: while a signal handler waits (e.g. on
 * `exclusive`), work of the run or of another signal shares its trace.
 *
 * Span ids come from named random streams (`getRandomStream`), not Math.random: the workflow's own
 * random sequence (uuid4) is then the same with tracing on or off, and a rejected validation (run
 * only when the update arrives, never on replay) draws from a stream of its own, so ids after it are
 * the same on replay.
 *
 * Spans, as the SDK names them: RunWorkflow, HandleUpdate, HandleSignal, StartActivity,
 * StartChildWorkflow, SignalWorkflow, ContinueAsNew; a ValidateUpdate span only when the validator
 * rejects. Left out: a StartActivity span for local activities (the activity's own RunActivity
 * span, in this same worker, follows at once) and queries (reads, no side effects).
 */
import {
  ApplicationFailure,
  ContinueAsNew,
  currentUpdateInfo,
  defaultPayloadConverter,
  getRandomStream,
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type LocalActivityInput,
  type Next,
  type Sinks,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
  type WorkflowRandomStream,
} from '@temporalio/workflow';
import type { Headers } from '@temporalio/common';

/** The SDK's header, so the host's activity and client interceptors read and write the same. */
export const TRACE_HEADER = '_tracer-data';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

interface TraceParent {
  traceId: string;
  spanId: string;
  /** 1 = sampled (W3C trace-flags). */
  traceFlags: number;
}

/** A finished span in the shape the host's makeWorkflowExporter turns into a ReadableSpan. */
export interface WorkflowSpanRecord {
  name: string;
  kind: 0;
  spanContext: { traceId: string; spanId: string; traceFlags: number; isRemote?: boolean };
  parentSpanId?: string;
  startTime: [number, number];
  endTime: [number, number];
  duration: [number, number];
  status: { code: 0 | 1 | 2; message?: string };
  attributes: Record<string, string | number | boolean>;
  links: [];
  events: { name: string; time: [number, number]; attributes: Record<string, string> }[];
  ended: true;
  droppedAttributesCount: 0;
  droppedEventsCount: 0;
  droppedLinksCount: 0;
  instrumentationLibrary: { name: string };
}

export interface TracingSinks extends Sinks {
  exporter: { export(spans: WorkflowSpanRecord[]): void };
}

export function parseTraceParent(value: unknown): TraceParent | undefined {
  const m = typeof value === 'string' ? TRACEPARENT.exec(value) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16) };
}

function parentFrom(headers: Headers): TraceParent | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  try {
    return parseTraceParent(defaultPayloadConverter.fromPayload<{ traceparent?: unknown }>(payload)?.traceparent);
  } catch {
    return undefined; // a header we cannot read starts a new trace rather than failing the workflow
  }
}

function withParent(headers: Headers, ctx: TraceParent): Headers {
  const traceparent = `00-${ctx.traceId}-${ctx.spanId}-0${ctx.traceFlags & 1}`;
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload({ traceparent }) };
}

/** Named streams are seeded per run like Math.random: ids are the same on replay, where nothing is exported. */
function hexId(chars: number, ids: WorkflowRandomStream): string {
  let s = '';
  while (s.length < chars) s += Math.floor(ids.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, chars);
}

const hrTime = (ms: number): [number, number] => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

class OpenSpan {
  readonly ctx: TraceParent;
  private readonly started = Date.now();
  readonly attributes: Record<string, string | number | boolean> = {};

  constructor(
    readonly name: string,
    private readonly parent: TraceParent | undefined,
    ids: WorkflowRandomStream,
  ) {
    this.ctx = { traceId: parent?.traceId ?? hexId(32, ids), spanId: hexId(16, ids), traceFlags: parent ? parent.traceFlags : 1 };
  }

  /** Hands the finished span to the host unless its trace is not sampled. */
  end(exporter: TracingSinks['exporter'], failure?: unknown): void {
    if (!(this.ctx.traceFlags & 1)) return;
    const ended = Date.now();
    const events: WorkflowSpanRecord['events'] = [];
    let status: WorkflowSpanRecord['status'] = { code: 1 };
    if (failure !== undefined) {
      const message = failure instanceof Error ? failure.message : String(failure);
      // A benign failure (an expected outcome, e.g. a refused transition) leaves the status unset, as the SDK does.
      const benign = failure instanceof ApplicationFailure && failure.category === 'BENIGN';
      status = benign ? { code: 0 } : { code: 2, message };
      if (!benign)
        events.push({ name: 'exception', time: hrTime(ended), attributes: { 'exception.type': failure instanceof Error ? failure.name : typeof failure, 'exception.message': message } });
    }
    exporter.export([
      {
        name: this.name,
        kind: 0,
        spanContext: { traceId: this.ctx.traceId, spanId: this.ctx.spanId, traceFlags: this.ctx.traceFlags },
        ...(this.parent ? { parentSpanId: this.parent.spanId } : {}),
        startTime: hrTime(this.started),
        endTime: hrTime(ended),
        duration: hrTime(ended - this.started),
        status,
        attributes: this.attributes,
        links: [],
        events,
        ended: true,
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
        instrumentationLibrary: { name: '@temporalio/interceptor-workflow' },
      },
    ]);
  }
}

/** One workflow run's spans: the run, the handlers still running, and what they start. */
class RunTracer {
  private readonly exporter = proxySinks<TracingSinks>().exporter;
  /** The spans' ids, apart from the workflow's Math.random (see the top of this file). */
  private readonly ids = getRandomStream('trellis.tracing');
  /** Rejected validations' ids: validators run when an update arrives, never on replay. */
  private readonly validationIds = getRandomStream('trellis.tracing.validation');
  private run: OpenSpan | undefined;
  /** Update handlers still running, by update id. */
  private readonly updates = new Map<string, OpenSpan>();
  /** Signal handlers still running, oldest first. */
  private readonly signals: OpenSpan[] = [];

  /** Where an outbound call belongs: the update whose handler makes it, else the innermost signal handler still running, else the run. */
  current(): TraceParent | undefined {
    const update = currentUpdateInfo();
    return ((update && this.updates.get(update.id)) ?? this.signals.at(-1) ?? this.run)?.ctx;
  }

  async inbound<T>(
    name: string,
    headers: Headers,
    fn: (span: OpenSpan) => Promise<T>,
    opts: { isRun?: boolean; updateId?: string; accept?: (err: unknown) => boolean } = {},
  ): Promise<T> {
    const span = new OpenSpan(name, parentFrom(headers), this.ids);
    if (opts.isRun) this.run = span;
    else if (opts.updateId !== undefined) this.updates.set(opts.updateId, span);
    else this.signals.push(span);
    try {
      return await this.settle(span, () => fn(span), opts.accept);
    } finally {
      if (opts.updateId !== undefined) this.updates.delete(opts.updateId);
      else if (!opts.isRun) this.signals.splice(this.signals.indexOf(span), 1);
    }
  }

  /** A span for a call whose result arrives later (an activity, a child start, a signal); its context goes in the headers. */
  async outbound<T>(name: string, headers: Headers, call: (headers: Headers) => Promise<T>, accept?: (err: unknown) => boolean): Promise<T> {
    const span = new OpenSpan(name, this.current(), this.ids);
    return this.settle(span, () => call(withParent(headers, span.ctx)), accept);
  }

  /** Runs `work` and ends `span` when it settles: a failure `accept` allows ends it as a success. */
  private async settle<T>(span: OpenSpan, work: () => Promise<T>, accept?: (err: unknown) => boolean): Promise<T> {
    try {
      const result = await work();
      span.end(this.exporter);
      return result;
    } catch (err) {
      span.end(this.exporter, accept?.(err) ? undefined : err);
      throw err;
    }
  }

  /** The current context in the headers, with no span of its own. */
  propagate(headers: Headers): Headers {
    const ctx = this.current();
    return ctx ? withParent(headers, ctx) : headers;
  }

  validationFailed(name: string, headers: Headers, updateId: string, err: unknown): void {
    const span = new OpenSpan(name, parentFrom(headers), this.validationIds);
    span.attributes.temporalUpdateId = updateId;
    span.end(this.exporter, err);
  }
}

const isContinueAsNew = (err: unknown) => err instanceof ContinueAsNew;

export const interceptors: WorkflowInterceptorsFactory = () => {
  const tracer = new RunTracer();
  const inbound: WorkflowInboundCallsInterceptor = {
    execute: (input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) =>
      tracer.inbound(`RunWorkflow:${workflowInfo().workflowType}`, input.headers, () => next(input), { isRun: true, accept: isContinueAsNew }),
    handleSignal: (input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) =>
      tracer.inbound(`HandleSignal:${input.signalName}`, input.headers, () => next(input)),
    handleUpdate: (input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) =>
      tracer.inbound(
        `HandleUpdate:${input.name}`,
        input.headers,
        (span) => {
          span.attributes.temporalUpdateId = input.updateId;
          return next(input);
        },
        { updateId: input.updateId },
      ),
    validateUpdate: (input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>) => {
      try {
        next(input);
      } catch (err) {
        tracer.validationFailed(`ValidateUpdate:${input.name}`, input.headers, input.updateId, err);
        throw err;
      }
    },
  };
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) =>
      tracer.outbound(`StartActivity:${input.activityType}`, input.headers, (headers) => next({ ...input, headers })),
    scheduleLocalActivity: (input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>) =>
      next({ ...input, headers: tracer.propagate(input.headers) }),
    startChildWorkflowExecution: (input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>) =>
      tracer.outbound(`StartChildWorkflow:${input.workflowType}`, input.headers, (headers) => next({ ...input, headers })),
    signalWorkflow: (input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>) =>
      tracer.outbound(`SignalWorkflow:${input.signalName}`, input.headers, (headers) => next({ ...input, headers })),
    continueAsNew: (input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>) =>
      tracer.outbound(`ContinueAsNew:${input.options.workflowType}`, input.headers, (headers) => next({ ...input, headers }), isContinueAsNew),
    getLogAttributes: (input, next) => {
      const ctx = tracer.current();
      return next(ctx && ctx.traceFlags & 1 ? { trace_id: ctx.traceId, span_id: ctx.spanId, ...input } : input);
    },
  };
  return { inbound: [inbound], outbound: [outbound] };
};
