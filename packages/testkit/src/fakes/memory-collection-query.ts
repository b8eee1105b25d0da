import { ValidationError, clampMaxResults, decodeNextToken, encodeNextToken, type CollectionSpec, type Filter, type ListQuery } from '@loam/core';

export type IndexType = 'text' | 'integer' | 'real';
type Scalar = string | number;

/** The fake's view of a spec: indexed fields (unique ones default to text), the key excluded. */
export function indexedFields(spec: CollectionSpec<unknown>): Map<string, IndexType> {
  const fields = new Map<string, IndexType>();
  for (const [f, t] of Object.entries(spec.indexes as Record<string, IndexType | undefined>)) if (t !== undefined && f !== spec.key) fields.set(f, t);
  for (const f of spec.unique ?? []) if (f !== spec.key && !fields.has(f)) fields.set(f, 'text');
  return fields;
}

export function fits(type: IndexType, v: unknown): boolean {
  if (type === 'text') return typeof v === 'string' && !v.includes('\u0000');
  if (type === 'integer') return typeof v === 'number' && Number.isSafeInteger(v);
  return typeof v === 'number' && Number.isFinite(v);
}

export function typeName(t: IndexType): string {
  return t === 'text' ? 'a string' : t === 'integer' ? 'an integer' : 'a finite number';
}

/** Code-point order, as SQLite's BINARY and PostgreSQL's "C" collations order UTF-8 text. */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (code points > U+FFFF) before U+E000–U+FFFF; code-point order puts them after.
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function compareScalar(a: Scalar, b: Scalar): number {
  return typeof a === 'string' && typeof b === 'string' ? compareText(a, b) : (a as number) - (b as number);
}

export interface Doc {
  readonly key: string;
  readonly doc: Record<string, unknown>;
}

/** Compiles the port's filters and sort over plain documents, with the same rules the SQL adapter enforces. */
export class QueryRules {
  readonly fields: Map<string, IndexType>;
  readonly kind: string;

  constructor(readonly spec: CollectionSpec<unknown>) {
    this.fields = indexedFields(spec);
    this.kind = `${spec.name} record`;
  }

  typeOf(field: string, what: string): IndexType {
    if (field === this.spec.key) return 'text';
    const t = this.fields.get(field);
    if (t !== undefined) return t;
    const valid = [this.spec.key, ...this.fields.keys()].join(', ');
    throw new ValidationError(`${this.kind}s cannot be ${what} '${field}': it is not an indexed field (indexed: ${valid}).`, [{ path: `/${field}`, message: `not indexed; valid: ${valid}` }]);
  }

  value(d: Doc, field: string): Scalar | null {
    return field === this.spec.key ? d.key : ((d.doc[field] ?? null) as Scalar | null);
  }

  checkValue(field: string, type: IndexType, v: unknown): Scalar {
    if (!fits(type, v)) throw new ValidationError(`Filter on ${this.kind} field '${field}' needs ${typeName(type)}; got ${JSON.stringify(v) ?? typeof v}.`, [{ path: `/${field}`, message: `expected ${typeName(type)}` }]);
    return v as Scalar;
  }

  /** A predicate for the filters; an absent field fails every condition on it, `ne` included. */
  predicate(filters: readonly Filter<unknown>[] = []): (d: Doc) => boolean {
    const tests = filters.map((f) => {
      const type = this.typeOf(f.field, 'filtered on');
      if (f.op === 'in') {
        if (!Array.isArray(f.value)) throw new ValidationError(`Filter 'in' on '${f.field}' needs a list of values.`, [{ path: `/${f.field}`, message: 'expected a list' }]);
        const set = (f.value as unknown[]).map((v) => this.checkValue(f.field, type, v));
        return (v: Scalar) => set.includes(v);
      }
      const q = this.checkValue(f.field, type, f.value);
      if ((f.op === 'contains' || f.op === 'prefix') && type !== 'text') {
        throw new ValidationError(`Filter '${f.op}' needs a text field; '${f.field}' is ${type}.`, [{ path: `/${f.field}`, message: 'expected a text field' }]);
      }
      switch (f.op) {
        case 'eq': return (v: Scalar) => v === q;
        case 'ne': return (v: Scalar) => v !== q;
        case 'lt': return (v: Scalar) => compareScalar(v, q) < 0;
        case 'lte': return (v: Scalar) => compareScalar(v, q) <= 0;
        case 'gt': return (v: Scalar) => compareScalar(v, q) > 0;
        case 'gte': return (v: Scalar) => compareScalar(v, q) >= 0;
        case 'contains': return (v: Scalar) => (v as string).toLowerCase().includes((q as string).toLowerCase());
        case 'prefix': return (v: Scalar) => (v as string).startsWith(q as string);
        default: throw new ValidationError(`Filter operator '${String(f.op)}' is not one of eq, ne, lt, lte, gt, gte, contains, prefix, in.`);
      }
    });
    return (d) => filters.every((f, i) => {
      const v = this.value(d, f.field);
      return v !== null && tests[i]!(v);
    });
  }

  /** Filters, sorts (absent values last, key as tie-breaker, Descending the exact reverse) and pages. */
  page(docs: Iterable<Doc>, q: ListQuery<unknown>): { items: Doc[]; nextToken?: string } {
    const limit = clampMaxResults(q.maxResults, 100, 1000);
    const sortBy = q.sortBy ?? this.spec.key;
    const type = this.typeOf(sortBy, 'sorted by');
    if (q.sortOrder !== undefined && q.sortOrder !== 'Ascending' && q.sortOrder !== 'Descending') {
      throw new ValidationError(`SortOrder '${String(q.sortOrder)}' is not Ascending or Descending.`, [{ path: '/SortOrder', message: 'expected Ascending or Descending' }]);
    }
    const sign = q.sortOrder === 'Descending' ? -1 : 1;
    const cmp = (a: [Scalar | null, string], b: [Scalar | null, string]): number => {
      const byValue = a[0] === null ? (b[0] === null ? 0 : 1) : b[0] === null ? -1 : compareScalar(a[0], b[0]);
      return sign * (byValue !== 0 ? byValue : compareText(a[1], b[1]));
    };
    const keyed = (d: Doc): [Scalar | null, string] => [this.value(d, sortBy), d.key];
    const keep = this.predicate(q.filters);
    let rows = [...docs].filter(keep).sort((a, b) => cmp(keyed(a), keyed(b)));
    const cursor = decodeNextToken(q.nextToken);
    if (cursor !== undefined) {
      let after: unknown;
      try {
        after = typeof cursor.after === 'string' ? JSON.parse(cursor.after) : undefined;
      } catch {
        after = undefined;
      }
      if (after === undefined || (after === null && sortBy === this.spec.key) || (after !== null && !fits(type, after))) {
        throw new ValidationError(`NextToken '${(q.nextToken ?? '').slice(0, 40)}' does not belong to a listing sorted by '${sortBy}'.`, [{ path: '/NextToken', message: 'invalid token' }]);
      }
      const at: [Scalar | null, string] = [after as Scalar | null, cursor.name];
      rows = rows.filter((d) => cmp(keyed(d), at) > 0);
    }
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    if (rows.length <= limit || last === undefined) return { items };
    return { items, nextToken: encodeNextToken({ after: JSON.stringify(this.value(last, sortBy)), name: last.key }) };
  }
}
