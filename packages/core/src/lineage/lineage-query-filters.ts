import type { InputOf, operations } from '@loam/contracts';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { LineageVertexInfo } from './lineage-vertex.js';
import { resourceTimes, type VertexTimes } from './lineage-vertex-times.js';

export type QueryFilters = NonNullable<InputOf<(typeof operations)['QueryLineage']>['Filters']>;

/**
 * SageMaker's QueryFilters over the vertices a walk found. Every filter given must hold: `Types` and
 * `LineageTypes` name the vertex's type; `CreatedBefore`/`CreatedAfter`/`ModifiedBefore`/`ModifiedAfter`
 * bound its entity's creation and last-modification time (epoch seconds, both bounds exclusive, as
 * ListAssociations and ListArtifacts read theirs); `Properties` holds when the entity has any one of the
 * pairs given (SageMaker: "an entity is included … if it matches any of the provided pairs").
 *
 * An artifact's times and properties are its record's; a resource's times are its own record's creation
 * and last-modification times, and a resource has no properties, so a Properties filter lists only
 * artifacts. A vertex whose times Loam does not keep (an MLflow run, AddAssociation's contexts) fails
 * every time filter: nothing shows it within the bounds.
 */
export class VertexFilter {
  private readonly bounds: readonly { readonly field: keyof VertexTimes; readonly past: number; readonly below: boolean }[];

  constructor(
    private readonly f: QueryFilters,
    private readonly store: MetadataStore,
  ) {
    const b: { field: keyof VertexTimes; past: number; below: boolean }[] = [];
    if (f.CreatedBefore !== undefined) b.push({ field: 'createdAt', past: f.CreatedBefore * 1000, below: true });
    if (f.CreatedAfter !== undefined) b.push({ field: 'createdAt', past: f.CreatedAfter * 1000, below: false });
    if (f.ModifiedBefore !== undefined) b.push({ field: 'modifiedAt', past: f.ModifiedBefore * 1000, below: true });
    if (f.ModifiedAfter !== undefined) b.push({ field: 'modifiedAt', past: f.ModifiedAfter * 1000, below: false });
    this.bounds = b;
  }

  /** The vertices that pass every filter given, in their order; resources' times read in one query per kind. */
  async keep(vertices: readonly LineageVertexInfo[]): Promise<LineageVertexInfo[]> {
    const matched = vertices.filter((v) => this.matches(v));
    if (this.bounds.length === 0) return matched;
    const times = await resourceTimes(this.store, matched.filter((v) => v.artifact === undefined).map((v) => v.vertex.Arn));
    return matched.filter((v) => {
      const t = v.artifact ?? times.get(v.vertex.Arn);
      return t !== undefined && this.bounds.every((b) => (b.below ? t[b.field] < b.past : t[b.field] > b.past));
    });
  }

  /** Whether the vertex passes the type and property filters. */
  private matches(v: LineageVertexInfo): boolean {
    const f = this.f;
    if (f.Types?.length && !f.Types.includes(v.vertex.Type)) return false;
    if (f.LineageTypes?.length && !f.LineageTypes.includes(v.vertex.LineageType)) return false;
    const pairs = Object.entries(f.Properties ?? {});
    if (pairs.length > 0) {
      const props = v.artifact?.properties ?? {};
      if (!pairs.some(([k, value]) => Object.hasOwn(props, k) && props[k] === value)) return false;
    }
    return true;
  }
}
