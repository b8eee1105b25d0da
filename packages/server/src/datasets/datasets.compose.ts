import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { byteSizeOf, DatasetService, FlowService, systemClock, type ArtifactStore, type Logger, type MetadataStore, type Partition, type ProcessingJobService, type TagService } from '@loam/core';
import { DuckDbDataEngine } from '@loam/adapters';
import { trainQuickModel } from '@loam/ml/wrangler/quick-model';
import type { Config } from '../config/index.js';
import type { Authorizer } from '../operations/dispatcher.js';

export interface DatasetsCapability {
  readonly datasets: DatasetService;
  readonly flows: FlowService;
  readonly services: readonly object[];
  /** Stops the startup sweep and waits for it (call before closing the stores). */
  close(): Promise<void>;
}

/**
 * Datasets and flows on DuckDB. The engine is sandboxed to the capability's scratch directory
 * (`<data-dir>/datasets-work`): flows carry user SQL expressions, and objects are staged there from
 * the artifact store before DuckDB reads them, in a cache of at most `dataEngine.stagingCacheSize`. Its memory is capped by `dataEngine.memoryLimit`
 * (`LOAM_DATA_ENGINE__MEMORY_LIMIT`); past it DuckDB spills to `datasets-work/spill`. A preview stops after
 * `dataEngine.previewTimeoutSeconds` (default 30). Flows read
 * datasets for their caller: `authorize` (the caller's policies) is asked for each source dataset.
 */
export function openDatasets(d: { config: Config; store: MetadataStore; artifacts: ArtifactStore; partition: Partition; tags: TagService; logger: Logger; processing: ProcessingJobService; authorize: Authorizer }): DatasetsCapability {
  const workDir = join(d.config.dataDir, 'datasets-work');
  removeCrashLeftovers(workDir);
  const engine = new DuckDbDataEngine({ allowedDirectories: [workDir], tempDirectory: join(workDir, 'spill'), memoryLimit: d.config.dataEngine.memoryLimit });
  const datasets = new DatasetService({ store: d.store, artifacts: d.artifacts, engine, clock: systemClock, partition: d.partition, workDir, tags: d.tags, quickModel: trainQuickModel, authorize: d.authorize, logger: d.logger, stagingCacheBytes: byteSizeOf(d.config.dataEngine.stagingCacheSize) });
  void datasets.staging.trim(); // a cache left over budget (a smaller budget, an older server) shrinks at start
  datasets.registerTaggables(d.tags);
  const sweep = sweepInBackground(datasets, d.logger);
  const flows = new FlowService({ store: d.store, artifacts: d.artifacts, engine, datasets, processing: d.processing, clock: systemClock, partition: d.partition, tags: d.tags, logger: d.logger, authorize: d.authorize, ...(d.config.dataEngine.previewTimeoutSeconds ? { previewTimeoutMs: d.config.dataEngine.previewTimeoutSeconds * 1000 } : {}) });
  return { datasets, flows, services: [datasets, flows], close: sweep.stop };
}

/**
 * Objects this metadata store journalled and never recorded: a server stopped between an import's write
 * and its commit, or between DeleteDataset's commit and its deletes (rows go first, so a row never names
 * a missing object). Only the store's own intents, never a listing of the bucket: another installation
 * sharing the artifact store (or a store restored from an older backup) does not know every object, and
 * must delete none of the ones it does not know. An import's intent waits a day: another server sharing
 * this store may be importing a large file right now, its upload and snapshot written but not yet
 * recorded. In the background: deletes in a remote bucket must not hold up serving, and a failure is
 * only logged. `stop` aborts it and waits, so a close never leaves it running against closed stores.
 */
function sweepInBackground(datasets: DatasetService, logger: Logger): { stop: () => Promise<void> } {
  const abort = new AbortController();
  const done = datasets.sweepOrphanedObjects({ olderThanMs: ORPHAN_GRACE_MS, signal: abort.signal }).then(() => undefined, (e: unknown) => {
    if (abort.signal.aborted) return; // stopped by a close: the rest waits for the next start
    logger.warn({ err: e }, 'sweep of orphaned dataset objects failed; it runs again at the next start');
  });
  return {
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

/** How old an import's write intent must be before the startup sweep deletes its object. */
export const ORPHAN_GRACE_MS = 24 * 3600 * 1000;

/**
 * What a server killed mid-request left in the work directory: import snapshots being written
 * (`tmp/`), DuckDB's spill files (`spill/`) and staged copies cut short (`cache/*.part`). Each belongs
 * to a request of a server that is gone (the platform opens only under the data directory's lock,
 * before serving), and nothing else removes them. Staged copies that finished stay: they are the cache.
 */
function removeCrashLeftovers(workDir: string): void {
  const entries = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return []; // not made yet
    }
  };
  for (const sub of ['tmp', 'spill']) for (const name of entries(join(workDir, sub))) rmSync(join(workDir, sub, name), { recursive: true, force: true });
  for (const name of entries(join(workDir, 'cache'))) if (name.endsWith('.part')) rmSync(join(workDir, 'cache', name), { force: true });
}
