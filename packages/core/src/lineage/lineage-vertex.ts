import { parseArn } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { lineageArtifactsCollection, type LineageArtifactRecord } from './lineage.collections.js';
import { isRetiredVertex } from './lineage-lives.js';
import { vertexTypeOf, type LineageTypeName } from './vertex-types.js';

/** A vertex as QueryLineage answers it (SageMaker's Vertex), with what Loam knows beside it. */
export interface LineageVertexInfo {
  readonly vertex: { readonly Arn: string; readonly Type: string; readonly LineageType: LineageTypeName };
  /** An artifact's location (its record's URI): what the visibility check reads, and what DescribeArtifact answers. */
  readonly uri?: string;
  /** A name SageMaker's ExperimentEntityName admits: an artifact's ArtifactName, else the resource name in the ARN when it fits. */
  readonly name?: string;
  /** An artifact's times (epoch ms) and Properties, from its record: what QueryLineage's Filters read of it. */
  readonly artifact?: { readonly createdAt: number; readonly modifiedAt: number; readonly properties: Readonly<Record<string, string>> };
}

const entityName = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}$/;

/** The vertex an ARN names: an artifact by its record (type, location, name), anything else by its kind. */
export async function lineageVertex(store: MetadataStore, arn: string): Promise<LineageVertexInfo> {
  const a = parseArn(arn)?.kind === 'artifact' ? (await store.collection(lineageArtifactsCollection).get(arn))?.value : undefined;
  return vertexOf(arn, a);
}

/** ARNs per `in` filter: far below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

/** The vertices of these ARNs, as {@link lineageVertex}, with the artifacts' records read in one query (per 500), not one each. */
export async function lineageVertices(store: MetadataStore, arns: Iterable<string>): Promise<Map<string, LineageVertexInfo>> {
  const all = [...new Set(arns)];
  const artifacts = all.filter((arn) => parseArn(arn)?.kind === 'artifact');
  const records = new Map<string, LineageArtifactRecord>();
  for (let i = 0; i < artifacts.length; i += CHUNK) {
    const chunk = artifacts.slice(i, i + CHUNK);
    const page = await store.collection(lineageArtifactsCollection).list({ filters: [{ field: 'arn', op: 'in', value: chunk }], maxResults: CHUNK });
    for (const { value } of page.items) records.set(value.arn, value);
  }
  return new Map(all.map((arn) => [arn, vertexOf(arn, records.get(arn))]));
}

function vertexOf(arn: string, a: LineageArtifactRecord | undefined): LineageVertexInfo {
  const parsed = parseArn(arn);
  if (parsed?.kind === 'artifact') {
    if (!a) return { vertex: { Arn: arn, Type: 'Artifact', LineageType: 'Artifact' } };
    return {
      vertex: { Arn: arn, Type: a.artifactType, LineageType: 'Artifact' }, uri: a.uri, ...(a.name !== undefined ? { name: a.name } : {}),
      artifact: { createdAt: a.createdAt, modifiedAt: a.lastModifiedAt ?? a.createdAt, properties: a.properties ?? {} },
    };
  }
  const t = vertexTypeOf(arn);
  const name = parsed?.name;
  return { vertex: { Arn: arn, Type: t.type, LineageType: t.lineageType }, ...(name !== undefined && entityName.test(name) ? { name } : {}) };
}

/**
 * Whether each resource ARN names a resource that exists: true or false for kinds a capability owns,
 * undefined for kinds none does. Batched: one lookup per kind, not one per ARN.
 */
export type ResourcesExist = (arns: readonly string[]) => Promise<ReadonlyMap<string, boolean | undefined>>;

/** A {@link ResourcesExist} asking `one` ARN by ARN (what a caller gives when it has no batched check). */
export function eachExists(one: ((arn: string) => Promise<boolean | undefined>) | undefined): ResourcesExist {
  return async (arns) => new Map(await Promise.all(arns.map(async (arn) => [arn, await one?.(arn)] as const)));
}

/**
 * Which vertices still stand for something Loam has: an artifact by its record, a resource of a kind a
 * capability owns by that capability (a deleted model or endpoint does not: `exist` says false), a retired
 * life of a resource (lineage-lives) never, anything else (an MLflow run, AddAssociation's contexts)
 * always. One `exist` call for all of them.
 */
export async function standingVertices(vertices: Iterable<LineageVertexInfo>, exist: ResourcesExist): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  const resources: string[] = [];
  for (const x of vertices) {
    const arn = x.vertex.Arn;
    if (out.has(arn)) continue;
    if (isRetiredVertex(arn)) out.set(arn, false);
    else if (parseArn(arn)?.kind === 'artifact') out.set(arn, x.uri !== undefined);
    else {
      out.set(arn, true);
      resources.push(arn);
    }
  }
  if (resources.length > 0) {
    const exists = await exist(resources);
    for (const arn of resources) out.set(arn, exists.get(arn) !== false);
  }
  return out;
}
