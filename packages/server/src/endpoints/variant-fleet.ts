import type { ServingContainer } from '@loam/core';
import type { ServingInstance } from './serving-instance.js';

/** A request waiting for a free instance slot. */
interface Waiter {
  resolve(i: ServingInstance): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The instances of one production variant in one deployment (blue or green). Picks the healthy
 * instance with the fewest requests in flight below its concurrency limit; when every one is busy,
 * requests wait in a bounded queue (back-pressure) and get the next slot freed.
 */
export class VariantFleet {
  readonly instances: ServingInstance[] = [];
  private readonly waiters: Waiter[] = [];
  /** Instances wanted (DesiredInstanceCount). */
  desiredCount: number;
  /**
   * Since when this server has served the variant (by name): alarms count an idle period as 0 invocations only
   * from then. A blue/green update's fleet takes the time of the fleet it replaces under the same name: the
   * variant's metrics and alarms are the variant's, whichever deployment answers (ADR 0011).
   */
  servingSinceMs = Date.now();

  constructor(
    readonly variantName: string,
    readonly modelName: string,
    readonly container: ServingContainer,
    public weight: number,
    desiredCount: number,
    /** Its instances run in a network of their own (EnableNetworkIsolation, for a model running its own code). */
    readonly networkIsolation = false,
    /** Longest wait queue, per healthy instance. */
    private readonly queuePerInstance = 64,
  ) {
    this.desiredCount = desiredCount;
  }

  healthyCount(): number {
    let n = 0;
    for (const i of this.instances) if (i.state === 'healthy') n++;
    return n;
  }

  /** A healthy instance with a free slot, taking the slot; undefined when none. Never one that has not passed /ping. */
  tryAcquire(exclude?: ServingInstance): ServingInstance | undefined {
    let best: ServingInstance | undefined;
    for (const i of this.instances) {
      if (i.state !== 'healthy' || i === exclude || i.inflight >= i.maxConcurrency) continue;
      if (!best || i.inflight < best.inflight) best = i;
    }
    if (best) best.inflight++;
    return best;
  }

  /**
   * A slot, waiting up to `waitMs` when all are busy or no instance is healthy yet (one is being
   * replaced). Rejects at once with `full` when the queue is at its bound.
   */
  acquire(waitMs: number, full: () => Error, timedOut: () => Error, exclude?: ServingInstance): Promise<ServingInstance> | ServingInstance {
    const got = this.tryAcquire(exclude);
    if (got) return got;
    const bound = this.queuePerInstance * Math.max(1, this.healthyCount());
    if (this.waiters.length >= bound) throw full();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        resolve, reject,
        timer: setTimeout(() => {
          const k = this.waiters.indexOf(w);
          if (k >= 0) this.waiters.splice(k, 1);
          reject(timedOut());
        }, waitMs),
      };
      this.waiters.push(w);
    });
  }

  /** Gives the slot back and hands it to the oldest waiter, if any. */
  release(i: ServingInstance): void {
    i.inflight--;
    this.pump();
  }

  /** Serves waiters from free slots (after a release, or when an instance becomes healthy). */
  pump(): void {
    while (this.waiters.length > 0) {
      const i = this.tryAcquire();
      if (!i) return;
      const w = this.waiters.shift() as Waiter;
      clearTimeout(w.timer);
      w.resolve(i);
    }
  }

  inflight(): number {
    let n = 0;
    for (const i of this.instances) n += i.inflight;
    return n + this.waiters.length;
  }

  /** Fails every waiter (the fleet is going away). */
  rejectWaiters(e: () => Error): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(e());
    }
  }
}

/** The fleets of one endpoint config: what blue or green is. */
export class Generation {
  readonly fleets = new Map<string, VariantFleet>();
  constructor(readonly configName: string) {}

  totalWeight(): number {
    let w = 0;
    for (const f of this.fleets.values()) w += f.weight;
    return w;
  }

  /** A variant by weight (`r` in [0, 1)); a zero total weight spreads evenly. */
  pick(r: number): VariantFleet | undefined {
    const total = this.totalWeight();
    if (this.fleets.size === 1) return this.fleets.values().next().value;
    let x = r * (total > 0 ? total : this.fleets.size);
    let last: VariantFleet | undefined;
    for (const f of this.fleets.values()) {
      last = f;
      x -= total > 0 ? f.weight : 1;
      if (x < 0) return f;
    }
    return last;
  }

  instances(): ServingInstance[] {
    return [...this.fleets.values()].flatMap((f) => f.instances);
  }
}
