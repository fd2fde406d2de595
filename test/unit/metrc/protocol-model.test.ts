/**
 * Model-checks the submission protocol (domain/metrc/model/submission.pml) with Spin: with the
 * settle window longer than METRC's processing limit no run ever has two live records and every
 * run ends succeeded or parked; without the window (and with a window only as long as the
 * limit) Spin finds the duplicate of issue 23 and prints its trace; if METRC commits later than
 * any window, the sweep (and only the sweep) brings every run back to one live record. Needs `spin` and a C
 * compiler (scripts/bootstrap.sh installs spin for `npm test` on Debian).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MODEL = fileURLToPath(new URL('../../../domain/metrc/model/submission.pml', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function spinAvailable(): boolean {
  try {
    execFileSync('spin', ['-V'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Generates, compiles and runs the verifier; returns pan's report and, on an error, the trail. */
function check(defines: string[] = []): { report: string; trail: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-spin-'));
  dirs.push(dir);
  copyFileSync(MODEL, join(dir, 'submission.pml'));
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  run('spin', [...defines, '-a', 'submission.pml']);
  run('cc', ['-O1', '-w', '-DSAFETY', '-o', 'pan', 'pan.c']);
  // pan exits 0 even when it finds errors; its report says how many.
  const report = run('./pan', ['-m100000']);
  const trail = /errors: [1-9]/.test(report) ? run('spin', [...defines, '-t', '-p', 'submission.pml']) : '';
  return { report, trail };
}

describe('the METRC submission protocol under Spin', () => {
  it('spin is installed (scripts/bootstrap.sh installs it for npm test)', () => {
    expect(spinAvailable(), 'spin is not on PATH: apt-get install -y spin (or run npm test, whose bootstrap does)').toBe(true);
  });

  it.runIf(spinAvailable())('with the settle window: never two live records, every run ends succeeded or parked', () => {
    const { report } = check();
    expect(report).toMatch(/errors: 0/);
    expect(report).not.toMatch(/pan:\d+: (assertion violated|invalid end state)/);
    // Not vacuous: every statement of the hub (adopt, re-send, park, refuse, time out) is reached.
    expect(report).toMatch(/unreached in proctype Hub\s+\(0 of \d+ states\)/);
    expect(report).toMatch(/unreached in proctype Metrc\s+\(0 of \d+ states\)/);
  });

  it.runIf(spinAvailable())('without the settle window Spin finds the duplicate: timeout, empty check, re-send, late commit', () => {
    const { report, trail } = check(['-DWINDOW=0']);
    expect(report).toMatch(/assertion violated \(live<=1\)/);
    // The trace: the hub's check found nothing (found = (live>0) with live 0), it sent again,
    // and two writes were committed.
    expect(trail).toMatch(/found = \(live>0\)/);
    expect(trail.match(/\[nsent = \(nsent\+1\)\]/g)!.length).toBeGreaterThanOrEqual(2);
    expect(trail.match(/\[live = \(live\+1\)\]/g)).toHaveLength(2);
  });

  it.runIf(spinAvailable())('if METRC commits later than any window, the sweep brings every run back to one live record', () => {
    const late = check(['-DLATE_COMMIT']).report;
    expect(late).toMatch(/errors: 0/);
    expect(late).toMatch(/unreached in proctype Sweep\s+\(0 of \d+ states\)/);
    // ...and nothing else does.
    expect(check(['-DLATE_COMMIT', '-DNO_SWEEP']).report).toMatch(/assertion violated \(live<=1\)/);
  });

  it.runIf(spinAvailable())('a window only as long as METRC’s processing limit is not enough', () => {
    expect(check(['-DWINDOW=2']).report).toMatch(/assertion violated \(live<=1\)/);
  });
});
