/**
 * Temporal's OpenTelemetry interceptors, loaded only when tracing is on: the client's start and
 * signal spans carry the trace into workflow headers; our workflow interceptors (bundled with the
 * workflow code, see worker/workers.ts and workflows/interceptors/tracing.ts) continue it in the
 * sandbox and hand their spans out through a sink; activities pick it up from their headers. One
 * trace then runs from the HTTP request through the workflow and each activity attempt to the
 * outbound METRC call.
 */
import { fileURLToPath } from 'node:url';
import { trace, type SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInboundCallsInterceptor, ActivityOutboundCallsInterceptor, InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';

const ORDER_WORKFLOW = /^order:([0-9a-f-]{36})$/i;

/** The order an input or workflow id is about, for the trellis.order_id attribute. */
function orderIdOf(workflowId: string | undefined, args: readonly unknown[]): string | undefined {
  const first = args[0] as { orderId?: unknown } | undefined;
  if (first && typeof first === 'object' && typeof first.orderId === 'string') return first.orderId;
  return workflowId ? ORDER_WORKFLOW.exec(workflowId)?.[1] : undefined;
}

/** Names the order on the client span that starts or signals its workflow. */
const orderTagging: WorkflowClientInterceptor = {
  async start(input, next) {
    const orderId = orderIdOf(input.options.workflowId, input.options.args ?? []);
    if (orderId) trace.getActiveSpan()?.setAttribute('trellis.order_id', orderId);
    return next(input);
  },
};

export function clientInterceptors(): WorkflowClientInterceptor[] {
  // Ours after OpenTelemetry's: the active span is then the StartWorkflow span.
  return [new OpenTelemetryWorkflowClientInterceptor(), orderTagging];
}

/** The module the workflow bundle includes as its interceptor when tracing is on. */
export const workflowInterceptorModule = fileURLToPath(new URL('../../workflows/interceptors/tracing.ts', import.meta.url));

/**
 * The workflow's spans as the sandbox hands them out, lighter. The SDK's sink copies the whole
 * WorkflowInfo onto every workflow span as attributes (search attributes, memo, retry policy, build
 * id, start times, first/original run ids, history size, …): ~1.1 KiB a span, a third of what one
 * order's lifecycle exported (bench:span-census). Kept: what finds the run in Temporal, where the
 * rest is one click away.
 */
const INFO_KEPT = ['workflowId', 'runId', 'workflowType', 'taskQueue', 'attempt'] as const;

function lighterWorkflowExporter(processor: SpanProcessor, resource: Resource) {
  const sink = makeWorkflowExporter(processor, resource);
  const exportFn = sink.export.fn;
  return {
    export: {
      ...sink.export,
      fn: (info: WorkflowInfo, spans: Parameters<typeof exportFn>[1]) => {
        const kept: Partial<Record<(typeof INFO_KEPT)[number], unknown>> = {};
        for (const k of INFO_KEPT) kept[k] = info[k];
        exportFn(kept as WorkflowInfo, spans);
      },
    },
  };
}

export function workerTracing(processor: SpanProcessor, resource: Resource): {
  activityInterceptors: NonNullable<WorkerInterceptors['activity']>;
  sinks: InjectedSinks<Record<string, never>>;
} {
  return {
    activityInterceptors: [
      (ctx) => {
        const otel = new OpenTelemetryActivityInboundInterceptor(ctx);
        const otelOut = new OpenTelemetryActivityOutboundInterceptor(ctx);
        // The attempt's span, remembered so the SDK's own "Activity completed" line (written after
        // the span has ended) still names it.
        let attempt: SpanContext | undefined;
        const tagged: ActivityInboundCallsInterceptor = {
          execute: (input, next) =>
            otel.execute(input, (i) => {
              const span = trace.getActiveSpan();
              attempt = span?.spanContext();
              const orderId = orderIdOf(ctx.info.workflowExecution?.workflowId, i.args);
              if (span && orderId) span.setAttribute('trellis.order_id', orderId);
              if (span) span.setAttribute('temporalActivityType', ctx.info.activityType);
              return next(i);
            }),
        };
        const outbound: ActivityOutboundCallsInterceptor = {
          getLogAttributes: (input, next) => otelOut.getLogAttributes(attempt ? { trace_id: attempt.traceId, span_id: attempt.spanId, ...input } : input, next),
          getMetricTags: (input, next) => otelOut.getMetricTags(input, next),
        };
        return { inbound: tagged, outbound };
      },
    ],
    sinks: { exporter: lighterWorkflowExporter(processor, resource) } as unknown as InjectedSinks<Record<string, never>>,
  };
}
