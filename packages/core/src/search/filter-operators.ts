import type { searchShapes } from '@loam/contracts';
import { ValidationError } from '../kernel/errors.js';
import type { PropertyRef } from './search-properties.js';

export type SearchOperator = searchShapes.SearchOperator;

/** Whether a filter holds for the values a property has in one record (none when it is absent). */
export type ValuesTest = (values: readonly unknown[]) => boolean;

const ordering: Partial<Record<SearchOperator, (c: number) => boolean>> = {
  GreaterThan: (c) => c > 0, GreaterThanOrEqualTo: (c) => c >= 0, LessThan: (c) => c < 0, LessThanOrEqualTo: (c) => c <= 0,
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
/** SageMaker's timestamp form, `YYYY-mm-ddTHH:MM:SS`, with optional fractions and zone (UTC when none). */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A ValidationException whose message starts with where in the input it is (`SearchExpression.Filters.0.Value: …`). */
export function refuse(path: string, message: string, detail: string): never {
  throw new ValidationError(`${path.replace(/^\//, '').replace(/\//g, '.')}: ${message}`, [{ path, message: detail }]);
}

/** Epoch seconds for a timestamp filter's Value: ISO 8601 as SageMaker documents, or epoch seconds. */
export function timestampValue(value: string, path: string): number {
  if (NUMBER.test(value)) return Number(value);
  if (ISO.test(value)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(value) || !value.includes('T') ? value : `${value}Z`;
    const ms = Date.parse(zoned);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  return refuse(path, `Value '${value}' is not a timestamp: give an ISO 8601 date-time such as 2024-05-01T12:00:00 (UTC unless a zone is given).`, 'not an ISO 8601 date-time');
}

function numberValue(value: string, path: string): number {
  if (NUMBER.test(value.trim())) return Number(value);
  return refuse(path, `Value '${value}' is not a number; the property holds numbers.`, 'not a number');
}

function booleanValue(value: string, path: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === 'false') return v === 'true';
  return refuse(path, `Value '${value}' is not true or false; the property is a boolean.`, 'not true or false');
}

/**
 * A hyperparameter compared with a number: as a decimal when Value is one, truncated to an integer when
 * Value is an integer (SageMaker's rule); undefined when the hyperparameter is not a number.
 */
function numericHyperParameter(v: unknown, value: string): number | undefined {
  // A trial component's NumberValue is a number already.
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || !NUMBER.test(v.trim())) return undefined;
  const n = Number(v);
  return INTEGER.test(value.trim()) ? Math.trunc(n) : n;
}

/**
 * Compiles one filter on a resolved property. Operator defaults to Equals when a Value is given and to
 * Exists when not; Exists/NotExists take no Value, the others need one. Orderings are for numbers and
 * timestamps (and numeric hyperparameters), Contains and In for text, as SageMaker allows. Text Equals,
 * NotEquals and In are exact; Contains ignores case. NotEquals holds when the property exists and no
 * value of it equals Value. `path` is the filter's place in the input, for the error.
 * @throws ValidationException naming the filter's Operator or Value.
 */
export function compileFilter(ref: PropertyRef, operator: SearchOperator | undefined, value: string | undefined, path: string): ValuesTest {
  const op = operator ?? (value === undefined ? 'Exists' : 'Equals');
  if (op === 'Exists' || op === 'NotExists') {
    if (value !== undefined) refuse(`${path}/Value`, `Operator ${op} takes no Value (filter on '${ref.name}').`, `not allowed with ${op}`);
    return op === 'Exists' ? (vs) => vs.length > 0 : (vs) => vs.length === 0;
  }
  if (value === undefined) return refuse(`${path}/Value`, `Operator ${op} needs a Value (filter on '${ref.name}').`, 'required');
  const badOp = (allowed: string) => refuse(`${path}/Operator`, `Operator ${op} is not supported for '${ref.name}', a ${ref.kind === 'structure' ? (ref.isList ? 'list' : 'structure') : ref.kind} property; use ${allowed}.`, `not supported for ${ref.kind} properties`);
  const cmp = ordering[op];
  switch (ref.kind) {
    case 'structure':
      return badOp(`Exists or NotExists, or name one of its members${ref.members ? ` (${ref.members.map((m) => `${ref.name}.${m}`).join(', ')})` : ''}`);
    case 'boolean': {
      if (op !== 'Equals' && op !== 'NotEquals') return badOp('Equals or NotEquals');
      const b = booleanValue(value, `${path}/Value`);
      return op === 'Equals' ? (vs) => vs.includes(b) : (vs) => vs.length > 0 && !vs.includes(b);
    }
    case 'number':
    case 'timestamp': {
      if (op === 'Contains' || op === 'In') return badOp('Equals, NotEquals, GreaterThan, GreaterThanOrEqualTo, LessThan or LessThanOrEqualTo');
      const n = ref.kind === 'timestamp' ? timestampValue(value, `${path}/Value`) : numberValue(value, `${path}/Value`);
      const nums = (vs: readonly unknown[]) => vs.filter((v): v is number => typeof v === 'number');
      if (cmp) return (vs) => nums(vs).some((v) => cmp(v - n));
      return op === 'Equals' ? (vs) => nums(vs).includes(n) : (vs) => vs.length > 0 && !nums(vs).includes(n);
    }
    case 'text': {
      const texts = (vs: readonly unknown[]) => vs.filter((v): v is string => typeof v === 'string');
      if (op === 'Contains') {
        const needle = value.toLowerCase();
        return (vs) => texts(vs).some((v) => v.toLowerCase().includes(needle));
      }
      if (op === 'In') {
        const set = new Set(value.split(',').map((v) => v.trim()));
        return (vs) => texts(vs).some((v) => set.has(v));
      }
      const numeric = ref.numericText && NUMBER.test(value.trim()) ? Number(value) : undefined;
      if (cmp) {
        if (numeric === undefined) return badOp(ref.numericText ? 'a numeric Value to compare hyperparameters as numbers' : 'Equals, NotEquals, Contains or In');
        return (vs) => vs.some((v) => {
          const h = numericHyperParameter(v, value);
          return h !== undefined && cmp(h - numeric);
        });
      }
      const equal = (v: unknown) => v === value || (numeric !== undefined && numericHyperParameter(v, value) === numeric);
      const candidates = ref.numericText ? (vs: readonly unknown[]) => vs : texts;
      return op === 'Equals' ? (vs) => candidates(vs).some(equal) : (vs) => vs.length > 0 && !candidates(vs).some(equal);
    }
  }
}
