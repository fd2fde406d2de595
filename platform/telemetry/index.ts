/**
 * Telemetry of this process, installed once by the composition root (platform/composition.ts) or,
 * earlier, by preload.ts. When tracing is off nothing of OpenTelemetry is imported; the handle
 * then adds no interceptors and no sinks.
 */
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import { setLogMixin } from '../logger.js';
import { serviceName, tracingRequested, type Env } from './settings.js';

export interface Telemetry {
  readonly tracing: boolean;
  /** For every Temporal client of this process (workflow start and signal spans). */
  readonly clientInterceptors: WorkflowClientInterceptor[];
  /** For every Worker of this process. */
  readonly worker: {
    activityInterceptors: NonNullable<WorkerInterceptors['activity']>;
    sinks: InjectedSinks<Record<string, never>>;
    /** Bundled with the workflow code (worker/workers.ts). */
    workflowInterceptorModules: string[];
  };
  shutdown(): Promise<void>;
}

const OFF: Telemetry = {
  tracing: false,
  clientInterceptors: [],
  worker: { activityInterceptors: [], sinks: {}, workflowInterceptorModules: [] },
  shutdown: async () => {},
};

type RouteNamer = (method: string, route: string) => void;
const NO_NAMER: RouteNamer = () => {};
let activeRouteNamer: () => RouteNamer = () => NO_NAMER;

/**
 * Taken when a request starts (its span is the active one then), called when the route is known:
 * names the HTTP server span `POST /api/v1/orders` with http.route (no Express instrumentation
 * for Express 5 on this OpenTelemetry line). A no-op with tracing off.
 */
export function requestSpanNamer(): RouteNamer {
  return activeRouteNamer();
}

let installed: Promise<Telemetry> | undefined;
let current: Telemetry = OFF;

export interface InstallOptions {
  /** The process: api, worker, … (service.name is trellis-<process> unless OTEL_SERVICE_NAME says). */
  process: string;
  env?: Env;
  /** Tracing on with this processor (tests: an in-memory exporter; benches: an in-process collector). */
  spanProcessor?: SpanProcessor;
}

/** Installs tracing once per process when the environment asks for it (or a processor is given). */
export function installTelemetry(opts: InstallOptions): Promise<Telemetry> {
  installed ??= (async () => {
    if (!opts.spanProcessor && !tracingRequested(opts.env)) return OFF;
    const [{ startTracing, activeTraceFields, routeNamer }, temporal] = await Promise.all([import('./tracing.js'), import('./temporal.js')]);
    const { sdk, processor, resource } = startTracing(serviceName(opts.process, opts.env), opts.spanProcessor);
    setLogMixin(activeTraceFields);
    activeRouteNamer = routeNamer;
    const worker = temporal.workerTracing(processor, resource);
    current = {
      tracing: true,
      clientInterceptors: temporal.clientInterceptors(),
      worker: { ...worker, workflowInterceptorModules: [temporal.workflowInterceptorModule] },
      shutdown: async () => {
        await processor.forceFlush().catch(() => undefined);
        await sdk.shutdown();
      },
    };
    return current;
  })();
  return installed;
}

/** The installed telemetry, or the no-op one when none was installed (yet). */
export function telemetry(): Telemetry {
  return current;
}
