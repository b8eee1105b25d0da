/**
 * Bad input to an algorithm: a ragged row, a non-numeric cell, a NaN label, an out-of-range
 * hyperparameter, a malformed record. The message names the place (row, column, hyperparameter or
 * record) so a user can fix it; `ml` knows nothing of HTTP, and the platform maps this error to a 4xx
 * (or to a job's `FailureReason`).
 */
export class MlInputError extends Error {
  override readonly name = 'MlInputError';
  constructor(
    message: string,
    /** Where the problem is, for programmatic use: e.g. `{ hyperparameter: 'eta' }` or `{ row: 12, column: 3 }`. */
    readonly where: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
  }
}

/** Throws an {@link MlInputError} naming `name` unless `value` lies in `[min, max]` (either bound optional). */
export function checkRange(name: string, value: number, min?: number, max?: number): number {
  if (!Number.isFinite(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) {
    const range = `${min ?? '-∞'} to ${max ?? '∞'}`;
    throw new MlInputError(`Hyperparameter '${name}' must be a number from ${range}; got '${value}'.`, { hyperparameter: name });
  }
  return value;
}
