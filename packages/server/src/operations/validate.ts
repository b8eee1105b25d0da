import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, ValueErrorType, type TypeCheck, type ValueError } from '@sinclair/typebox/compiler';
import { mapKeyProblem, mapKeyRuleOf, type Operation } from '@loam/contracts';
import { echo, exactNumber, ValidationError } from '@loam/core';
import { awsMemberPath, unescapeSegment } from './aws-member-path.js';
import { refuseUnsupportedMembers } from './unsupported-members.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema)));
  return c;
}

const show = (v: unknown): string => echo(v);
/** A value as AWS quotes it: `Value 'x' at`, and `Value null at` for a missing or null one. */
const quoted = (v: unknown): string => (v === undefined || v === null ? 'null' : `'${show(v)}'`);

/** Fields named in one message; a body with a million unknown keys gets a short answer, not a huge one. */
const MAX_LISTED = 20;
/** Complaints counted at most (each costs the validator time: a million would take seconds). */
const MAX_COUNTED = 1000;

/**
 * Checks an operation's input against its schema. Throws one ValidationException listing every field
 * that is wrong, in SageMaker's words and naming each member as AWS does (`Value 'x' at 'tags.1.member.value'
 * failed to satisfy constraint: …`, see awsMemberPath), with the JSON pointers in `fields` for forms to put the
 * message next to the field.
 */
export function validateInput(op: Operation, input: unknown): unknown {
  const c = checker(op.input);
  if (c.Check(input)) return input;
  refuseUnsupportedMembers(op, input); // a documented member Loam does not implement is named as such
  const seen = new Set<string>();
  const fields: { path: string; message: string; key?: string }[] = [];
  let more = 0;
  for (const e of withinUnions(c.Errors(input))) {
    const path = e.path || '/';
    if (seen.has(path)) continue; // the first complaint per field is the useful one
    seen.add(path);
    if (fields.length >= MAX_LISTED) {
      if (++more + fields.length >= MAX_COUNTED) break;
      continue;
    }
    const missing = e.value === undefined;
    const isExtra = e.schema && (e.schema as { additionalProperties?: unknown }).additionalProperties === false && /additional|Unexpected property/.test(e.message);
    // A map declared with StringMap: say what is wrong with the key (or with the number of entries), naming the key.
    const rule = mapKeyRuleOf(e.schema);
    if (rule && isExtra) {
      const key = unescapeSegment(path.slice(path.lastIndexOf('/') + 1));
      fields.push({ path, message: mapKeyProblem(key, rule) ?? 'key is not allowed', key });
      continue;
    }
    if (rule && (e.type === ValueErrorType.ObjectMaxProperties || e.type === ValueErrorType.ObjectMinProperties)) {
      const { maxProperties, minProperties } = e.schema as { maxProperties?: number; minProperties?: number };
      fields.push({ path, message: e.type === ValueErrorType.ObjectMaxProperties ? `must have at most ${maxProperties} entries` : `must have at least ${minProperties} ${minProperties === 1 ? 'entry' : 'entries'}` });
      continue;
    }
    // A map whose keys follow a pattern (Environment names): the key itself is what is wrong.
    const keyPattern = isExtra ? Object.keys((e.schema as { patternProperties?: object }).patternProperties ?? {})[0] : undefined;
    if (keyPattern !== undefined) {
      fields.push({ path, message: `name must satisfy regular expression pattern: ${keyPattern}`, key: unescapeSegment(path.slice(path.lastIndexOf('/') + 1)) });
      continue;
    }
    const allowed = enumValues(e.schema);
    // A pattern that says in words what it is for (ProcessText: no U+0000).
    const own = e.type === ValueErrorType.StringPattern ? (e.schema as { 'x-loam-message'?: unknown } | undefined)?.['x-loam-message'] : undefined;
    const message = missing ? 'is required'
      : typeof own === 'string' ? own
      : isExtra ? `is not a member of ${op.name}'s input`
          : allowed ? `must satisfy enum value set: [${allowed.join(', ')}]` : (constraintInAwsWords(e.type, e.schema) ?? e.message.replace(/^Expected/, 'must be'));
    fields.push({ path, message });
  }
  const parts = fields.map((f) => {
    const { at, mapKey, inValue } = awsMemberPath(op.input, f.path);
    if (f.key !== undefined) return `Key '${show(f.key)}' at '${at}' failed to satisfy constraint: Member ${f.message}`;
    const v = valueAt(input, f.path);
    const constraint = f.message === 'is required' && v === undefined ? 'must not be null' : f.message;
    if (mapKey !== undefined) {
      const member = inValue === undefined ? 'Member' : `Member at '${inValue}'`;
      return `Value ${quoted(v)} at '${at}' failed to satisfy constraint: Map value for key '${show(mapKey)}' must satisfy constraint: [${member} ${constraint}]`;
    }
    return `Value ${quoted(v)} at '${at}' failed to satisfy constraint: Member ${constraint}`;
  });
  const total = fields.length + more;
  const capped = total >= MAX_COUNTED;
  const rest = more > 0 ? `; and ${capped ? 'at least ' : ''}${more} more` : '';
  throw new ValidationError(`${capped ? 'At least ' : ''}${total} validation error${total === 1 ? '' : 's'} detected: ${parts.join('; ')}${rest}.`, fields.map(({ path, message }) => ({ path, message })));
}

/**
 * The errors with each union's replaced by those of its closest branch (the fewest errors), where that
 * branch's errors all lie inside the value: for a union of objects (a source that is one of several
 * shapes) the message names the member that is wrong in the shape the input took, not only the union.
 * A branch whose literal member (`Type: 'Dataset'`) the input does not have is not the one it took, however
 * few its errors. A value no branch comes near (a string for an object, a value outside an enum, a literal
 * member no branch has) keeps the union's error.
 */
function* withinUnions(errors: Iterable<ValueError>): Generator<ValueError> {
  for (const e of errors) {
    if (e.type !== ValueErrorType.Union || e.errors.length === 0) {
      yield e;
      continue;
    }
    // A literal member of the branch's object (not a list item) that the input holds with another value.
    const otherShape = (x: ValueError) => x.type === ValueErrorType.Literal && x.value !== undefined && x.path.lastIndexOf('/') === e.path.length && !/^\d+$/.test(x.path.slice(e.path.length + 1));
    const branches = e.errors.map((it) => {
      const out: ValueError[] = [];
      for (const x of withinUnions(it)) if (out.push(x) >= MAX_COUNTED) break; // a huge body: enough to compare
      return out;
    }).filter((b) => !b.some(otherShape));
    const closest = branches.reduce<ValueError[] | undefined>((a, b) => (a === undefined || b.length < a.length ? b : a), undefined);
    if (closest !== undefined && closest.length > 0 && closest.every((x) => x.path.startsWith(`${e.path}/`))) yield* closest;
    else yield e;
  }
}

/**
 * A broken pattern, length or bound in the words SageMaker's validation uses ("Member must satisfy regular
 * expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", "Member must have length less than or equal to 63"),
 * so a message matches what a script or a search for it expects; undefined for other errors.
 */
function constraintInAwsWords(type: ValueErrorType, schema: unknown): string | undefined {
  const s = (schema ?? {}) as { pattern?: string; maxLength?: number; minLength?: number; maxItems?: number; minItems?: number; maximum?: number; minimum?: number };
  switch (type) {
    case ValueErrorType.StringPattern:
      return s.pattern !== undefined ? `must satisfy regular expression pattern: ${s.pattern}` : undefined;
    case ValueErrorType.StringMaxLength:
      return `must have length less than or equal to ${s.maxLength}`;
    case ValueErrorType.StringMinLength:
      return `must have length greater than or equal to ${s.minLength}`;
    case ValueErrorType.ArrayMaxItems:
      return `must have length less than or equal to ${s.maxItems}`;
    case ValueErrorType.ArrayMinItems:
      return `must have length greater than or equal to ${s.minItems}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return s.maximum !== undefined ? `must have value less than or equal to ${exactNumber(s.maximum)}` : undefined;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return s.minimum !== undefined ? `must have value greater than or equal to ${exactNumber(s.minimum)}` : undefined;
    default:
      return undefined;
  }
}

/** The values of an enum (a union of literals), as AWS lists them in its message; undefined for other schemas. */
function enumValues(schema: unknown): string[] | undefined {
  const anyOf = (schema as { anyOf?: unknown } | undefined)?.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length === 0) return undefined;
  const values: string[] = [];
  for (const m of anyOf) {
    const c = (m as { const?: unknown } | null)?.const;
    if (typeof c !== 'string' && typeof c !== 'number') return undefined;
    values.push(String(c));
  }
  return values;
}

function valueAt(input: unknown, path: string): unknown {
  let cur: unknown = input;
  for (const seg of path === '' || path === '/' ? [] : path.slice(1).split('/')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = unescapeSegment(seg);
    if (!Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
