import type { InputOf, operations } from '@loam/contracts';
import type { Filter, FilterOp } from '../ports/metadata-store.js';
import { timestampValue } from './filter-operators.js';
import { propertyOf } from './search-expression.js';
import type { RequiredEntries, SearchSource } from './search-source.js';

type Expression = NonNullable<InputOf<(typeof operations)['Search']>['SearchExpression']>;
/** A store condition on a source's record, whatever its type. */
type AnyFilter = Filter<Record<string, unknown>>;

/** The operators on a timestamp the store decides as the expression does (NotEquals also holds where the time is absent: not asked). */
const timeOps: Readonly<Record<string, FilterOp>> = { Equals: 'eq', GreaterThan: 'gt', GreaterThanOrEqualTo: 'gte', LessThan: 'lt', LessThanOrEqualTo: 'lte' };

/** The filters every record must meet: the top-level ones under And (the default). */
export function required(expr: Expression | undefined): NonNullable<Expression['Filters']> {
  return !expr || expr.Operator === 'Or' ? [] : (expr.Filters ?? []);
}

/**
 * The store conditions an expression implies, so the store reads only records that can match (the
 * expression is still matched in full on what it returns):
 * - a top-level Equals or In on a text property the source keeps in a column of the same value. A value with
 *   a NUL is not asked of the store: no column holds one (the SQL stores refuse it as a filter value, a
 *   ValidationException naming the column), so the expression alone decides;
 * - a top-level Equals or ordering on a timestamp the store orders by (its field holds the record's value,
 *   epoch seconds), a finite one.
 */
export function columnFilters(source: SearchSource, expr: Expression | undefined): AnyFilter[] {
  if (!source.collection) return [];
  return required(expr).flatMap((f, i): AnyFilter[] => {
    const op = f.Operator ?? (f.Value === undefined ? 'Exists' : 'Equals');
    if (f.Value === undefined) return [];
    const column = source.columns && Object.hasOwn(source.columns, f.Name) ? source.columns[f.Name] : undefined;
    if (column && !f.Value.includes('\u0000')) {
      if (op === 'Equals') return [{ field: column, op: 'eq', value: f.Value }];
      if (op === 'In') return [{ field: column, op: 'in', value: f.Value.split(',').map((v) => v.trim()) }];
    }
    const ordered = Object.hasOwn(source.storeOrder, f.Name) ? source.storeOrder[f.Name] : undefined;
    if (!ordered || propertyOf(source.props, f.Name, `/SearchExpression/Filters/${i}/Name`).kind !== 'timestamp') return [];
    const value = timestampValue(f.Value, `/SearchExpression/Filters/${i}/Value`);
    const storeOp = Object.hasOwn(timeOps, op) ? timeOps[op] : undefined;
    // A time beyond any number ('1e400') is not asked: the stores hold finite times and refuse it naming their field.
    return storeOp && Number.isFinite(value) ? [{ field: ordered, op: storeOp, value }] : [];
  });
}

/**
 * A lookup instead of a scan, when the expression requires one value of a member the source finds records
 * by (a top-level Equals on TrialComponentName): the record it finds is still matched in full.
 */
export function lookupOf(source: SearchSource, expr: Expression | undefined): (() => Promise<unknown>) | undefined {
  if (!source.lookups) return undefined;
  const lookups = source.lookups;
  const f = required(expr).find((x) => (x.Operator ?? 'Equals') === 'Equals' && x.Value !== undefined && Object.hasOwn(lookups, x.Name));
  const find = f && lookups[f.Name];
  return find && (() => find(f.Value as string));
}

/**
 * The entries a record must have for the expression to match, by member, for the members a source's store can
 * require (`entryMembers`: a trial component's `Parameters` and `Metrics`): the entry each top-level filter
 * (under And) reads, with any operator but NotExists (every other holds only where the property has a value).
 * The store may leave out records lacking one; the expression is still matched in full on the others.
 */
export function requiredEntries(source: SearchSource, expr: Expression | undefined): RequiredEntries | undefined {
  const members = source.entryMembers;
  if (!members?.length) return undefined;
  const out = new Map<string, string[]>();
  required(expr).forEach((f, i) => {
    if ((f.Operator ?? (f.Value === undefined ? 'Exists' : 'Equals')) === 'NotExists') return;
    const ref = propertyOf(source.props, f.Name, `/SearchExpression/Filters/${i}/Name`);
    if (ref.entry === undefined || !members.includes(ref.root)) return;
    out.set(ref.root, [...new Set([...(out.get(ref.root) ?? []), ref.entry])]);
  });
  return out.size ? out : undefined;
}
