import { mkdirSync } from 'node:fs';
import type { ArtifactStore, Logger, MetadataStore, Partition } from '@loam/core';
import { systemClock, IdentityService, identityCollections, TagService } from '@loam/core';
import { openArtifactStore, openSqlMetadataStore } from '@loam/adapters';
import { jobCollections } from '@loam/core';
import { openSecretBox } from '../auth/secret-box.js';
import type { Config } from '../config/index.js';
import { openJobs, type JobsCapability } from '../jobs/jobs.compose.js';

/** Everything a running Loam holds: its stores and its capability services. */
export interface Platform {
  readonly config: Config;
  readonly partition: Partition;
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly identity: IdentityService;
  readonly tags: TagService;
  /** Training and processing jobs: executor, coordinator (scheduler, reconciler) and services. */
  readonly jobs: JobsCapability;
  /** The services whose methods serve operations, in lookup order. */
  readonly services: readonly object[];
  close(): Promise<void>;
}

/** Every collection the capabilities declare; the metadata store migrates them on open. */
export const allCollections = [...identityCollections, ...jobCollections];

function metadataUrl(config: Config): string {
  const m = config.metadata;
  if (m.type === 'postgres') return m.url;
  if (m.type === 'memory') return 'sqlite::memory:';
  return `sqlite:${m.path}`;
}

/**
 * The composition root: the only place that knows every adapter. Opens the configured stores, runs
 * migrations, and builds the capability services on the ports.
 */
export async function openPlatform(config: Config, logger: Logger): Promise<Platform> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const partition: Partition = { region: config.region, accountId: config.accountId };
  const store = await openSqlMetadataStore({
    url: metadataUrl(config),
    collections: allCollections,
    ...(config.metadata.type === 'postgres' ? { schema: config.metadata.schema } : {}),
    logger,
  });
  try {
    const artifacts = await openArtifactStore(config.artifacts);
    const secretBox = openSecretBox(config.dataDir);
    const identity = new IdentityService({ store, clock: systemClock, partition, secretBox, sessionTtlSeconds: config.auth.sessionTtlSeconds });
    const tags = new TagService({ store, partition });
    identity.registerTaggables(tags);
    const jobs = openJobs({ config, store, artifacts, partition, tags, logger });
    return {
      config,
      partition,
      store,
      artifacts,
      identity,
      tags,
      jobs,
      services: [identity, tags, jobs.training, jobs.processing],
      close: async () => {
        await jobs.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
