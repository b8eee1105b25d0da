import type { FieldError } from '@loam/contracts';
import { echo } from '../kernel/echo.js';
import { LimitExceededError, ValidationError } from '../kernel/errors.js';
import type { Tag } from '../ports/metadata-store.js';

/** SageMaker's limit of tags on one resource. */
export const maxTagsPerResource = 50;

/** SageMaker's TagKey / TagValue rule: letters, separators, digits and `_ . : / = + - @`. */
const tagChars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** What a caller of the tag rules may write beyond the public API's keys. */
export interface TagRuleOptions {
  /**
   * Lets keys starting `mlflow.` through. Only Loam's MLflow transport sets this, for the tags it keeps
   * on the resources it maps (a registered model's name and aliases, MLflow's own system tags); no
   * SageMaker operation passes it, so the public API cannot write them.
   */
  readonly allowMlflowKeys?: boolean;
}

/**
 * Checks tags as SageMaker does: key 1–128 characters, value 0–256, both from the allowed set; no key
 * twice; no key starting `aws:` in any case, which AWS keeps for itself; and no key starting `mlflow.`
 * in any case, which Loam's MLflow registry keeps (its registered-model name and aliases live in group
 * tags, so setting them through AddTags would make another group answer to a model's name).
 *
 * @param field the input field, for error paths (`Tags`).
 * @throws ValidationError listing every bad tag at once.
 */
export function validateTags(tags: readonly Tag[], field = 'Tags', options: TagRuleOptions = {}): void {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    const at = `/${field}/${i}`;
    if (typeof t?.Key !== 'string' || t.Key.length < 1 || t.Key.length > 128 || !tagChars.test(t.Key)) {
      errors.push({ path: `${at}/Key`, message: `Value '${shown(t?.Key)}' must be 1 to 128 letters, digits, spaces or _.:/=+-@.` });
    } else if (reservedBy(t.Key, options)) {
      errors.push({ path: `${at}/Key`, message: reservedMessage(t.Key) });
    } else if (seen.has(t.Key)) {
      errors.push({ path: `${at}/Key`, message: `Tag key '${t.Key}' is given more than once.` });
    } else {
      seen.add(t.Key);
    }
    if (typeof t?.Value !== 'string' || t.Value.length > 256 || !tagChars.test(t.Value)) {
      errors.push({ path: `${at}/Value`, message: `Value '${shown(t?.Value)}' must be at most 256 letters, digits, spaces or _.:/=+-@.` });
    }
  });
  if (tags.length > maxTagsPerResource) {
    throw new LimitExceededError(`${field} holds ${tags.length} tags; a resource can have at most ${maxTagsPerResource}.`);
  }
  if (errors.length > 0) {
    throw new ValidationError(`${errors.length === 1 ? '1 validation error' : `${errors.length} validation errors`} detected: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
}

/** Keys validated for deletion: the same reserved-prefix rules apply. */
export function validateTagKeys(keys: readonly string[], field = 'TagKeys', options: TagRuleOptions = {}): void {
  const errors: FieldError[] = [];
  keys.forEach((k, i) => {
    if (typeof k !== 'string' || k.length < 1 || k.length > 128 || !tagChars.test(k)) {
      errors.push({ path: `/${field}/${i}`, message: `Value '${shown(k)}' must be 1 to 128 letters, digits, spaces or _.:/=+-@.` });
    } else if (reservedBy(k, options)) {
      errors.push({ path: `/${field}/${i}`, message: reservedMessage(k) });
    }
  });
  if (errors.length > 0) {
    throw new ValidationError(`${errors.length === 1 ? '1 validation error' : `${errors.length} validation errors`} detected: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
}

/** A refused key or value as a message echoes it: cut as every message cuts a caller's value (never whole when huge). */
const shown = (value: unknown): string => echo(value);

const isAwsKey = (key: string) => key.slice(0, 4).toLowerCase() === 'aws:';
const isMlflowKey = (key: string) => key.slice(0, 7).toLowerCase() === 'mlflow.';

/**
 * Whether a stored key counts toward {@link maxTagsPerResource}: keys the public API may not write (`aws:`, and
 * `mlflow.`, which hold a registered model's name and aliases) do not, as AWS does not count its `aws:` tags.
 */
export const countsTowardTagLimit = (key: string): boolean => !reservedBy(key, {});

function reservedBy(key: string, options: TagRuleOptions): boolean {
  return isAwsKey(key) || (isMlflowKey(key) && !options.allowMlflowKeys);
}

function reservedMessage(key: string): string {
  return isAwsKey(key)
    ? `Tag key '${key}' starts with 'aws:', which is reserved for AWS.`
    : `Tag key '${key}' starts with 'mlflow.', which is reserved for Loam's MLflow registry; set MLflow tags and aliases through the MLflow API.`;
}
