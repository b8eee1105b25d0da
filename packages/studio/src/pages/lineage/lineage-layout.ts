export interface LineageEdge {
  readonly SourceArn: string;
  readonly DestinationArn: string;
  readonly AssociationType: string;
}

/**
 * Layers for a left-to-right drawing: each vertex's layer is its longest path from a vertex with no inputs,
 * so every edge points right. Cycles (which lineage should not have) are broken by ignoring back edges.
 */
export function layersOf(vertices: readonly string[], edges: readonly LineageEdge[]): string[][] {
  const known = new Set(vertices);
  const inputs = new Map<string, string[]>(vertices.map((v) => [v, []]));
  for (const e of edges) if (known.has(e.SourceArn) && known.has(e.DestinationArn) && e.SourceArn !== e.DestinationArn) inputs.get(e.DestinationArn)!.push(e.SourceArn);
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (v: string): number => {
    const known = layer.get(v);
    if (known !== undefined) return known;
    if (visiting.has(v)) return 0;
    visiting.add(v);
    const d = Math.max(-1, ...inputs.get(v)!.map(depth)) + 1;
    visiting.delete(v);
    layer.set(v, d);
    return d;
  };
  const out: string[][] = [];
  for (const v of vertices) {
    const d = depth(v);
    (out[d] ??= []).push(v);
  }
  return out.map((l) => l ?? []);
}

/** A short name for a vertex: the ARN's resource name, or the last part of an s3:// location. */
export function shortName(arn: string): string {
  if (arn.startsWith('s3://')) return arn.replace(/\/$/, '').split('/').slice(-2).join('/');
  const resource = arn.split(':').slice(5).join(':');
  return resource.split('/').slice(1).join('/') || resource || arn;
}

/**
 * A vertex's label: an artifact by the last parts of its location when known (DescribeArtifact), else by
 * the id in its ARN; any other vertex by its resource name.
 */
export function vertexLabel(arn: string, location?: string): string {
  return shortName(location ?? arn);
}

/** The artifact vertices whose locations label them: artifact ARNs only, each once, in order. */
export function artifactArns(vertices: readonly { readonly Arn: string; readonly LineageType?: string }[]): string[] {
  return [...new Set(vertices.filter((v) => v.LineageType === 'Artifact' && /^arn:[^:]+:sagemaker:[^:]*:\d*:artifact\//.test(v.Arn)).map((v) => v.Arn))];
}

/** A vertex type from an ARN's resource kind (`training-job/x` → `TrainingJob`), for a start the query did not return. */
export function typeOfArn(arn: string): string {
  if (arn.startsWith('s3://')) return 'Artifact';
  const kind = (arn.split(':')[5] ?? '').split('/')[0] ?? '';
  return kind.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') || 'Resource';
}
