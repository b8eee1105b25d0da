import { pathParams, type Operation } from '@loam/contracts';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** A number as a query string writes it: decimal, with an optional fraction and exponent (no hex, no `Infinity`). */
const DECIMAL = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const numeric = (s: TSchema | undefined): boolean => s?.['type'] === 'integer' || s?.['type'] === 'number';

/** The query value as the number it writes, or the string unchanged for validation to name. */
const asNumber = (v: unknown): unknown => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v);

/**
 * Query values meant as numbers, read exactly. TypeBox's Convert reads an integer member with parseInt, so
 * `MaxResults=1.5` became 1 and `1e3` became 1 (and `0x10` 16, `Infinity` null): a wrong value was served
 * instead of refused. Here `1.5` stays 1.5, which validation refuses naming the member, and `1e3` is 1000.
 */
function readNumbers(schema: TSchema, query: Record<string, unknown>, converted: Record<string, unknown>): Record<string, unknown> {
  const props = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  for (const [k, raw] of Object.entries(query)) {
    const s = Object.hasOwn(props, k) ? props[k] : undefined;
    if (numeric(s)) converted[k] = asNumber(raw);
    else if (s?.['type'] === 'array' && numeric(s['items'] as TSchema)) converted[k] = (Array.isArray(raw) ? raw : [raw]).map(asNumber);
  }
  return converted;
}

/**
 * Assembles an operation's input from a REST request: path parameters, then the query string (GET,
 * DELETE) or the JSON body (others). Query values are strings on the wire; they are converted to the
 * schema's types (numbers, booleans, arrays) before validation.
 */
export function restInput(op: Operation, params: Record<string, string>, query: Record<string, unknown>, body: unknown): unknown {
  const fromPath: Record<string, string> = {};
  for (const name of pathParams(op.rest.path)) if (params[name] !== undefined) fromPath[name] = params[name] as string;
  const bodyless = op.rest.method === 'GET' || op.rest.method === 'DELETE';
  if (bodyless) {
    const q = readNumbers(op.input, query, Value.Convert(op.input, { ...query }) as Record<string, unknown>);
    return { ...q, ...fromPath };
  }
  if (body === undefined || body === null) return { ...fromPath };
  if (typeof body !== 'object' || Array.isArray(body)) return body; // validation names it
  return { ...(body as Record<string, unknown>), ...fromPath };
}
