/**
 * A mistake in the command line itself (a flag's value, a missing flag), found before anything is
 * sent: printed like the server's input errors, `Error [ValidationException]: …`.
 */
export class InputError extends Error {
  readonly code = 'ValidationException';
  override readonly name = 'InputError';
}

/**
 * The one parser for every whole-number flag: `wholeNumber('abc', '--instance-count')` throws
 * "--instance-count must be a whole number ≥ 1, got 'abc'". `min` defaults to 1; `max` is optional.
 */
export function wholeNumber(value: string, flag: string, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? 1;
  const n = Number(value);
  const ok = /^\s*[+-]?\d+\s*$/.test(value) && Number.isSafeInteger(n) && n >= min && (range.max === undefined || n <= range.max);
  if (!ok) {
    const bounds = range.max === undefined ? (Number.isFinite(min) ? ` ≥ ${min}` : '') : ` from ${min} to ${range.max}`;
    throw new InputError(`${flag} must be a whole number${bounds}, got '${value}'`);
  }
  return n;
}

/** Same for flags that take any number (a target metric value): "--target must be a number, got 'high'". */
export function decimal(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InputError(`${flag} must be a number, got '${value}'`);
  return n;
}

/** `wholeNumber` for an optional flag: undefined stays undefined. */
export function optionalWholeNumber(value: string | undefined, flag: string, range?: { min?: number; max?: number }): number | undefined {
  return value === undefined ? undefined : wholeNumber(value, flag, range);
}
