import { describe } from 'vitest';
import { Harness, type MetadataStoreConformanceTarget } from './metadata-store/harness.js';
import { recordTests } from './metadata-store/records.js';
import { listingTests, valuesTests } from './metadata-store/listing.js';
import { transactionTests } from './metadata-store/transactions.js';
import { tagAndLineageTests } from './metadata-store/tags-lineage.js';
import { tagConcurrencyTests } from './metadata-store/tags-concurrency.js';
import { tagReadTests } from './metadata-store/tags-reads.js';

export { metadataConformanceCollections, widgetSpec as conformanceWidgetSpec, noteSpec as conformanceNoteSpec } from './metadata-store/harness.js';
export type { MetadataStoreConformanceTarget, Widget as ConformanceWidget, Note as ConformanceNote } from './metadata-store/harness.js';

/**
 * The one suite every MetadataStore runs (SQLite file and memory, PostgreSQL, the in-memory fake).
 * `open` must open the store with `metadataConformanceCollections`; a durable store's `open` must
 * reach the same data each time. Tests share one database, each under its own `group` value.
 */
export function describeMetadataStoreConformance(name: string, target: MetadataStoreConformanceTarget): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    const h = new Harness(target, name);
    recordTests(h);
    listingTests(h);
    valuesTests(h);
    transactionTests(h);
    tagAndLineageTests(h);
    tagConcurrencyTests(h);
    tagReadTests(h);
    h.checkSkipList();
  });
}
