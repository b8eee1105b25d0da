import { sql } from 'kysely';
import { ConflictError, NotFoundError, ResourceInUseError, ValidationError, valueAtPath, type Collection, type CollectionSpec, type Filter, type ListQuery, type Page, type RecordValues, type ValuesQuery, type Versioned } from '@loam/core';
import { KEY_COLUMN, columnValues, fitsType, describeType, indexColumn, keyOf, type CollectionLayout } from './collection-layout.js';
import { MAX_RESULTS_LIMIT, columnFor, planList, whereSql, type ListPlan } from './list-query.js';
import type { Db, SqlSession } from './session.js';

interface Row {
  pk: string;
  doc: string;
  version: number;
}

const COLUMNS = [KEY_COLUMN, 'doc', 'version'] as const;

function checkVersion(v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new ValidationError(`Expected version must be a positive integer; got ${String(v)}.`, [{ path: '/version', message: 'expected a positive integer' }]);
  }
}

/** A listing's statement: one row more than the page, to know whether another follows. */
export function listPageQuery(db: Db, layout: CollectionLayout, plan: ListPlan) {
  return db.selectFrom(layout.table).select([...COLUMNS]).where(plan.where).orderBy(plan.orderBy).limit(plan.limit + 1);
}


/** One collection as one table; every method is one statement or a short sequence on one session. */
export class SqlCollection<T> implements Collection<T> {
  readonly spec: CollectionSpec<T>;

  constructor(
    private readonly session: SqlSession,
    private readonly layout: CollectionLayout,
  ) {
    this.spec = layout.spec as CollectionSpec<T>;
  }

  async insert(value: T): Promise<Versioned<T>> {
    const { doc, json, key, columns } = this.#encode(value);
    try {
      await this.session.run((db) => db.insertInto(this.layout.table).values({ [KEY_COLUMN]: key, doc: json, version: 1, ...columns }).execute());
    } catch (e) {
      throw this.#inUse(e, key, doc);
    }
    return { value: JSON.parse(json) as T, version: 1 };
  }

  async get(key: string): Promise<Versioned<T> | undefined> {
    // Inside a transaction that others run beside, the record stays locked until it ends (see the dialect).
    const lock = this.session.inTransaction && this.session.dialect.capabilities.concurrentTransactions;
    const row = await this.session.run((db) => {
      const q = this.#select(db).where(KEY_COLUMN, '=', key);
      return (lock ? q.forUpdate() : q).executeTakeFirst();
    });
    return row === undefined ? undefined : this.#decode(row as Row);
  }

  async findOne(field: keyof T & string, value: string | number): Promise<Versioned<T> | undefined> {
    const col = columnFor(this.layout, field, 'looked up by');
    if (!fitsType(col.type, value)) {
      throw new ValidationError(`${this.layout.kind} field '${field}' holds ${describeType(col.type)}; got ${JSON.stringify(value)}.`, [{ path: `/${field}`, message: `expected ${describeType(col.type)}` }]);
    }
    const row = await this.session.run((db) =>
      this.#select(db).where(sql<boolean>`${col.ref} = ${value}`).orderBy(KEY_COLUMN).limit(1).executeTakeFirst(),
    );
    return row === undefined ? undefined : this.#decode(row as Row);
  }

  async update(key: string, expectedVersion: number, value: T): Promise<Versioned<T>> {
    checkVersion(expectedVersion);
    const { doc, json, key: newKey, columns } = this.#encode(value);
    if (newKey !== key) {
      throw new ValidationError(`${this.layout.kind} '${key}' cannot change its key to '${newKey}'.`, [{ path: `/${this.layout.spec.key}`, message: 'the key cannot change' }]);
    }
    try {
      await this.session.run(async (db) => {
        const r = await db.updateTable(this.layout.table)
          .set({ doc: json, version: sql`version + 1`, ...columns })
          .where(KEY_COLUMN, '=', key).where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) await this.#explainMiss(db, key, expectedVersion);
      });
    } catch (e) {
      throw this.#inUse(e, key, doc);
    }
    return { value: JSON.parse(json) as T, version: expectedVersion + 1 };
  }

  async delete(key: string, expectedVersion?: number): Promise<boolean> {
    if (expectedVersion !== undefined) checkVersion(expectedVersion);
    return this.session.run(async (db) => {
      let q = db.deleteFrom(this.layout.table).where(KEY_COLUMN, '=', key);
      if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
      const r = await q.executeTakeFirst();
      if (Number(r.numDeletedRows) > 0) return true;
      if (expectedVersion === undefined) return false;
      const exists = await db.selectFrom(this.layout.table).select('version').where(KEY_COLUMN, '=', key).executeTakeFirst();
      if (exists !== undefined) throw this.#conflict(key, expectedVersion, (exists as { version: number }).version);
      return false;
    });
  }

  async list(query: ListQuery<T> = {}): Promise<Page<Versioned<T>>> {
    const plan = planList(this.session.dialect, this.layout, query);
    const rows = (await this.session.run((db) =>
      listPageQuery(db, this.layout, plan).execute(),
    )) as Row[];
    const page = rows.slice(0, plan.limit).map((r) => this.#decode(r));
    const last = page[page.length - 1];
    if (rows.length <= plan.limit || last === undefined) return { items: page };
    return { items: page, nextToken: plan.nextToken(last.value as Record<string, unknown>, keyOf(this.layout, last.value as Record<string, unknown>)) };
  }

  async values(query: ValuesQuery<T>): Promise<RecordValues[]> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > MAX_RESULTS_LIMIT) {
      throw new ValidationError(`A values read takes a limit of 1-${MAX_RESULTS_LIMIT}; got ${String(query.limit)}.`, [{ path: '/limit', message: `expected 1-${MAX_RESULTS_LIMIT}` }]);
    }
    const d = this.session.dialect;
    const after = query.after === undefined ? [] : [sql`${sql.ref(KEY_COLUMN)} > ${query.after}`];
    const where = whereSql(d, this.layout, query.filters, after);
    const columns = query.paths.map((p, i) => d.jsonAt(sql.ref('doc'), p).as(`v${i}`));
    // The page's keys first, then their values: a planner that reads the filtered rows and sorts them (PostgreSQL
    // with a bitmap scan) would otherwise extract the values of every row past `after` on every page.
    const keys = (db: Db) => db.selectFrom(this.layout.table).select(KEY_COLUMN).where(where).orderBy(KEY_COLUMN).limit(query.limit);
    try {
      const rows = (await this.session.run((db) =>
        db.selectFrom(this.layout.table).select([KEY_COLUMN, ...columns]).where(KEY_COLUMN, 'in', keys(db)).orderBy(KEY_COLUMN).execute(),
      )) as Record<string, string | null>[];
      return rows.map((r) => ({ key: r[KEY_COLUMN] as string, values: query.paths.map((_, i) => (r[`v${i}`] == null ? undefined : JSON.parse(r[`v${i}`] as string))) }));
    } catch (e) {
      if (!d.isJsonRefused?.(e)) throw e;
    }
    // A record the database cannot read as JSON is among them (run under a savepoint in a transaction): read them whole.
    const rows = (await this.session.run((db) =>
      db.selectFrom(this.layout.table).select([KEY_COLUMN, 'doc']).where(KEY_COLUMN, 'in', keys(db)).orderBy(KEY_COLUMN).execute(),
    )) as Row[];
    return rows.map((r) => {
      const doc = JSON.parse(r.doc) as unknown;
      return { key: r.pk, values: query.paths.map((p) => valueAtPath(doc, p)) };
    });
  }

  async count(filters?: readonly Filter<T>[]): Promise<number> {
    const where = whereSql(this.session.dialect, this.layout, filters);
    const row = await this.session.run((db) =>
      db.selectFrom(this.layout.table).select(sql<number>`count(*)`.as('n')).where(where).executeTakeFirstOrThrow(),
    );
    return Number((row as { n: number }).n);
  }

  #select(db: Db) {
    return db.selectFrom(this.layout.table).select([...COLUMNS]);
  }

  #encode(value: T) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationError(`A ${this.layout.kind} must be a JSON object.`);
    }
    const json = JSON.stringify(value);
    // The stored form is JSON: what a caller gets back is what survives a JSON round trip.
    const doc = JSON.parse(json) as Record<string, unknown>;
    return { doc, json, key: keyOf(this.layout, doc), columns: columnValues(this.layout, doc) };
  }

  #decode(row: Row): Versioned<T> {
    return { value: JSON.parse(row.doc) as T, version: Number(row.version) };
  }

  async #explainMiss(db: Db, key: string, expected: number): Promise<never> {
    const row = await db.selectFrom(this.layout.table).select('version').where(KEY_COLUMN, '=', key).executeTakeFirst();
    if (row === undefined) throw new NotFoundError(this.layout.kind, key);
    throw this.#conflict(key, expected, Number((row as { version: number }).version));
  }

  #conflict(key: string, expected: number, actual: number): ConflictError {
    return new ConflictError(`${this.layout.kind} '${key}' is at version ${actual}, not ${expected}; re-read it and retry.`);
  }

  /** Names the unique field the database refused, from the constraint text both drivers report. */
  #inUse(e: unknown, key: string, doc: Record<string, unknown>): unknown {
    if (!this.session.dialect.isUniqueViolation(e)) return e;
    const text = ['message', 'detail', 'constraint'].map((k) => String((e as Record<string, unknown>)[k] ?? '')).join(' ');
    const field = this.layout.unique.find((f) => new RegExp(`\\b(${indexColumn(f)}|\\w+__u__${f})\\b`).test(text));
    if (field === undefined) return new ResourceInUseError(`${this.layout.kind} '${key}' already exists.`);
    return new ResourceInUseError(`${this.layout.kind} with ${field} '${String(doc[field])}' already exists.`);
  }
}
