import { pathParams, type Operation } from '@loam/contracts';
import { Value } from '@sinclair/typebox/value';

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
    const q = Value.Convert(op.input, { ...query }) as Record<string, unknown>;
    return { ...q, ...fromPath };
  }
  if (body === undefined || body === null) return { ...fromPath };
  if (typeof body !== 'object' || Array.isArray(body)) return body; // validation names it
  return { ...(body as Record<string, unknown>), ...fromPath };
}
