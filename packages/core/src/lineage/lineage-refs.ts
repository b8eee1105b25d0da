import { echo } from '../kernel/echo.js';
import { NotFoundError, ValidationError } from '../kernel/errors.js';
import { parseArn, resourceArn, type Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { lineageArtifactsCollection, type LineageArtifactRecord } from './lineage.collections.js';
import { artifactArn } from './lineage-recorder.js';

/** Whether a lineage reference is a location (`s3://…`) rather than an ARN. */
export function isLocation(ref: string): boolean {
  return /^[a-z0-9]+:\/\//.test(ref);
}

/**
 * The ARN lineage records an entity under: a location becomes its artifact's ARN; a SageMaker ARN
 * becomes Loam's form (partition `loam`, this region, the name lower-cased — SageMaker's names are
 * case-insensitive), so `arn:aws:sagemaker:…:model-package/Group/1` names the vertex the registry
 * recorded. @throws ValidationError for anything else that is not an ARN, or another account's ARN.
 */
export function entityArn(partition: Partition, ref: string, field: string): string {
  if (isLocation(ref)) return artifactArn(partition, ref);
  const arn = parseArn(ref);
  if (!arn) throw new ValidationError(`'${ref}' at '${field}' is neither an ARN nor an s3:// location.`, [{ path: `/${field}`, message: 'must be an ARN or s3:// URI' }]);
  if (arn.service !== 'sagemaker') return ref;
  if (arn.accountId !== partition.accountId) {
    throw new ValidationError(`'${ref}' at '${field}' names account '${arn.accountId}'; this server's account is ${partition.accountId}.`, [{ path: `/${field}`, message: 'another account' }]);
  }
  return resourceArn(partition, arn.kind, arn.name);
}

/**
 * The longest location lineage keeps, in UTF-8 bytes: its artifact's URI is indexed, and a PostgreSQL
 * B-tree entry holds about 2.7 KB (a longer one failed the insert there with a database error). SageMaker's
 * 2048 characters, when each is one byte.
 */
export const maxLocationBytes = 2048;

/** @throws ValidationError naming `field` for a location over {@link maxLocationBytes} bytes. */
export function checkLocationSize(uri: string, field: string): void {
  const bytes = new TextEncoder().encode(uri).length;
  if (bytes > maxLocationBytes) {
    throw new ValidationError(`The location at '${field}' ('${echo(uri, 40)}') is ${bytes} bytes in UTF-8; a location is at most ${maxLocationBytes}.`, [{ path: `/${field.replace(/\./g, '/')}`, message: `at most ${maxLocationBytes} bytes` }]);
  }
}

/** An artifact ARN in Loam's form. @throws ValidationError when `ref` is not a SageMaker artifact ARN of this account. */
export function artifactArnOf(partition: Partition, ref: string, field: string): string {
  const arn = parseArn(ref);
  if (!arn || arn.service !== 'sagemaker' || arn.kind !== 'artifact') {
    throw new ValidationError(`'${ref}' at '${field}' is not an artifact ARN (arn:<partition>:sagemaker:<region>:<account>:artifact/<id>).`, [{ path: `/${field}`, message: 'must be an artifact ARN' }]);
  }
  return entityArn(partition, ref, field);
}

/** The artifact record of an ARN. @throws NotFoundError naming `given`. */
export async function requireArtifact(store: MetadataStore, arn: string, given: string): Promise<{ value: LineageArtifactRecord; version: number }> {
  const hit = await store.collection(lineageArtifactsCollection).get(arn);
  if (!hit) throw new NotFoundError('Artifact', given);
  return hit;
}
