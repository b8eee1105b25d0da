import { parseArn } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { lineageArtifactsCollection } from './lineage.collections.js';
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
  const parsed = parseArn(arn);
  if (parsed?.kind === 'artifact') {
    const a = (await store.collection(lineageArtifactsCollection).get(arn))?.value;
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
