/**
 * WORKER_MEMORY_LOG_MS=<ms>: the worker logs where its memory is at each start-up phase and then
 * every <ms> (bench:reports turns it on to attribute the worker's RSS). Off by default: reading
 * /proc and V8's space statistics is cheap but nobody needs the lines in production.
 *
 * process.memoryUsage() and the V8 statistics describe the main thread's isolate only; the
 * workflow threads' isolates (one per Temporal Worker, i.e. per task queue, with reuseV8Context),
 * the Rust core and malloc arenas show up in RSS alone. `threads` counts the OS threads, so a
 * phase that adds a workflow thread is visible.
 */
import { readdirSync } from 'node:fs';
import v8 from 'node:v8';
import type { Logger } from 'pino';

const MB = 1024 * 1024;
const mb = (n: number) => Math.round((n / MB) * 10) / 10;

export function memorySnapshot(): Record<string, unknown> {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ''), `${mb(s.space_used_size)}/${mb(s.space_size)}`]),
  );
  let threads: number | undefined;
  try {
    threads = readdirSync('/proc/self/task').length;
  } catch {
    threads = undefined;
  }
  return { rssMb: mb(m.rss), heapTotalMb: mb(m.heapTotal), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers), spacesUsedOfSizeMb: spaces, threads };
}

export interface MemoryLog {
  /** Logs (or keeps until attach) the memory at a named start-up phase, and starts the ticks. */
  phase(name: string): void;
  /** The logger to use from now on; phases recorded before it are logged now. */
  attach(log: Logger): void;
  stop(): void;
}

/** A no-op unless WORKER_MEMORY_LOG_MS is a positive number. */
export function memoryLog(env: NodeJS.ProcessEnv = process.env): MemoryLog {
  const every = Number(env.WORKER_MEMORY_LOG_MS ?? 0);
  if (!(every > 0)) return { phase: () => {}, attach: () => {}, stop: () => {} };
  let log: Logger | undefined;
  // Phases before the platform (and so the logger's configuration) is in place wait for attach.
  const early: Array<{ memory: Record<string, unknown>; phase: string }> = [];
  const emit = (phase: string) => {
    const line = { memory: memorySnapshot(), phase };
    if (log) log.info(line, 'worker memory');
    else early.push(line);
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    phase(name) {
      emit(name);
      if (!timer) {
        timer = setInterval(() => emit('tick'), every);
        timer.unref();
      }
    },
    attach(l) {
      log = l;
      for (const line of early.splice(0)) l.info(line, 'worker memory');
    },
    stop: () => clearInterval(timer),
  };
}
