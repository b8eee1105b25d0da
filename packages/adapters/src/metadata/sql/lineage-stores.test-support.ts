import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { beforeRetry } from '@loam/testkit/vitest/retry.test-support';
import { datasetCollections, endpointCollections, jobCollections, lineageCollections, lineageSyncCollections, registryCollections } from '@loam/core';

/** What LineageSync follows and writes, as the server registers it. */
export const lineageStoreCollections = [...jobCollections, ...datasetCollections, ...endpointCollections, ...registryCollections, ...lineageCollections, ...lineageSyncCollections];

/**
 * A scratch directory for this file's SQLite databases, removed afterwards; a retry starts on an empty one,
 * since the failed attempt's rows and fault triggers are in the old databases. Returns the path of `name` in it.
 */
export function useDatabaseDirPerAttempt(prefix: string): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeRetry(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
  });
  return (name) => join(dir, name);
}
