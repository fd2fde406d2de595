import { describe, expect, it } from 'vitest';
import { TASK_QUEUE_NAMES, WORKER_PROCESSES, workerNodeOptions } from '../../../temporal.config.js';

describe('worker processes (temporal.config.ts)', () => {
  it('every task queue is polled by exactly one kind of worker process', () => {
    const polled = Object.values(WORKER_PROCESSES).flatMap((p) => p.queues);
    expect([...polled].sort()).toEqual([...TASK_QUEUE_NAMES].sort());
  });

  it('sync workers get small semi-spaces and a bounded heap on top of whatever NODE_OPTIONS already says (bench:pos-sync RSS)', () => {
    expect(workerNodeOptions('sync', '')).toMatch(/^--max-semi-space-size=\d+ --max-old-space-size=\d+$/);
    expect(workerNodeOptions('sync', '--enable-source-maps')).toMatch(/^--enable-source-maps --max-semi-space-size=\d+ --max-old-space-size=\d+$/);
    expect(workerNodeOptions('core', '--enable-source-maps')).toBe('--enable-source-maps');
  });

  it('reports run in processes of their own, with small semi-spaces and a bounded old space (bench:reports RSS)', () => {
    expect(WORKER_PROCESSES.reports.queues).toEqual(['reports']);
    expect(WORKER_PROCESSES.core.queues).not.toContain('reports');
    const flags = workerNodeOptions('reports', '');
    expect(flags).toMatch(/--max-semi-space-size=\d+/);
    expect(flags).toMatch(/--max-old-space-size=\d+/);
  });
});
