import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import { LoamError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { parseArn, type Partition } from '../kernel/names.js';
import { decodeNextToken, encodeNextToken } from '../kernel/pagination.js';
import type { LineageEdge, MetadataStore } from '../ports/metadata-store.js';
import { lineageArtifactsCollection } from './lineage.collections.js';
import { normalizeUri, type AssociationType, type LineageRecorder } from './lineage-recorder.js';
import { checkLocationSize, entityArn, isLocation } from './lineage-refs.js';
import { eachExists, lineageVertices, standingVertices, type ResourcesExist } from './lineage-vertex.js';
import { VertexFilter } from './lineage-query-filters.js';
import { lineageLives } from './lineage-lives.js';
import { LineageVisibility, type VertexReadCheck } from './lineage-visibility.js';

type Ops = typeof operations;
type Edge = OutputOf<Ops['QueryLineage']>['Edges'][number];

export interface LineageQueryServiceOptions {
  readonly store: MetadataStore;
  readonly partition: Partition;
  readonly recorder: LineageRecorder;
  /** Brings followed edges up to date before a query (LineageSync.syncOnce), so answers are never stale. */
  readonly beforeQuery?: () => Promise<unknown>;
  /**
   * Whether the resource an ARN names exists: true or false for kinds a capability owns (TagService's
   * resolvers), undefined for kinds none does. AddAssociation refuses an end that does not exist.
   */
  readonly resourceExists?: (arn: string) => Promise<boolean | undefined>;
  /**
   * `resourceExists` for many ARNs at once (lineageResourcesExist: one query per kind), for the vertices
   * of a QueryLineage answer. Without it, `resourceExists` is asked ARN by ARN.
   */
  readonly resourcesExist?: ResourcesExist;
  /**
   * The caller's policies. QueryLineage is authorized on `*`; with this, it lists only the vertices
   * (and edges between them) the caller may read (LineageVisibility). Without it, every vertex.
   */
  readonly authorize?: ActionAuthorizer;
  /** With `authorize`: the vertices whose read is not one action on their ARN (an MLflow run's experiment). */
  readonly readCheck?: VertexReadCheck;
}

/** SageMaker's QueryLineage, AddAssociation and DeleteAssociation over the shared edge table. */
export class LineageQueryService {
  constructor(private readonly o: LineageQueryServiceOptions) {}

  private startArn(ref: string, field: string): string {
    return entityArn(this.o.partition, ref, field);
  }

  /**
   * An association's end must be something Loam has, as SageMaker answers ResourceNotFound for a missing
   * one: a resource of a kind a capability owns that exists, a lineage artifact, or a vertex lineage
   * already holds (an MLflow run, a flow run). @throws NotFoundError
   */
  private async requireVertex(arn: string, given: string): Promise<void> {
    if (!(await this.hasVertex(arn, false))) throw new NotFoundError('Lineage entity', given);
  }

  /**
   * Whether Loam has the vertex `arn`: a lineage artifact, a resource that exists, or (a kind no capability
   * owns, or with `deletedWithEdges` any) one lineage holds edges of.
   */
  private async hasVertex(arn: string, deletedWithEdges: boolean): Promise<boolean> {
    if (parseArn(arn)?.kind === 'artifact') return (await this.o.store.collection(lineageArtifactsCollection).get(arn)) !== undefined;
    const exists = await this.o.resourceExists?.(arn);
    if (exists === true) return true;
    if (exists === false && !deletedWithEdges) return false;
    return (await this.o.store.lineage.edges(arn, 'downstream')).length > 0 || (await this.o.store.lineage.edges(arn, 'upstream')).length > 0;
  }

  /**
   * Vertices reachable from the start within MaxDepth associations (default 10), upstream
   * (Ascendants), downstream (Descendants) or both (the union of the two walks, default), in the order
   * a breadth-first walk meets them; the starts themselves are not listed. Filters (types, times,
   * properties: {@link VertexFilter}) pick the vertices listed; with IncludeEdges every vertex on the
   * walk is listed with the edges walked. A start naming a resource since deleted (not created again)
   * answers the lineage its lives had (their retired vertices' edges, named by that ARN), as SageMaker's
   * lineage entities (an endpoint's context, a package's artifact) outlive the resource; one created again
   * answers only its own. Vertices the caller may not read (LineageVisibility),
   * vertices of deleted resources (a model or an endpoint since deleted: `resourceExists` says false) and
   * retired lives of resources (the edges a deleted resource had: lineage-lives) are left out, and so are the edges that touch them; the walk still goes through them, so what lies beyond
   * one is found. At most one start (the operation's shape). With `authorize`, a start whose ARN the caller may
   * not read is refused before Loam looks for it ({@link mayStartFrom}), and one hidden by its record answers as
   * a missing one, so the answer says nothing of whether it exists. @throws ValidationError (a start that is not
   * an ARN or location, another account's ARN), AccessDeniedError naming StartArns (a start the caller may not
   * read by its ARN), NotFoundError naming StartArns (a start Loam has nothing of, as SageMaker answers
   * ResourceNotFound: no artifact, no resource, no lineage of a deleted one; an artifact named by ARN whose
   * location the caller may not read; an MLflow run, experiment, trial or trial component in an MLflow
   * experiment the caller may not read).
   */
  async QueryLineage(input: InputOf<Ops['QueryLineage']>, ctx: RequestContext): Promise<OutputOf<Ops['QueryLineage']>> {
    await this.o.beforeQuery?.();
    const given = (input.StartArns ?? []).map((s, i) => this.startArn(s, `StartArns/${i}`));
    // A start naming a resource since deleted (and not created again) starts from the retired vertices its
    // edges moved to as well, as SageMaker's lineage entities outlive the resource; they are answered under
    // the ARN given. A resource created again under the name has only its own.
    const v = this.o.authorize ? new LineageVisibility(this.o.authorize, ctx.principal, this.o.readCheck) : undefined;
    const asGiven = new Map<string, string>();
    for (const [i, start] of given.entries()) {
      const notFound = () => new LoamError('ResourceNotFound', `Lineage entity '${input.StartArns![i]}' does not exist (StartArns/${i}).`, [{ path: `/StartArns/${i}`, message: 'no such lineage entity' }]);
      if (v && !(await this.mayStartFrom(v, start, input.StartArns![i]!, `StartArns/${i}`))) throw notFound();
      const lives = await this.lives(start);
      if (lives.length === 1 && !(await this.hasVertex(start, true))) throw notFound();
      for (const life of lives.slice(1)) asGiven.set(life, start);
    }
    const named = (arn: string) => asGiven.get(arn) ?? arn;
    const starts = [...given, ...asGiven.keys()];
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
            const edge = toEdge({ ...e, sourceArn: named(e.sourceArn), destinationArn: named(e.destinationArn) });
            edges.set(`${edge.SourceArn} ${edge.DestinationArn}`, edge);
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
    // Every vertex's record and existence in a few queries (one per kind), not one lookup each.
    const infos = await lineageVertices(this.o.store, order);
    const found = order.map((arn) => infos.get(arn)!);
    const stands = await standingVertices(found, this.o.resourcesExist ?? eachExists(this.o.resourceExists));
    const shownAt = await Promise.all(found.map(async (x) => stands.get(x.vertex.Arn) === true && (v === undefined || (await v.visible(x.vertex.Arn, x.uri)))));
    let shownFound = found.filter((_, i) => shownAt[i]);
    // The starts are the caller's own words; any other end must be a vertex listed.
    const shown = new Set([...given, ...shownFound.map((x) => x.vertex.Arn)]);
    const shownEdges = [...edges.values()].filter((e) => shown.has(e.SourceArn) && shown.has(e.DestinationArn));
    if (!input.IncludeEdges && input.Filters) {
      shownFound = await new VertexFilter(input.Filters, this.o.store).keep(shownFound);
    }
    const vertices = shownFound.map((x) => x.vertex);
    const offset = lineageOffset(input.NextToken);
    const max = input.MaxResults ?? 10;
    const page = vertices.slice(offset, offset + max);
    return {
      Vertices: page,
      Edges: input.IncludeEdges ? shownEdges : [],
      ...(offset + max < vertices.length ? { NextToken: encodeNextToken({ after: offset + max, name: 'lineage' }) } : {}),
    };
  }

  /**
   * Whether the caller may start a walk from `start` (named `ref` at `field`), judged on its ARN before its
   * existence is: a resource, an MLflow run, an s3:// location given as such, anything else by its ARN,
   * refused with AccessDenied whether or not Loam has it. What only a start's record says is judged after:
   * false (answered ResourceNotFound, as for an unknown ARN) for an artifact named by its ARN whose location
   * the caller may not read (as DescribeArtifact answers), and for an MLflow run, experiment, trial or trial
   * component in an MLflow experiment the caller may not read (its ARN does not name the experiment), so a
   * hidden start and a missing one answer alike. @throws AccessDeniedError
   */
  private async mayStartFrom(v: LineageVisibility, start: string, ref: string, field: string): Promise<boolean> {
    if (parseArn(start)?.kind === 'artifact' && !isLocation(ref)) {
      const artifact = await this.o.store.collection(lineageArtifactsCollection).get(start);
      return artifact === undefined || v.visible(start, artifact.value.uri);
    }
    return v.require(start, isLocation(ref) ? normalizeUri(ref) : undefined, field);
  }

  /**
   * Whether an association's end (named by ARN, not a location) is hidden from the caller by what only its
   * record says, as a QueryLineage start is ({@link mayStartFrom}): an MLflow run, experiment, trial or trial
   * component the `readCheck` judges unreadable (its MLflow experiment), an artifact whose location they may
   * not read. The ARN itself was the dispatcher's check (the operation's action on each end).
   */
  private async hiddenEnd(arn: string, ctx: RequestContext): Promise<boolean> {
    if (!this.o.authorize) return false;
    const v = new LineageVisibility(this.o.authorize, ctx.principal, this.o.readCheck);
    if (parseArn(arn)?.kind === 'artifact') {
      const artifact = await this.o.store.collection(lineageArtifactsCollection).get(arn);
      return artifact !== undefined && !(await v.visible(arn, artifact.value.uri));
    }
    return (await this.o.readCheck?.(ctx.principal, arn)) === false;
  }

  /**
   * Records an association; both ends may be ARNs or s3:// locations (a location becomes an artifact).
   * An end hidden from the caller ({@link hiddenEnd}) answers as a missing one does.
   * @throws ValidationError (not an ARN, another account, one end twice, a location over 2048 bytes), NotFoundError (an end Loam does not have, or hidden).
   */
  async AddAssociation(input: InputOf<Ops['AddAssociation']>, ctx: RequestContext): Promise<OutputOf<Ops['AddAssociation']>> {
    const isUri = isLocation;
    const source = this.startArn(input.SourceArn, 'SourceArn');
    const destination = this.startArn(input.DestinationArn, 'DestinationArn');
    if (source === destination) throw new ValidationError('An association needs two different ends.', [{ path: '/DestinationArn', message: 'same as SourceArn' }]);
    for (const [arn, given] of [[source, input.SourceArn], [destination, input.DestinationArn]] as const) {
      if (isUri(given)) continue;
      await this.requireVertex(arn, given);
      if (await this.hiddenEnd(arn, ctx)) throw new NotFoundError('Lineage entity', given);
    }
    if (isUri(input.SourceArn)) checkLocationSize(input.SourceArn, 'SourceArn');
    if (isUri(input.DestinationArn)) checkLocationSize(input.DestinationArn, 'DestinationArn');
    if (isUri(input.SourceArn)) await this.o.recorder.artifact(input.SourceArn, 'DataSet');
    if (isUri(input.DestinationArn)) await this.o.recorder.artifact(input.DestinationArn, 'DataSet');
    await this.o.recorder.link(source, destination, (input.AssociationType ?? 'ContributedTo') as AssociationType);
    return { SourceArn: source, DestinationArn: destination };
  }

  /**
   * Removes the association from source to destination, however it was recorded (by a capability or by
   * AddAssociation); the ends are named as in AddAssociation. An end naming a resource since deleted also
   * matches the retired vertices its edges moved to ({@link lives}). An association with an end hidden from
   * the caller ({@link hiddenEnd}) answers as a missing one does, and stays. @throws ValidationError, NotFoundError (no such association, or a hidden end).
   */
  async DeleteAssociation(input: InputOf<Ops['DeleteAssociation']>, ctx: RequestContext): Promise<OutputOf<Ops['DeleteAssociation']>> {
    const source = this.startArn(input.SourceArn, 'SourceArn');
    const destination = this.startArn(input.DestinationArn, 'DestinationArn');
    const none = () => new NotFoundError('Association', `${input.SourceArn} -> ${input.DestinationArn}`);
    if ((!isLocation(input.SourceArn) && (await this.hiddenEnd(source, ctx))) || (!isLocation(input.DestinationArn) && (await this.hiddenEnd(destination, ctx)))) throw none();
    const destinations = new Set(await this.lives(destination));
    const found: LineageEdge[] = [];
    for (const s of await this.lives(source)) found.push(...(await this.o.store.lineage.edges(s, 'downstream')).filter((e) => destinations.has(e.destinationArn)));
    if (found.length === 0) throw none();
    for (const e of found) await this.o.store.lineage.remove(e.sourceArn, e.destinationArn);
    return { SourceArn: source, DestinationArn: destination };
  }

  /** {@link lineageLives}: the vertices a start or an association's end names (a deleted resource's retired lives too). */
  private lives(arn: string): Promise<string[]> {
    return lineageLives(this.o.store, arn, this.o.resourceExists);
  }
}

/**
 * Where a QueryLineage page starts: 0, or the offset a previous page issued. A token of another listing or
 * a forged offset (text, negative, fractional) read an empty or misplaced page. @throws ValidationError
 */
function lineageOffset(token: string | undefined): number {
  const cursor = decodeNextToken(token);
  if (cursor === undefined) return 0;
  if (cursor.name !== 'lineage' || typeof cursor.after !== 'number' || !Number.isSafeInteger(cursor.after) || cursor.after < 0) {
    throw new ValidationError('NextToken is not a token QueryLineage issued; pass the one the previous page answered with the same request.', [{ path: '/NextToken', message: 'invalid token' }]);
  }
  return cursor.after;
}

function toEdge(e: LineageEdge): Edge {
  return { SourceArn: e.sourceArn, DestinationArn: e.destinationArn, AssociationType: e.associationType };
}
