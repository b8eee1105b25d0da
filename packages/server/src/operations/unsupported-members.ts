import type { Operation } from '@loam/contracts';
import { ValidationError } from '@loam/core';

/**
 * Members SageMaker's API documents that Loam knowingly does not implement, per operation, with the
 * reason given to the caller. Without this table they would be refused as any unknown name is ("is not a
 * member of …'s input"), which reads like a typo in the request rather than a feature Loam lacks.
 * A member the operation's input schema declares is never refused here (implementing it retires its row).
 */
export const unsupportedMembers: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  CreateEndpointConfig: {
    AsyncInferenceConfig: 'asynchronous inference endpoints are not implemented',
    ExplainerConfig: 'online explainability (SageMaker Clarify explainers) is not implemented',
    ShadowProductionVariants: 'shadow variants (shadow testing) are not implemented',
  },
  CreateModelPackage: {
    ValidationSpecification: 'model package validation jobs are not implemented',
    SourceAlgorithmSpecification: 'algorithm resources are not implemented; give the package an InferenceSpecification',
  },
};

/** Refuses a request that names a member in `unsupportedMembers`: a 400 ValidationException naming it and why. */
export function refuseUnsupportedMembers(op: Operation, input: unknown): void {
  const table = unsupportedMembers[op.name];
  if (!table || input === null || typeof input !== 'object' || Array.isArray(input)) return;
  const declared = (op.input as { properties?: Record<string, unknown> }).properties ?? {};
  const named = Object.keys(table).filter((m) => Object.hasOwn(input, m) && (input as Record<string, unknown>)[m] !== undefined && !Object.hasOwn(declared, m));
  if (named.length === 0) return;
  const why = named.map((m) => `${m} is not supported by Loam: ${table[m] as string}`);
  throw new ValidationError(`${why.join('; ')}.`, named.map((m, i) => ({ path: `/${m}`, message: why[i] as string })));
}
