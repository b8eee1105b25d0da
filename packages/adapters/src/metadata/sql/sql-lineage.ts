import { sql, type ExpressionBuilder } from 'kysely';
import type { LineageEdge, LineageEdgeEnds, LineageEdgeQuery, LineageStore } from '@loam/core';
import type { Db, SqlSession } from './session.js';

interface EdgeRow {
  source_arn: string;
  destination_arn: string;
  association_type: string;
  created_at: number;
  /** 1 when recorded by this Loam; NULL for an edge an older Loam recorded (base:0003): LineageEdge.legacy. */
  lives: number | null;
}

/** Lineage edges of every resource in one table keyed by (source, destination). */
export class SqlLineageStore implements LineageStore {
  constructor(private readonly session: SqlSession) {}

  async add(edge: LineageEdge): Promise<void> {
    await this.session.run((db) =>
      db.insertInto('lineage_edges')
        .values({ source_arn: edge.sourceArn, destination_arn: edge.destinationArn, association_type: edge.associationType, created_at: edge.createdAt, lives: edge.legacy ? null : 1 })
        .onConflict((oc) => oc.columns(['source_arn', 'destination_arn']).doNothing())
        .execute(),
    );
  }

  /** Oldest first; ties by the ARN at the other end, so the order is stable. */
  async edges(arn: string, direction: 'downstream' | 'upstream'): Promise<LineageEdge[]> {
    const [near, far] = direction === 'downstream' ? ['source_arn', 'destination_arn'] : ['destination_arn', 'source_arn'];
    const rows = (await this.session.run((db) =>
      db.selectFrom('lineage_edges').selectAll().where(near, '=', arn).orderBy('created_at').orderBy(far).execute(),
    )) as EdgeRow[];
    return rows.map(toEdge);
  }

  async list(query: LineageEdgeQuery = {}): Promise<LineageEdge[]> {
    const rows = (await this.session.run((db) => listEdgesQuery(db, query).execute())) as EdgeRow[];
    return rows.map(toEdge);
  }

  /**
   * Two statements whatever the number of edges: the moved copies are inserted from the edges themselves
   * (INSERT … SELECT, an edge already at `to` kept), then the originals deleted. It was a delete and an
   * insert per edge (each under its own savepoint on PostgreSQL). The DELETE removes only an edge whose
   * copy is at `to`: on PostgreSQL (READ COMMITTED) each statement reads what is committed when it starts,
   * so an edge of `arn` another session commits between the two was deleted uncopied (lost); it now stays
   * at `arn`, as an edge recorded just after the move would. Outside a transaction it opens one, so a crash
   * between the two leaves no edge both at `arn` and at `to`.
   */
  async moveEnd(arn: string, to: string, only?: readonly LineageEdgeEnds[]): Promise<void> {
    const downstream = only && [...new Set(only.filter((e) => e.sourceArn === arn).map((e) => e.destinationArn))];
    const upstream = only && [...new Set(only.filter((e) => e.destinationArn === arn).map((e) => e.sourceArn))];
    if (only && downstream!.length + upstream!.length === 0) return;
    const touching = (eb: ExpressionBuilder<any, 'lineage_edges'>) => (only === undefined
      ? eb.or([eb('source_arn', '=', arn), eb('destination_arn', '=', arn)])
      : eb.or([
        ...(downstream!.length > 0 ? [eb.and([eb('source_arn', '=', arn), eb('destination_arn', 'in', downstream!)])] : []),
        ...(upstream!.length > 0 ? [eb.and([eb('destination_arn', '=', arn), eb('source_arn', 'in', upstream!)])] : []),
      ]));
    const move = async (db: Db) => {
      await db.insertInto('lineage_edges')
        .columns(['source_arn', 'destination_arn', 'association_type', 'created_at', 'lives'])
        .expression(db.selectFrom('lineage_edges').select((eb) => [
          eb.case().when('source_arn', '=', arn).then(to).else(eb.ref('source_arn')).end().as('source_arn'),
          eb.case().when('destination_arn', '=', arn).then(to).else(eb.ref('destination_arn')).end().as('destination_arn'),
          'association_type', 'created_at', 'lives',
        ]).where(touching))
        .onConflict((oc) => oc.columns(['source_arn', 'destination_arn']).doNothing())
        .execute();
      // Only the edges whose copy (or an edge kept in its place) is at `to`; the outer row is named by the table's name.
      await db.deleteFrom('lineage_edges').where((eb) => eb.and([touching(eb), eb.exists(eb.selectFrom('lineage_edges as copy').select(sql.lit(1).as('one'))
        .where('copy.source_arn', '=', eb.case().when('lineage_edges.source_arn', '=', arn).then(to).else(eb.ref('lineage_edges.source_arn')).end())
        .where('copy.destination_arn', '=', eb.case().when('lineage_edges.destination_arn', '=', arn).then(to).else(eb.ref('lineage_edges.destination_arn')).end()))]))
        .execute();
    };
    await this.session.run((db) => (this.session.inTransaction ? move(db) : db.transaction().execute((trx) => move(trx as Db))));
  }

  async remove(sourceArn: string, destinationArn: string): Promise<void> {
    await this.session.run((db) => db.deleteFrom('lineage_edges').where('source_arn', '=', sourceArn).where('destination_arn', '=', destinationArn).execute());
  }
}

function toEdge(r: EdgeRow): LineageEdge {
  return { sourceArn: r.source_arn, destinationArn: r.destination_arn, associationType: r.association_type, createdAt: Number(r.created_at), ...(r.lives === null ? { legacy: true as const } : {}) };
}

/**
 * The SELECT behind {@link SqlLineageStore.list} (exported for its plan test): in `created_at` order it
 * reads the `lineage_edges_created_at` index (base:0002), so a page stops at its limit instead of sorting
 * the table, and a time window reads only the edges inside it.
 */
export function listEdgesQuery(db: Db, query: LineageEdgeQuery) {
  const desc = query.order === 'Descending';
  const dir = desc ? 'desc' : 'asc';
  const past = desc ? '<' : '>';
  let q = db.selectFrom('lineage_edges').selectAll();
  if (query.associationType !== undefined) q = q.where('association_type', '=', query.associationType);
  if (query.createdAfter !== undefined) q = q.where('created_at', '>=', query.createdAfter);
  if (query.createdBefore !== undefined) q = q.where('created_at', '<=', query.createdBefore);
  // The listing's key, most significant first; (source, destination) is unique, so the order is total.
  const columns = query.sortBy === 'sourceArn' ? (['source_arn', 'destination_arn'] as const)
    : query.sortBy === 'destinationArn' ? (['destination_arn', 'source_arn'] as const)
    : (['created_at', 'source_arn', 'destination_arn'] as const);
  const a = query.after;
  if (a !== undefined) {
    const value = { created_at: a.createdAt, source_arn: a.sourceArn, destination_arn: a.destinationArn };
    // (c1, c2, …) past (v1, v2, …), spelt out: c1 past v1, or c1 = v1 and c2 past v2, …
    q = q.where((eb) => eb.or(columns.map((c, i) => eb.and([...columns.slice(0, i).map((p) => eb(p, '=', value[p])), eb(c, past, value[c])]))));
  }
  let ordered = q.orderBy(columns[0], dir);
  for (const c of columns.slice(1)) ordered = ordered.orderBy(c, dir);
  if (query.limit !== undefined) ordered = ordered.limit(query.limit);
  return ordered;
}
