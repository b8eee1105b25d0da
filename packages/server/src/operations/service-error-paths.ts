import { LoamError, ValidationError } from '@loam/core';
import { declaredAwsMemberPath, unescapeSegment } from './aws-member-path.js';

/**
 * A service's own ValidationException (core's `invalid()`, a handler's check made after the schema) with the
 * members its `fields` point at named in its message as the schema errors name them, AWS's way
 * (`ProcessingInputs.0.S3Input.LocalPath` → `processingInputs.1.member.s3Input.localPath`), so one request's
 * messages never name one member two ways. The domain error knows nothing of that form: the server renames at
 * its boundary, from the structured path, with the walker schema errors use. A path into a map entry or a
 * member the input does not declare, and a message that does not spell the path, are left as they are; the
 * fields (JSON pointers, where forms place messages) are unchanged.
 */
export function withAwsMemberPaths(schema: unknown, e: unknown): unknown {
  if (!(e instanceof LoamError) || e.code !== 'ValidationException' || e.fields.length === 0) return e;
  let message = e.message;
  for (const f of e.fields) message = renamed(schema, message, f.path);
  if (message === e.message) return e;
  const out = new ValidationError(message, e.fields);
  if (e.stack !== undefined) out.stack = e.stack;
  return out;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The message with the longest leading part of `pointer` it spells (dotted, 0-based: `MetricDataQueries.1`
 * of `/MetricDataQueries/1/Expression`) in AWS's form. A single member is renamed only where quoted
 * (`at 'RoleArn'`): unquoted, the word may be prose.
 */
function renamed(schema: unknown, message: string, pointer: string): string {
  if (!pointer.startsWith('/')) return message;
  const segments = pointer.slice(1).split('/').map(unescapeSegment);
  if (segments.some((s) => s === '' || s.includes('.'))) return message; // not spelled unambiguously dotted
  for (let k = segments.length; k >= 1; k--) {
    const dotted = segments.slice(0, k).join('.');
    const spelled = k === 1 ? new RegExp(`(?<=')${escapeRe(dotted)}(?=')`, 'g') : new RegExp(`(?<![\\w.])${escapeRe(dotted)}(?!\\w|\\.\\w)`, 'g');
    if (!spelled.test(message)) continue;
    const aws = declaredAwsMemberPath(schema, `/${segments.slice(0, k).map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
    if (aws === undefined || aws.mapKey !== undefined) return message;
    return message.replace(spelled, () => aws.at);
  }
  return message;
}
