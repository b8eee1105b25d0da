import type { InputOf, operations } from '@loam/contracts';
import { compileFilter, refuse, type ValuesTest } from './filter-operators.js';
import { resolveProperty, type PairAlias, type PropertyRef, type SchemaNode } from './search-properties.js';

export type SearchExpression = NonNullable<InputOf<(typeof operations)['Search']>['SearchExpression']>;
type FilterInput = NonNullable<SearchExpression['Filters']>[number];

/** SageMaker's limit: Filters, NestedFilters and SubExpressions at every depth, 50 in all. */
export const MAX_EXPRESSION_PARTS = 50;

/** What a resource's records are searched by: the shape of its search record and its own property names. */
export interface RecordProperties {
  readonly schema: SchemaNode;
  readonly aliases?: Readonly<Record<string, PairAlias>>;
  /** Where the record keeps the resource's tags when not at its top (`Model.Tags`): what VisibilityConditions' `Tags.<key>` reads. */
  readonly tagsAt?: string;
}

/** A compiled search expression: whether a search record matches, whether it reads the tags, and which members it reads. */
export interface RecordMatcher {
  matches(record: unknown): boolean;
  readonly readsTags: boolean;
  /** The search record's members the expression reads (`TrainingJobStatus`, `HyperParameters`, `Tags`). */
  readonly members: ReadonlySet<string>;
  /** Every property it reads of the search record (`HyperParameters.eta`: root `HyperParameters`, entry `eta`). */
  readonly refs: readonly PropertyRef[];
}

/**
 * Resolves a property name for a filter or SortBy.
 * @throws ValidationException naming `path` when the resource's records have no such property.
 */
export function propertyOf(props: RecordProperties, name: string, path: string, schema: SchemaNode = props.schema): PropertyRef {
  const ref = resolveProperty(schema, name, schema === props.schema ? props.aliases : {});
  if (!ref) {
    refuse(path, `'${name}' is not a property of this resource's search records: name a member of its Describe answer (dotted for nested ones), Tags.<key>${props.aliases ? `, ${Object.keys(props.aliases).map((a) => `${a}.<name>`).join(', ')}` : ''}.`, 'unknown property');
  }
  return ref;
}

type Test = (record: unknown) => boolean;

function filterTest(props: RecordProperties, f: FilterInput, path: string, schema?: SchemaNode, prefix = ''): { test: Test; ref: PropertyRef } {
  if (prefix && !f.Name.startsWith(`${prefix}.`)) {
    refuse(`${path}/Name`, `Nested filter name '${f.Name}' must start with its NestedPropertyName '${prefix}.'.`, `must start with '${prefix}.'`);
  }
  const ref = propertyOf(props, prefix ? f.Name.slice(prefix.length + 1) : f.Name, `${path}/Name`, schema);
  const values: ValuesTest = compileFilter(ref, f.Operator, f.Value, path);
  return { test: (r) => values(ref.values(r)), ref };
}

/**
 * Compiles a SearchExpression for a resource: every property name is resolved and every value parsed
 * before any record is read, so a bad expression is refused whole. Operator And (the default) needs every
 * filter, nested filter and sub-expression to hold, Or any one; a NestedFilters holds when one element of
 * its list satisfies all its filters.
 * @throws ValidationException naming the part of the expression that is wrong.
 */
export function compileSearchExpression(props: RecordProperties, expr: SearchExpression, path = '/SearchExpression'): RecordMatcher {
  let parts = 0;
  let readsTags = false;
  const members = new Set<string>();
  const refs: PropertyRef[] = [];
  const compile = (e: SearchExpression, at: string): Test => {
    const tests: Test[] = [];
    const count = (n: number) => {
      parts += n;
      if (parts > MAX_EXPRESSION_PARTS) {
        refuse(at, `The search expression has more than ${MAX_EXPRESSION_PARTS} filters, nested filters and sub-expressions in all.`, `more than ${MAX_EXPRESSION_PARTS} parts`);
      }
    };
    const n = (e.Filters?.length ?? 0) + (e.NestedFilters?.length ?? 0) + (e.SubExpressions?.length ?? 0);
    if (n === 0) refuse(at, 'A search expression needs at least one of Filters, NestedFilters or SubExpressions.', 'empty expression');
    count(n);
    e.Filters?.forEach((f, i) => {
      const { test, ref } = filterTest(props, f, `${at}/Filters/${i}`);
      readsTags ||= ref.readsTags;
      members.add(ref.root);
      refs.push(ref);
      tests.push(test);
    });
    e.NestedFilters?.forEach((nf, i) => {
      const np = `${at}/NestedFilters/${i}`;
      const list = propertyOf(props, nf.NestedPropertyName, `${np}/NestedPropertyName`);
      if (!list.isList || !list.element) {
        refuse(`${np}/NestedPropertyName`, `NestedPropertyName '${nf.NestedPropertyName}' is not a list property; nested filters apply to the elements of a list such as InputDataConfig.`, 'not a list');
      }
      count(nf.Filters.length);
      const inner = nf.Filters.map((f, j) => filterTest(props, f, `${np}/Filters/${j}`, list.element, nf.NestedPropertyName));
      readsTags ||= list.readsTags;
      members.add(list.root);
      refs.push(list);
      tests.push((r) => list.values(r).some((el) => inner.every(({ test }) => test(el))));
    });
    e.SubExpressions?.forEach((sub, i) => tests.push(compile(sub, `${at}/SubExpressions/${i}`)));
    return e.Operator === 'Or' ? (r) => tests.some((t) => t(r)) : (r) => tests.every((t) => t(r));
  };
  const test = compile(expr, path);
  return { matches: test, readsTags, members, refs };
}

/**
 * VisibilityConditions, as SageMaker documents them: a resource that has the tag a condition names
 * (`Tags.<key>`) is found only when the tag's value is the condition's Value (no Value: the empty value);
 * a resource without that tag is found too. Conditions naming the same key are alternatives (its value is
 * one of theirs). Tags are read where the record keeps them (`props.tagsAt`).
 * @throws ValidationException naming the condition whose Key is missing or not `Tags.<key>`.
 */
export function compileVisibilityConditions(props: RecordProperties, conditions: readonly { readonly Key?: string; readonly Value?: string }[]): RecordMatcher {
  const byKey = new Map<string, { ref: PropertyRef; values: Set<string> }>();
  conditions.forEach((c, i) => {
    const path = `/VisibilityConditions/${i}/Key`;
    if (c.Key === undefined) refuse(path, 'A visibility condition needs a Key naming a tag as Tags.<key>.', 'required');
    if (!c.Key.startsWith('Tags.') || c.Key.length === 5) refuse(path, `Key '${c.Key}' must name a tag as Tags.<key>.`, 'not Tags.<key>');
    const tag = c.Key.slice('Tags.'.length);
    const entry = byKey.get(tag) ?? { ref: propertyOf(props, props.tagsAt ? `${props.tagsAt}.${tag}` : c.Key, path), values: new Set<string>() };
    entry.values.add(c.Value ?? '');
    byKey.set(tag, entry);
  });
  const tests = [...byKey.values()].map(({ ref, values }) => (r: unknown) => {
    const held = ref.values(r);
    return held.length === 0 || held.some((v) => typeof v === 'string' && values.has(v));
  });
  const refs = [...byKey.values()].map((e) => e.ref);
  return { matches: (r) => tests.every((t) => t(r)), readsTags: true, members: new Set(refs.map((r) => r.root)), refs };
}

/** A record matches all of the matchers given (none: every record does). */
export function allOf(matchers: readonly (RecordMatcher | undefined)[]): RecordMatcher | undefined {
  const present = matchers.filter((m): m is RecordMatcher => m !== undefined);
  if (present.length <= 1) return present[0];
  return { matches: (r) => present.every((m) => m.matches(r)), readsTags: present.some((m) => m.readsTags), members: new Set(present.flatMap((m) => [...m.members])), refs: present.flatMap((m) => m.refs) };
}
