import type { FieldError } from '@loam/contracts';
import { LimitExceededError, ValidationError } from '../kernel/errors.js';
import type { Tag } from '../ports/metadata-store.js';

/** SageMaker's limit of tags on one resource. */
export const maxTagsPerResource = 50;

/** SageMaker's TagKey / TagValue rule: letters, separators, digits and `_ . : / = + - @`. */
const tagChars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Checks tags as SageMaker does: key 1–128 characters, value 0–256, both from the allowed set; no key
 * twice; no key starting `aws:` in any case, which AWS keeps for itself.
 *
 * @param field the input field, for error paths (`Tags`).
 * @throws ValidationError listing every bad tag at once.
 */
export function validateTags(tags: readonly Tag[], field = 'Tags'): void {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    const at = `/${field}/${i}`;
    if (typeof t?.Key !== 'string' || t.Key.length < 1 || t.Key.length > 128 || !tagChars.test(t.Key)) {
      errors.push({ path: `${at}/Key`, message: `Value '${String(t?.Key)}' must be 1 to 128 letters, digits, spaces or _.:/=+-@.` });
    } else if (isReservedKey(t.Key)) {
      errors.push({ path: `${at}/Key`, message: `Tag key '${t.Key}' starts with 'aws:', which is reserved for AWS.` });
    } else if (seen.has(t.Key)) {
      errors.push({ path: `${at}/Key`, message: `Tag key '${t.Key}' is given more than once.` });
    } else {
      seen.add(t.Key);
    }
    if (typeof t?.Value !== 'string' || t.Value.length > 256 || !tagChars.test(t.Value)) {
      errors.push({ path: `${at}/Value`, message: `Value '${String(t?.Value)}' must be at most 256 letters, digits, spaces or _.:/=+-@.` });
    }
  });
  if (tags.length > maxTagsPerResource) {
    throw new LimitExceededError(`${field} holds ${tags.length} tags; a resource can have at most ${maxTagsPerResource}.`);
  }
  if (errors.length > 0) {
    throw new ValidationError(`${errors.length === 1 ? '1 validation error' : `${errors.length} validation errors`} detected: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
}

/** Keys validated for deletion: the same reserved-prefix rule applies. */
export function validateTagKeys(keys: readonly string[], field = 'TagKeys'): void {
  const errors: FieldError[] = [];
  keys.forEach((k, i) => {
    if (typeof k !== 'string' || k.length < 1 || k.length > 128 || !tagChars.test(k)) {
      errors.push({ path: `/${field}/${i}`, message: `Value '${String(k)}' must be 1 to 128 letters, digits, spaces or _.:/=+-@.` });
    } else if (isReservedKey(k)) {
      errors.push({ path: `/${field}/${i}`, message: `Tag key '${k}' starts with 'aws:', which is reserved for AWS.` });
    }
  });
  if (errors.length > 0) {
    throw new ValidationError(`${errors.length === 1 ? '1 validation error' : `${errors.length} validation errors`} detected: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
}

function isReservedKey(key: string): boolean {
  return key.slice(0, 4).toLowerCase() === 'aws:';
}
