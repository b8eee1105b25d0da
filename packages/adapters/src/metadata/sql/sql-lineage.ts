import type { LineageEdge, LineageEdgeQuery, LineageStore } from '@loam/core';
import type { SqlSession } from './session.js';

interface EdgeRow {
  source_arn: string;
  destination_arn: string;
  association_type: string;
  created_at: number;
}

/** Lineage edges of every resource in one table keyed by (source, destination). */
export class SqlLineageStore implements LineageStore {
  constructor(private readonly session: SqlSession) {}

  async add(edge: LineageEdge): Promise<void> {
    await this.session.run((db) =>
      db.insertInto('lineage_edges')
        .values({ source_arn: edge.sourceArn, destination_arn: edge.destinationArn, association_type: edge.associationType, created_at: edge.createdAt })
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
    const rows = (await this.session.run((db) => {
      let q = db.selectFrom('lineage_edges').selectAll();
      if (query.associationType !== undefined) q = q.where('association_type', '=', query.associationType);
      if (query.createdAfter !== undefined) q = q.where('created_at', '>=', query.createdAfter);
      if (query.createdBefore !== undefined) q = q.where('created_at', '<=', query.createdBefore);
      return q.orderBy('created_at').orderBy('source_arn').orderBy('destination_arn').execute();
    })) as EdgeRow[];
    return rows.map(toEdge);
  }

  async remove(sourceArn: string, destinationArn: string): Promise<void> {
    await this.session.run((db) => db.deleteFrom('lineage_edges').where('source_arn', '=', sourceArn).where('destination_arn', '=', destinationArn).execute());
  }
}

function toEdge(r: EdgeRow): LineageEdge {
  return { sourceArn: r.source_arn, destinationArn: r.destination_arn, associationType: r.association_type, createdAt: Number(r.created_at) };
}
