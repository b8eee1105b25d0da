/**
 * A request the model cannot serve, with the HTTP status a SageMaker container answers: 400 (bad
 * payload), 406 (unsupported Accept), 413 (too large), 415 (unsupported Content-Type). The message
 * names the problem (row, column, content type) and is safe to return to the caller.
 */
export class InferenceInputError extends Error {
  override readonly name = 'InferenceInputError';
  constructor(
    readonly status: 400 | 406 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}
