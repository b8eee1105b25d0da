import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import { ValidationError } from '../kernel/errors.js';
import { parseArn, type Partition } from '../kernel/names.js';
import { decodeNextToken, encodeNextToken } from '../kernel/pagination.js';
import type { LineageEdge, MetadataStore } from '../ports/metadata-store.js';
import { lineageArtifactsCollection } from './lineage.collections.js';
import { artifactArn, type AssociationType, type LineageRecorder } from './lineage-recorder.js';
import { vertexTypeOf } from './vertex-types.js';

type Ops = typeof operations;
type Vertex = OutputOf<Ops['QueryLineage']>['Vertices'][number];
type Edge = OutputOf<Ops['QueryLineage']>['Edges'][number];

export interface LineageQueryServiceOptions {
  readonly store: MetadataStore;
  readonly partition: Partition;
  readonly recorder: LineageRecorder;
  /** Brings followed edges up to date before a query (LineageSync.syncOnce), so answers are never stale. */
  readonly beforeQuery?: () => Promise<unknown>;
}

/** SageMaker's QueryLineage and AddAssociation over the shared edge table. */
export class LineageQueryService {
  constructor(private readonly o: LineageQueryServiceOptions) {}

  /** A start given as a location becomes its artifact's ARN. @throws ValidationError for anything else that is not an ARN. */
  private startArn(ref: string, field: string): string {
    if (/^[a-z0-9]+:\/\//.test(ref)) return artifactArn(this.o.partition, ref);
    if (!parseArn(ref)) throw new ValidationError(`'${ref}' at '${field}' is neither an ARN nor an s3:// location.`, [{ path: `/${field}`, message: 'must be an ARN or s3:// URI' }]);
    return ref;
  }

  /**
   * Vertices reachable from the start within MaxDepth associations (default 10), upstream
   * (Ascendants), downstream (Descendants) or both (the union of the two walks, default), in the order
   * a breadth-first walk meets them; the starts themselves are not listed. Filters on Types and
   * LineageTypes pick the vertices listed; with IncludeEdges every vertex on the walk is listed with
   * the edges walked. @throws ValidationError for the time and property filters, which Loam does not keep.
   */
  async QueryLineage(input: InputOf<Ops['QueryLineage']>, _ctx: RequestContext): Promise<OutputOf<Ops['QueryLineage']>> {
    const f = input.Filters ?? {};
    for (const k of ['CreatedBefore', 'CreatedAfter', 'ModifiedBefore', 'ModifiedAfter', 'Properties'] as const) {
      if (f[k] !== undefined) throw new ValidationError(`Filters.${k} is not supported by Loam's lineage query; filter on Types or LineageTypes.`, [{ path: `/Filters/${k}`, message: 'not supported' }]);
    }
    await this.o.beforeQuery?.();
    const starts = (input.StartArns ?? []).map((s, i) => this.startArn(s, `StartArns/${i}`));
    const direction = input.Direction ?? 'Both';
    const maxDepth = input.MaxDepth ?? 10;
    const order: string[] = [];
    const seen = new Set(starts);
    const edges = new Map<string, Edge>();
    const walk = async (dir: 'upstream' | 'downstream') => {
      let frontier = [...starts];
      for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
        const next: string[] = [];
        for (const arn of frontier) {
          for (const e of await this.o.store.lineage.edges(arn, dir)) {
            edges.set(`${e.sourceArn} ${e.destinationArn}`, toEdge(e));
            const far = dir === 'downstream' ? e.destinationArn : e.sourceArn;
            if (seen.has(far)) continue;
            seen.add(far);
            order.push(far);
            next.push(far);
          }
        }
        frontier = next;
      }
    };
    if (direction !== 'Descendants') await walk('upstream');
    if (direction !== 'Ascendants') await walk('downstream');
    let vertices = await Promise.all(order.map((arn) => this.vertex(arn)));
    if (!input.IncludeEdges) {
      if (f.Types?.length) vertices = vertices.filter((v) => f.Types?.includes(v.Type));
      if (f.LineageTypes?.length) vertices = vertices.filter((v) => f.LineageTypes?.includes(v.LineageType));
    }
    const offset = Number(decodeNextToken(input.NextToken)?.after ?? 0);
    const max = input.MaxResults ?? 10;
    const page = vertices.slice(offset, offset + max);
    return {
      Vertices: page,
      Edges: input.IncludeEdges ? [...edges.values()] : [],
      ...(offset + max < vertices.length ? { NextToken: encodeNextToken({ after: offset + max, name: 'lineage' }) } : {}),
    };
  }

  /** Records an association; both ends may be ARNs or s3:// locations. */
  async AddAssociation(input: InputOf<Ops['AddAssociation']>, _ctx: RequestContext): Promise<OutputOf<Ops['AddAssociation']>> {
    const end = async (ref: string, field: string) => (/^[a-z0-9]+:\/\//.test(ref) ? this.o.recorder.artifact(ref, 'DataSet') : this.startArn(ref, field));
    const source = await end(input.SourceArn, 'SourceArn');
    const destination = await end(input.DestinationArn, 'DestinationArn');
    if (source === destination) throw new ValidationError('An association needs two different ends.', [{ path: '/DestinationArn', message: 'same as SourceArn' }]);
    await this.o.recorder.link(source, destination, (input.AssociationType ?? 'ContributedTo') as AssociationType);
    return { SourceArn: source, DestinationArn: destination };
  }

  private async vertex(arn: string): Promise<Vertex> {
    const t = vertexTypeOf(arn);
    if (parseArn(arn)?.kind === 'artifact') {
      const a = (await this.o.store.collection(lineageArtifactsCollection).get(arn))?.value;
      if (a) return { Arn: arn, Type: a.artifactType, LineageType: 'Artifact', SourceUri: a.uri };
      return { Arn: arn, Type: 'Artifact', LineageType: 'Artifact' };
    }
    return { Arn: arn, Type: t.type, LineageType: t.lineageType };
  }
}

function toEdge(e: LineageEdge): Edge {
  return { SourceArn: e.sourceArn, DestinationArn: e.destinationArn, AssociationType: e.associationType };
}
