import type { Logger } from './logger.js';

/**
 * Logs a background loop's failed passes (a sync, an evaluation) that run again on the next tick: the first
 * failure of each error code since the last pass that worked as a warning with its error; the same code
 * again at debug level (during a database outage it comes every tick, also when two codes take turns);
 * and the first pass that works after them as info, with how many failed. Past 16 kinds in one outage
 * every failure is logged at debug level. A loop logged a warning, or an
 * error, per tick of an outage.
 */
const MAX_KINDS = 16;

export class LoopFailureLog {
  readonly #seen = new Set<string>();
  #failures = 0;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
  ) {}

  /** A pass failed with `err`; the loop tries again on its next tick. */
  failed(err: unknown): void {
    const why = err instanceof Error ? err.message : String(err);
    // One outage fails passes with several messages (a statement unanswered, no connection free); its code is the same.
    const kind = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : why;
    this.#failures++;
    // Kept small: errors without a code are told apart by message, which may differ every tick.
    if (this.#seen.has(kind) || this.#seen.size >= MAX_KINDS) {
      this.logger.debug({ failures: this.#failures, reason: why }, this.message);
      return;
    }
    this.#seen.add(kind);
    this.logger.warn({ err, retrying: 'every tick; the same failure again is logged at debug level' }, this.message);
  }

  /** A pass worked: logs the recovery if passes had failed. */
  succeeded(): void {
    if (this.#failures === 0) return;
    this.logger.info({ failures: this.#failures, after: this.message }, 'background loop works again');
    this.#failures = 0;
    this.#seen.clear();
  }
}
