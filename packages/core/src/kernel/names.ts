import { sageMakerArnName } from '@loam/contracts';
import { echo } from './echo.js';
import { ValidationError } from './errors.js';

/** SageMaker's name rule for most resources: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`. */
export const sagemakerNamePattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Throws a ValidationError naming `field` unless `value` follows SageMaker's name rule. */
export function assertResourceName(field: string, value: string, pattern = sagemakerNamePattern, maxLength = 63): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !pattern.test(value)) {
    throw new ValidationError(
      `Value '${echo(value)}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source.replace(/^\^|\$$/g, '')} and have length 1 to ${maxLength}.`,
      [{ path: `/${field}`, message: `must match ${pattern.source} and have length 1 to ${maxLength}` }],
    );
  }
  return value;
}

/** Where a resource lives: region and account, from config. */
export interface Partition {
  readonly region: string;
  readonly accountId: string;
}

/**
 * `arn:loam:sagemaker:<region>:<account>:<kind>/<name>` — SageMaker's ARN shape in Loam's partition.
 * Kinds are SageMaker's lower-case, hyphenated resource types (`training-job`, `endpoint`, …); the name's
 * ASCII letters are lower-cased (`sageMakerArnName`: names unique in ASCII case get distinct ARNs).
 */
export function resourceArn(p: Partition, kind: string, name: string, service = 'sagemaker'): string {
  const lowered = service === 'sagemaker' ? sageMakerArnName(name) : name;
  return `arn:loam:${service}:${service === 'iam' ? '' : p.region}:${p.accountId}:${kind}/${lowered}`;
}

export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly kind: string;
  readonly name: string;
}

/** Parses an ARN (`arn:<partition>:<service>:<region>:<account>:<kind>/<name>`), or returns undefined. */
export function parseArn(arn: string): ParsedArn | undefined {
  const m = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):([a-z0-9-]+)\/(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, partition, service, region, accountId, kind, name] = m as unknown as [string, string, string, string, string, string, string];
  return { partition, service, region, accountId, kind, name };
}
