import type { TSchema } from '@sinclair/typebox';
import { loamOptions } from './schema.js';
import { shapeOf } from './shape.js';

/** The text that replaces a secret. */
export const REDACTED = '***';

/** Replaces the password (and any password-like query parameter) of a URL; the whole text if unparsable. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REDACTED;
  }
  if (url.password !== '') url.password = REDACTED;
  for (const key of [...url.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, REDACTED);
  }
  return url.toString();
}

/** A deep copy of `value` with every value the schema marks secret replaced. */
export function redact(schema: TSchema, value: unknown): unknown {
  const shape = shapeOf(schema);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const secret = shape.kind === 'leaf' ? loamOptions(schema).secret : undefined;
    if (secret === 'value') return REDACTED;
    if (secret === 'url') return typeof value === 'string' ? redactUrl(value) : REDACTED;
    return structuredClone(value);
  }
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) {
    let childSchema: TSchema | undefined;
    if (shape.kind === 'object') childSchema = shape.schema.properties[key];
    else if (shape.kind === 'record') childSchema = shape.values;
    else if (shape.kind === 'backend') childSchema = shape.branches.get(String(record['type']))?.properties[key];
    // A key the schema does not know cannot be classified, so it is treated as secret.
    out[key] = childSchema ? redact(childSchema, child) : REDACTED;
  }
  return out;
}
