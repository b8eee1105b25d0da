import type { CollectionSpec } from '../ports/metadata-store.js';

/**
 * How far LineageSync has recorded one followed collection: every record whose time field is below
 * `watermark` has its edges stored. Written in the same transaction as the edges of the batch that
 * reached it, so a restart resumes there.
 */
export interface LineageSyncMarkRecord {
  /** The followed collection's name (`jobs`, `models`, …). */
  readonly source: string;
  /** In the collection's time field's unit. */
  readonly watermark: number;
}

export const lineageSyncMarksCollection: CollectionSpec<LineageSyncMarkRecord> = { name: 'lineage_sync_marks', key: 'source', indexes: {} };

/** The lineage sync's collections, for the metadata store's migrations. */
export const lineageSyncCollections = [lineageSyncMarksCollection];
