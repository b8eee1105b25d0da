import { Type, type TSchema } from '@sinclair/typebox';

/** Epoch seconds with fractions, as the AWS JSON protocol carries timestamps. */
export const Timestamp = Type.Number({ description: 'Epoch seconds (fractional), as AWS timestamps travel in JSON.' });

export const NextToken = Type.String({ maxLength: 8192, description: 'Opaque token from a previous page.' });
export const MaxResults = Type.Integer({ minimum: 1, maximum: 100, description: 'Page size, 1–100.' });
export const SortOrder = Type.Union([Type.Literal('Ascending'), Type.Literal('Descending')]);

/** SageMaker's common resource-name rule. */
export const ResourceName = Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$' });

export const Arn = Type.String({ minLength: 1, maxLength: 2048, pattern: '^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$' });

// SageMaker's character rule for tags (`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`) needs Unicode property
// escapes, which JSON Schema validators compile without the `u` flag; core's tag rules enforce it.
const tagChars = 'Letters, digits, spaces and _ . : / = + - @ (Unicode letters and digits included).';
export const Tag = Type.Object(
  {
    Key: Type.String({ minLength: 1, maxLength: 128, description: tagChars }),
    Value: Type.String({ maxLength: 256, description: tagChars }),
  },
  { additionalProperties: false },
);
export const TagList = Type.Array(Tag, { maxItems: 50 });

/** An object schema that rejects unknown members, as every input does. */
export function Input<P extends Record<string, TSchema>>(properties: P, description?: string) {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}

/** Output objects: SageMaker adds members over time, so clients must tolerate extras. */
export function Output<P extends Record<string, TSchema>>(properties: P) {
  return Type.Object(properties);
}

export const Empty = Type.Object({}, { additionalProperties: false });

/**
 * What a map's keys must be, as SageMaker documents them ("Key Length Constraints", "Key Pattern").
 * Lengths count characters (code points), as SageMaker does.
 */
export interface MapKeyRule {
  readonly minLength?: number;
  readonly maxLength: number;
  /** An anchored pattern (`^…$`) the whole key must match; no Unicode property escapes (validators compile without the `u` flag). */
  readonly pattern?: string;
}

/**
 * One character: a surrogate pair counts once, so a pattern's length agrees with mapKeyProblem's. The alternatives
 * exclude each other (a lone high surrogate is one character too): overlapping ones would backtrack exponentially.
 */
const oneChar = '(?:[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|[^\\uD800-\\uDBFF])';

/**
 * The one way to declare a string-keyed map with SageMaker's limits. A JSON Schema map (TypeBox Record) checks its
 * keys only through a key pattern, so the key's length is folded into that pattern (a lookahead) and every other key
 * is refused (additionalProperties: false). The rule also travels as `x-loam-key` for the validator to say in words
 * what is wrong with a key, and as `propertyNames` for OpenAPI readers.
 */
export function StringMap<V extends TSchema>(key: MapKeyRule, value: V, options: { minEntries?: number; maxEntries?: number; description?: string } = {}) {
  const min = key.minLength ?? 0;
  const body = key.pattern ? key.pattern.replace(/^\^/, '').replace(/\$$/, '') : '[\\s\\S]*';
  const keyPattern = `^(?=${oneChar}{${min},${key.maxLength}}$)(?:${body})$`;
  const propertyNames = { ...(min > 0 ? { minLength: min } : {}), maxLength: key.maxLength, ...(key.pattern ? { pattern: key.pattern } : {}) };
  return Type.Record(Type.String({ pattern: keyPattern }), value, {
    ...(options.minEntries !== undefined ? { minProperties: options.minEntries } : {}),
    ...(options.maxEntries !== undefined ? { maxProperties: options.maxEntries } : {}),
    ...(options.description ? { description: options.description } : {}),
    additionalProperties: false,
    propertyNames,
    'x-loam-key': key,
  });
}

/** What is wrong with a map key under its rule, in words (undefined when nothing is). Shared by the validator and services that check maps themselves. */
export function mapKeyProblem(key: string, rule: MapKeyRule): string | undefined {
  const length = [...key].length;
  const min = rule.minLength ?? 0;
  if (length < min || length > rule.maxLength) return `key must be ${min} to ${rule.maxLength} characters long (it is ${length})`;
  if (rule.pattern && !new RegExp(rule.pattern).test(key)) return `key must satisfy regular expression pattern: ${rule.pattern}`;
  return undefined;
}

/** A map's key rule, when the schema was made by StringMap. */
export function mapKeyRuleOf(schema: unknown): MapKeyRule | undefined {
  const rule = (schema as { 'x-loam-key'?: unknown } | null | undefined)?.['x-loam-key'];
  return rule && typeof rule === 'object' && typeof (rule as MapKeyRule).maxLength === 'number' ? (rule as MapKeyRule) : undefined;
}
