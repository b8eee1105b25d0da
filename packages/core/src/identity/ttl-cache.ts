import type { Clock } from '../kernel/clock.js';

/**
 * A small time-bounded cache for what every request asks the identity store: a token's principal, a
 * user's policies, an access key's secret. Entries die after `ttlMs` or when the service's generation
 * moves on (any change to users, keys, tokens or policies made through this process). Another server's
 * change is seen within `ttlMs`. Failures are never cached.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number; generation: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, generation: number, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now && hit.generation === generation) return hit.value;
    const value = await load();
    if (this.ttlMs > 0 && value !== undefined) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, { value, expires: now + this.ttlMs, generation });
    }
    return value;
  }
}
