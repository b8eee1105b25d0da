import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeMetadataStoreConformance, metadataConformanceCollections } from '@loam/testkit/conformance/metadata-store.conformance';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeMetadataStoreConformance('SQLite file', { open: () => openSqlMetadataStore({ url: `sqlite:${join(dir, 'metadata.db')}`, collections: metadataConformanceCollections }) });
