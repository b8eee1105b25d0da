import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { awsMemberPath } from './aws-member-path.js';

/**
 * Invalid inputs derived from an operation's input schema, for the input fuzz: each case breaks one member
 * (or the body as a whole) of an otherwise valid input, so the answer must name that member. Deterministic:
 * the same seed gives the same cases.
 */

export { seededRandom } from '@loam/testkit/random/seeded-random';

/** `n` of `items`, picked by `rand` without repeats, in their original order. */
export function sample<T>(items: readonly T[], n: number, rand: () => number): T[] {
  if (items.length <= n) return [...items];
  const idx = items.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx.slice(0, n).sort((a, b) => a - b).map((i) => items[i] as T);
}

/**
 * Whether `message` names `name` as a whole: not inside a longer name (`Name` in `ModelName`, `Key` in
 * `Tags.0.Key`), so a message that merely contains the letters does not pass for one naming the member.
 */
export function names(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9_.])${escaped}(?![A-Za-z0-9_])`).test(message);
}

/** Runs `tasks` with at most `n` in flight; the answers in the tasks' order. */
export async function pool<T>(tasks: readonly (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await (tasks[i] as () => Promise<T>)();
    }
  }));
  return out;
}

/** `items` in an order `rand` picks (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export type CaseKind = 'missing' | 'null' | 'wrong-type' | 'huge-number' | 'too-long' | 'too-short' | 'pattern' | 'above-maximum' | 'below-minimum' | 'not-integer' | 'enum' | 'unknown-member' | 'too-many-items' | 'bad-map-key';

/** Stands for the JSON number `1e999` (past a double: JSON.parse reads Infinity), which JSON.stringify cannot write. */
export const HUGE = 'FUZZ-RAW-1e999';

/** The JSON text of a case's input, with {@link HUGE} written as the number it stands for. */
export const toJsonText = (input: unknown): string => JSON.stringify(input).replaceAll(`"${HUGE}"`, '1e999');

/** One invalid input: the member path broken (`A.B.0.C`, as validation messages write it) and the input. */
export interface FuzzCase {
  readonly kind: CaseKind;
  /** The path as segments: names and array indexes. */
  readonly path: readonly (string | number)[];
  /** The path as the message must show it. */
  readonly shown: string;
  readonly input: Record<string, unknown>;
}

type S = TSchema & Record<string, any>;

const isObject = (s: S) => s[Kind] === 'Object' || (s.type === 'object' && s.properties !== undefined);
const isRecord = (s: S) => s[Kind] === 'Record' || (s.type === 'object' && s.patternProperties !== undefined);
const literals = (s: S): (string | number)[] | undefined => {
  if (!Array.isArray(s.anyOf) || s.anyOf.length === 0) return undefined;
  const out: (string | number)[] = [];
  for (const m of s.anyOf as S[]) {
    if (typeof m.const !== 'string' && typeof m.const !== 'number') return undefined;
    out.push(m.const);
  }
  return out;
};
const requiredOf = (s: S): string[] => (Array.isArray(s.required) ? (s.required as string[]) : Object.keys(s.properties ?? {}).filter((k) => !(s.properties[k] as S)[OptionalKind]));

/** Deref `Type.Ref`/`Type.This` through the schemas seen so far (recursive SearchExpression). */
function deref(s: S, refs: Map<string, S>): S {
  if (typeof s.$ref === 'string') return refs.get(s.$ref) ?? {} as S;
  return s;
}

function remember(s: S, refs: Map<string, S>): void {
  if (typeof s.$id === 'string' && !refs.has(s.$id)) refs.set(s.$id, s);
}

const STRING_CANDIDATES = [
  'fuzzbase', 'a', 'arn:aws:iam::000000000000:role/LoamTests', 's3://fuzz-base/key', 'ml.m5.large', 'AllTraffic', 'text/csv', '1', 'File',
  'arn:loam:sagemaker:us-east-1:000000000000:model/fuzzbase', '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', '2026-01-01T00:00:00Z', 'SageMaker.fuzzbase', '0123456789abcdef0123456789abcdef', 'endpoint/fuzzbase/variant/AllTraffic', 'arn:aws:sagemaker:us-east-1:000000000000:model-package/fuzzbase/1',
];

/** A value the schema accepts, where one is easy to find (else a best effort; the fuzz still names the broken member). */
export function validValue(schema: TSchema, refs = new Map<string, S>(), depth = 0): unknown {
  let s = schema as S;
  remember(s, refs);
  s = deref(s, refs);
  const ok = (v: unknown) => {
    try {
      return Value.Check(s, [...refs.values()], v);
    } catch {
      return false;
    }
  };
  if (s.const !== undefined) return s.const;
  const lits = literals(s);
  if (lits) return lits[0];
  if (Array.isArray(s.anyOf)) {
    for (const m of s.anyOf as S[]) {
      const v = validValue(m, refs, depth + 1);
      if (ok(v)) return v;
    }
    return validValue(s.anyOf[0] as S, refs, depth + 1);
  }
  if (isObject(s)) {
    const out: Record<string, unknown> = {};
    if (depth < 12) for (const k of requiredOf(s)) out[k] = validValue(s.properties[k] as S, refs, depth + 1);
    return out;
  }
  if (isRecord(s)) return {};
  switch (s.type) {
    case 'string': {
      for (const c of STRING_CANDIDATES) if (ok(c)) return c;
      const n = Math.max(1, s.minLength ?? 1);
      for (const c of ['a', 'A', '0', 'x-']) if (ok(c.repeat(n))) return c.repeat(n);
      return 'a'.repeat(n);
    }
    case 'integer':
    case 'number': {
      const cands = [1, s.minimum, s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : undefined, s.maximum, 0, 60, 3600].filter((v) => typeof v === 'number');
      for (const c of cands) if (ok(c)) return c;
      return cands[0];
    }
    case 'boolean':
      return true;
    case 'array': {
      const n = s.minItems ?? 0;
      return Array.from({ length: n }, () => validValue(s.items as S, refs, depth + 1));
    }
    case 'null':
      return null;
    default:
      return 'fuzzbase';
  }
}

function wrongTypeOf(s: S, refs: Map<string, S>): unknown {
  if (literals(s)) return 12345;
  if (Array.isArray(s.anyOf)) {
    // A union of shapes: a value of a JSON type none of them takes.
    return [12345, 'not-any-branch', true, ['not-any-branch'], { FuzzUnknownMember: 'x' }].find((v) => {
      try {
        return !Value.Check(s, [...refs.values()], v);
      } catch {
        return false;
      }
    });
  }
  if (isObject(s) || isRecord(s)) return 'not-an-object';
  switch (s.type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'not-a-boolean';
    case 'array':
      return { not: 'an array' };
    default:
      return undefined;
  }
}

/** A string the pattern refuses, within the length limits, or undefined. */
function patternBreaker(s: S): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(s.pattern as string);
  } catch {
    return undefined;
  }
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 1000;
  for (const base of ['!!fuzz!!', ' ', '\u0000', '..', '%%%', '-', 'a b', '\n']) {
    const c = base.length < min ? base.padEnd(min, base) : base;
    if (c.length <= max && c.length >= min && !re.test(c)) return c;
  }
  return undefined;
}

/** A key the map refuses (off its key pattern, or one character over its length), or undefined. */
function keyBreaker(s: S): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(Object.keys(s.patternProperties as object)[0] as string);
  } catch {
    return undefined;
  }
  const max = (s['x-loam-key'] as { maxLength?: number } | undefined)?.maxLength;
  return ['!! bad key', ' ', '', ...(max !== undefined ? ['k'.repeat(max + 1)] : [])].find((k) => !re.test(k));
}

const mapValueOf = (s: S): S | undefined => Object.values((s.patternProperties ?? {}) as Record<string, S>)[0] ?? (typeof s.additionalProperties === 'object' ? (s.additionalProperties as S) : undefined);

function accepts(s: S, refs: Map<string, S>, v: unknown): boolean {
  try {
    return Value.Check(s, [...refs.values()], v);
  } catch {
    return false;
  }
}

/** A key the map takes, or undefined. */
function validKey(s: S): string | undefined {
  const pattern = Object.keys((s.patternProperties ?? {}) as object)[0];
  if (pattern === undefined) return 'fuzzkey';
  try {
    const re = new RegExp(pattern);
    return ['fuzzkey', 'FUZZ_KEY', 'k', 'fuzz-key', '0'].find((k) => re.test(k));
  } catch {
    return undefined;
  }
}

/** A branch picked in a union of objects on the way to a member: the union's path and the branch's schema. */
interface Choice {
  readonly at: string;
  readonly branch: S;
}

interface Visit {
  readonly path: (string | number)[];
  readonly schema: S;
  readonly required: boolean;
  /** The branches of the unions of objects above the member (the input takes that branch there). */
  readonly choices: readonly Choice[];
}

/** The object branches of a union of objects (TypeBox `Union([Object, Object])`), or none. */
function objectBranches(s: S, refs: Map<string, S>): S[] {
  if (!Array.isArray(s.anyOf) || literals(s)) return [];
  return (s.anyOf as S[]).map((b) => {
    remember(b, refs);
    return deref(b, refs);
  }).filter(isObject);
}

/** Every member reachable in the schema (depth-bounded; a recursive schema is walked a few levels). */
function members(root: S, refs: Map<string, S>, maxDepth = 6): Visit[] {
  const out: Visit[] = [];
  const walk = (s0: S, path: (string | number)[], depth: number, choices: readonly Choice[]) => {
    remember(s0, refs);
    const s = deref(s0, refs);
    if (depth > maxDepth) return;
    if (isObject(s)) {
      const req = new Set(requiredOf(s));
      for (const [k, v] of Object.entries(s.properties as Record<string, S>)) {
        out.push({ path: [...path, k], schema: deref(v, refs), required: req.has(k), choices });
        walk(v, [...path, k], depth + 1, choices);
      }
    } else if (s.type === 'array' && s.items) {
      walk(s.items as S, [...path, 0], depth + 1, choices);
    } else if (isRecord(s)) {
      // A map's values (HyperParameters, Environment, a trial component's Parameters), under a key it takes.
      const key = validKey(s);
      const value = mapValueOf(s);
      if (key !== undefined && value) {
        out.push({ path: [...path, key], schema: deref(value, refs), required: false, choices });
        walk(value, [...path, key], depth + 1, choices);
      }
    } else {
      // A union of objects (a source that is one of several shapes): each branch's members, the input taking that branch.
      for (const branch of objectBranches(s, refs)) walk(branch, path, depth + 1, [...choices, { at: shownPath(path), branch }]);
    }
  };
  walk(root, [], 0, []);
  return out;
}

/** The member path in a validation message's words: `A.B.0.C`. */
export const shownPath = (path: readonly (string | number)[]): string => path.map(String).join('.');

/**
 * Writes `value` at `path` in a copy of `input` (`undefined` deletes), making the parents valid where absent;
 * where a parent is a union of objects, it takes the branch `choices` picked there.
 */
function setAt(root: S, refs: Map<string, S>, input: unknown, path: readonly (string | number)[], value: unknown, choices: readonly Choice[] = []): Record<string, unknown> {
  const copy = structuredClone(input) as Record<string, unknown>;
  let cur: any = copy;
  let s: S = deref(root, refs);
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as string | number;
    let child: S = deref((typeof seg === 'number' ? s.items : (s.properties?.[seg] ?? mapValueOf(s))) as S, refs);
    const branch = choices.find((c) => c.at === shownPath(path.slice(0, i + 1)))?.branch;
    if (branch) {
      child = branch;
      if (!accepts(branch, refs, cur[seg])) cur[seg] = validValue(branch, refs);
    }
    if (cur[seg] === undefined || cur[seg] === null || typeof cur[seg] !== 'object') cur[seg] = typeof seg === 'number' || child.type === 'array' ? (child.type === 'array' ? [] : validValue(child, refs)) : validValue(child, refs);
    if (Array.isArray(cur[seg]) && cur[seg].length === 0 && typeof path[i + 1] === 'number') cur[seg].push(validValue(child.items as S, refs));
    cur = cur[seg];
    s = child;
  }
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy;
}

/** Every invalid case the schema yields, one member broken each. */
export function fuzzCases(schema: TSchema): { base: Record<string, unknown>; cases: FuzzCase[] } {
  const refs = new Map<string, S>();
  const root = schema as S;
  const base = validValue(root, refs) as Record<string, unknown>;
  const cases: FuzzCase[] = [];
  let choices: readonly Choice[] = [];
  // A case names the member as the message does, as AWS names it (`sources.1.member.s3Uri`, a map by its own name).
  const awsShown = (path: readonly (string | number)[]) => awsMemberPath(root, path.length === 0 ? '' : `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`).at;
  const add = (kind: CaseKind, path: (string | number)[], value: unknown, shown = awsShown(path)) => {
    const input = setAt(root, refs, base, path, value, choices);
    // In a union, a member broken in one branch can make the value another branch (one whose members are all optional).
    if (choices.length === 0 || !accepts(root, refs, input)) cases.push({ kind, path, shown, input });
  };
  add('unknown-member', ['FuzzUnknownMember'], 'x');
  for (const visit of members(root, refs)) {
    const { path, schema: s, required } = visit;
    choices = visit.choices;
    if (required && typeof path[path.length - 1] === 'string') add('missing', path, undefined);
    if (!accepts(s, refs, null)) add('null', path, null); // a map of any values (a flow node's params) takes null
    const wrong = wrongTypeOf(s, refs);
    if (wrong !== undefined) add('wrong-type', path, wrong);
    const lits = literals(s);
    if (lits) add('enum', path, typeof lits[0] === 'number' ? 987654321 : 'NotAFuzzValue');
    if (isObject(s) && s.additionalProperties === false) add('unknown-member', [...path, 'FuzzUnknownMember'], 'x');
    if (isRecord(s) && s.additionalProperties === false) {
      const key = keyBreaker(s);
      if (key !== undefined) add('bad-map-key', [...path, key], validValue(Object.values(s.patternProperties as Record<string, S>)[0] as S, refs), awsShown(path));
    }
    if (s.type === 'string') {
      if (typeof s.maxLength === 'number' && s.maxLength < 200_000) add('too-long', path, 'a'.repeat(s.maxLength + 1));
      if (typeof s.minLength === 'number' && s.minLength > 0) add('too-short', path, '');
      if (typeof s.pattern === 'string') {
        const bad = patternBreaker(s);
        if (bad !== undefined) add('pattern', path, bad);
      }
    }
    if (s.type === 'integer' || s.type === 'number') {
      if (typeof s.maximum === 'number') add('above-maximum', path, s.maximum + 1);
      if (typeof s.minimum === 'number') add('below-minimum', path, s.minimum - 1);
      if (s.type === 'integer') add('not-integer', path, (typeof s.minimum === 'number' ? s.minimum : 1) + 0.5);
      add('huge-number', path, HUGE);
    }
    if (s.type === 'array' && typeof s.maxItems === 'number' && s.maxItems < 2000) {
      const item = validValue(s.items as S, refs);
      add('too-many-items', path, Array.from({ length: s.maxItems + 1 }, () => structuredClone(item)));
    }
  }
  return { base, cases };
}
