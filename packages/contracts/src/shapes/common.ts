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
