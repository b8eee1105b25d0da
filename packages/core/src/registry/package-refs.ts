import type { RequestContext } from '../kernel/context.js';
import { echo } from '../kernel/echo.js';
import { NotFoundError, ValidationError } from '../kernel/errors.js';
import { parseArn, type Partition } from '../kernel/names.js';
import type { UserContextValue } from './registry.collections.js';

/** A model package named by ARN, by `<group>/<version>`, or by its unversioned name. */
export interface PackageRef {
  /** The collection key: `<group lower-cased>/<version>` or the lower-cased name. */
  readonly key: string;
  /** As given, for messages. */
  readonly given: string;
}

function fromArn(value: string, kind: string, partition: Partition, what: string, field: string): string {
  const a = parseArn(value);
  if (!a || a.service !== 'sagemaker' || a.kind !== kind) {
    throw new ValidationError(`'${echo(value)}' at '${field}' is not a ${what} ARN (…:${kind}/…).`, [{ path: `/${field}`, message: `must be a ${kind} ARN or name` }]);
  }
  // An ARN of another account or region names nothing here.
  if (a.accountId !== partition.accountId || (a.region !== '' && a.region !== partition.region)) throw new NotFoundError(what, value);
  return a.name;
}

/** The group key from a name or a `model-package-group` ARN. */
export function groupKeyOf(value: string, partition: Partition, field = 'ModelPackageGroupName'): string {
  const name = value.startsWith('arn:') ? fromArn(value, 'model-package-group', partition, 'Model package group', field) : value;
  return name.toLowerCase();
}

/** Parses `name`, `group/3`, or a `model-package` ARN of either form. */
export function packageRefOf(value: string, partition: Partition, field = 'ModelPackageName'): PackageRef {
  const name = value.startsWith('arn:') ? fromArn(value, 'model-package', partition, 'Model package', field) : value;
  // A version is written without leading zeros (`group/01` would name version 1 past a policy on `group/1`).
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}(\/[1-9][0-9]{0,8})?$/.test(name)) {
    throw new ValidationError(`'${echo(value)}' at '${field}' is not a model package name, '<group>/<version>', or a model package ARN.`, [{ path: `/${field}`, message: 'invalid model package name' }]);
  }
  const [head, version] = name.split('/') as [string, string | undefined];
  return { key: version === undefined ? head.toLowerCase() : `${head.toLowerCase()}/${Number(version)}`, given: value };
}

/** SageMaker's UserContext for the caller. */
export function userContextOf(ctx: RequestContext): UserContextValue {
  return { UserProfileName: ctx.principal.userName, IamIdentity: { Arn: ctx.principal.arn, PrincipalId: ctx.principal.userId } };
}
