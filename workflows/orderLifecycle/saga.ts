/**
 * The order's compensations as one stack, in the saga pattern: each step that holds something
 * pushes how to give it back; a cancel or an expiry undoes them newest first. A later step that
 * settles what an earlier one held (shipping the reserved stock) drops its compensation.
 */
export interface Compensation {
  name: string;
  run: () => Promise<unknown>;
}

export class Saga {
  private readonly stack: Compensation[] = [];

  push(name: string, run: () => Promise<unknown>): void {
    this.stack.push({ name, run });
  }

  /** Forgets a compensation whose hold a later step has settled. */
  drop(name: string): void {
    const i = this.stack.findIndex((c) => c.name === name);
    if (i >= 0) this.stack.splice(i, 1);
  }

  /** Runs every compensation, newest first; `onStep` hears of each before it runs. */
  async unwind(onStep: (name: string) => void): Promise<void> {
    while (this.stack.length) {
      const c = this.stack.pop()!;
      onStep(c.name);
      await c.run();
    }
  }
}

export const RELEASE_STOCK = 'release stock';
