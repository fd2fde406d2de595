/**
 * A real worker process (worker/main.ts under tsx) for the tests that SIGKILL one mid-work and the
 * benches that measure a worker apart from their own process.
 * Resolves once it polls its task queues; rejects with the tail of its output if it exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { prebuildWorkflowBundle } from '../../worker/workers.js';

export async function spawnWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  // From the prebuilt bundle as deployed: bundling in the child took ~40 s on a busy machine.
  await prebuildWorkflowBundle();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' }, // the ready line is logged at info
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('worker polling task queues')) {
        out = '';
        resolve(proc);
      } else if (out.length > 100_000) out = out.slice(-10_000); // a long-lived worker's log is not kept
    });
    proc.stderr!.on('data', () => {});
    proc.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${out.slice(-2000)}`)));
  });
}
