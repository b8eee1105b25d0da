import { MlInputError } from '../errors.js';

/**
 * Reads a built-in algorithm's hyperparameters from SageMaker's `HyperParameters` map, where every
 * value is a string. Each accessor validates one name and records problems instead of throwing, so
 * {@link done} reports every bad or unknown hyperparameter in one error, each by name, with the
 * value received and what is valid. Names starting with `_` (e.g. `_tuning_objective_metric`, which
 * automatic model tuning adds) are reserved by SageMaker and ignored.
 */
export class HyperparameterReader {
  private readonly seen = new Set<string>();
  private readonly problems: string[] = [];
  private readonly names: string[] = [];

  constructor(
    private readonly algorithm: string,
    private readonly raw: Readonly<Record<string, string>>,
  ) {
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== 'string') this.problems.push(`'${k}' must be a string (SageMaker passes every hyperparameter as a string); got ${typeof v}`);
    }
  }

  /** Whether `name` was given (after trimming; an empty string counts as absent). */
  has(name: string): boolean {
    const v = this.raw[name];
    return typeof v === 'string' && v.trim() !== '';
  }

  private take(name: string): string | undefined {
    this.seen.add(name);
    this.names.push(name);
    const v = this.raw[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  }

  private bad(name: string, value: string, valid: string): void {
    this.problems.push(`'${name}' must be ${valid}; got '${value}'`);
  }

  /** A required hyperparameter: records a problem when absent and returns the placeholder. */
  require(name: string, why = ''): void {
    if (!this.has(name)) this.problems.push(`'${name}' is required${why ? ` ${why}` : ''}`);
  }

  /** The raw (trimmed) text of a hyperparameter the caller validates itself, or undefined when absent. */
  text(name: string): string | undefined {
    return this.take(name);
  }

  /** An integer within `[min, max]`. */
  int(name: string, def: number, min?: number, max?: number): number {
    const s = this.take(name);
    if (s === undefined) return def;
    const v = Number(s);
    if (!Number.isInteger(v) || (min !== undefined && v < min) || (max !== undefined && v > max)) {
      this.bad(name, s, `an integer ${range(min, max)}`);
      return def;
    }
    return v;
  }

  /** A finite number within `[min, max]`; `exclusiveMin` makes the lower bound strict. */
  float(name: string, def: number, min?: number, max?: number, exclusiveMin = false): number {
    const s = this.take(name);
    if (s === undefined) return def;
    const v = Number(s);
    if (!Number.isFinite(v) || (min !== undefined && (exclusiveMin ? v <= min : v < min)) || (max !== undefined && v > max)) {
      this.bad(name, s, `a number ${exclusiveMin ? `greater than ${min}` : range(min, max)}${exclusiveMin && max !== undefined ? ` and at most ${max}` : ''}`);
      return def;
    }
    return v;
  }

  /** A number or the word `auto` (returned as `'auto'`). */
  floatOrAuto(name: string, min?: number, max?: number, exclusiveMin = false): number | 'auto' {
    if (this.raw[name]?.trim().toLowerCase() === 'auto') {
      this.take(name);
      return 'auto';
    }
    const v = this.float(name, Number.NaN, min, max, exclusiveMin);
    return Number.isNaN(v) ? 'auto' : v;
  }

  /** An integer or `auto`. */
  intOrAuto(name: string, min?: number, max?: number): number | 'auto' {
    if (this.raw[name]?.trim().toLowerCase() === 'auto') {
      this.take(name);
      return 'auto';
    }
    const v = this.int(name, Number.NaN, min, max);
    return Number.isNaN(v) ? 'auto' : v;
  }

  /** `true` or `false` (any case). */
  bool(name: string, def: boolean): boolean {
    const s = this.take(name);
    if (s === undefined) return def;
    const l = s.toLowerCase();
    if (l === 'true' || l === 'false') return l === 'true';
    this.bad(name, s, "'true' or 'false'");
    return def;
  }

  /** One of `values` (exact match after trimming, case-insensitive). */
  choice<T extends string>(name: string, values: readonly T[], def: T): T {
    const s = this.take(name);
    if (s === undefined) return def;
    const hit = values.find((v) => v.toLowerCase() === s.toLowerCase());
    if (hit === undefined) {
      this.bad(name, s, `one of ${values.map((v) => `'${v}'`).join(', ')}`);
      return def;
    }
    return hit;
  }

  /** Records a problem found by a cross-field check. */
  invalid(name: string, message: string): void {
    this.problems.push(`'${name}' ${message}`);
  }

  /**
   * Throws one {@link MlInputError} listing every problem and every unknown name (an unknown name is
   * usually a typo, which would otherwise be silently ignored).
   */
  done(): void {
    const unknown = Object.keys(this.raw).filter((k) => !this.seen.has(k) && !k.startsWith('_'));
    if (unknown.length > 0) {
      this.problems.push(`unknown hyperparameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (valid: ${[...new Set(this.names)].sort().join(', ')})`);
    }
    if (this.problems.length > 0) {
      const first = /'([^']+)'/.exec(this.problems[0] as string)?.[1] ?? '';
      throw new MlInputError(`Invalid ${this.algorithm} hyperparameters: ${this.problems.join('; ')}.`, { hyperparameter: unknown.length > 0 && this.problems.length === 1 ? (unknown[0] as string) : first });
    }
  }
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}
