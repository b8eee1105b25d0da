import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ArtifactStore, Logger, MetadataStore, Partition, Principal } from '@loam/core';
import { authorize, systemClock, SearchService, searchSources, experimentSearchSources, IdentityService, identityCollections, TagService, TrackingArtifacts, TrackingService, TrainingJobRuns, TrainingJobRunSync, ExperimentsService, SageMakerExperimentsService, TrialComponentsService, trainingJobLookup, experimentTagsFollowNames, TrialsService, experimentEntitiesReadCheck, TrackingAccess, experimentAccessAuthorizer, trainingJobRunCheck, type ExperimentAccessAuthorizer } from '@loam/core';
import { openArtifactStore, openSqlExperimentStore, openSqlMetadataStore } from '@loam/adapters';
import { combineLogGroups, fixedLogGroups, jobCollections, jobLogGroupSource, LogStreamsService } from '@loam/core';
import { forgetUnreadableKeysCommand, openSecretBox, serverKeyFile } from '../auth/secret-box.js';
import type { Config } from '../config/index.js';
import { openJobs, type JobsCapability } from '../jobs/jobs.compose.js';
import { openDatasets, type DatasetsCapability } from '../datasets/datasets.compose.js';
import { datasetCollections } from '@loam/core';
import { openEndpoints, type EndpointsCapability } from '../endpoints/endpoints.compose.js';
import { endpointCollections } from '@loam/core';
import { openRegistry, type RegistryCapability } from '../registry/registry.compose.js';
import { registryCollections, lineageCollections, lineageSyncCollections } from '@loam/core';
import { dataAccessAuthorizer, dataPresenceCheck, readObjectUpTo, type DataPresenceCheck, type DataAccessAuthorizer } from '../operations/data-access-check.js';
import { ownedObjectsCheck } from '../operations/owned-buckets.js';
import { openTransform, type TransformCapability } from '../transform/transform.compose.js';
import { tuningCollections } from '@loam/core/tuning/index';
import { openTuning, type TuningCapability } from '../tuning/tuning.compose.js';

/** Everything a running Loam holds: its stores and its capability services. */
export interface Platform {
  readonly config: Config;
  readonly partition: Partition;
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly identity: IdentityService;
  /** The caller's S3 permissions on the locations a request names (ADR 0019). */
  readonly authorizeData: DataAccessAuthorizer;
  /** Refuses a training or transform input with no object under it (after authorization). */
  readonly checkDataPresence: DataPresenceCheck;
  /** The caller's MLflow permissions on an experiment a request names (a training job's ExperimentConfig; ADR 0009). */
  readonly authorizeExperiment: ExperimentAccessAuthorizer;
  readonly tags: TagService;
  /** Training and processing jobs: executor, coordinator (scheduler, reconciler) and services. */
  readonly jobs: JobsCapability;
  /** Experiment tracking (MLflow's model), served natively and over MLflow's REST API. */
  readonly tracking: TrackingService;
  /** Models and real-time endpoints: services, controller (deployments), router, alarms, autoscaler, metrics. */
  readonly endpoints: EndpointsCapability;
  /** The Model Registry (groups, versions, approval) and lineage (recorder, follower, QueryLineage). */
  readonly registry: RegistryCapability;
  /** Batch transform jobs (on the jobs' coordinator and executor). */
  readonly transform: TransformCapability;
  /** Datasets and Data Wrangler flows on DuckDB. */
  readonly datasets: DatasetsCapability;
  /** Hyperparameter tuning jobs: service and driver (start it with `tuning.driver.start()`). */
  readonly tuning: TuningCapability;
  /** The services whose methods serve operations, in lookup order. */
  readonly services: readonly object[];
  close(): Promise<void>;
}

/** Every collection the capabilities declare; the metadata store migrates them on open. */
export const allCollections = [...identityCollections, ...jobCollections, ...datasetCollections, ...endpointCollections, ...registryCollections, ...lineageCollections, ...lineageSyncCollections, ...tuningCollections];

/** The metadata store's URL for `openSqlMetadataStore`. */
export function metadataUrl(config: Config): string {
  const m = config.metadata;
  if (m.type === 'postgres') return m.url;
  if (m.type === 'memory') return 'sqlite::memory:';
  return `sqlite:${m.path}`;
}

/** Experiments live beside the metadata: their own SQLite file (see openSqlExperimentStore), or the same PostgreSQL schema. */
function experimentsUrl(config: Config): string {
  const m = config.metadata;
  if (m.type === 'sqlite') return `sqlite:${join(dirname(m.path), 'experiments.db')}`;
  return metadataUrl(config);
}

/** The PostgreSQL metadata settings both SQL stores (metadata, experiments) open with. */
function postgresOptions(config: Config): { schema?: string; poolSize?: number; statementTimeoutMs?: number; answerTimeoutMs?: number } {
  const m = config.metadata;
  return m.type === 'postgres' ? { schema: m.schema, poolSize: m.poolSize, statementTimeoutMs: m.statementTimeoutMs, answerTimeoutMs: m.answerTimeoutMs } : {};
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
    ...postgresOptions(config),
    logger,
  });
  const schema = postgresOptions(config);
  const experiments = await openSqlExperimentStore({ url: experimentsUrl(config), ...schema, logger }).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  let stopSweep: (() => Promise<void>) | undefined;
  try {
    // The server owns the data directory: its store sweeps a crash's temp files, before anything is served.
    const artifacts = await openArtifactStore(config.artifacts, { owner: true });
    const secretBox = openSecretBox(config.dataDir);
    const identity = new IdentityService({ store, clock: systemClock, partition, secretBox, sessionTtlSeconds: config.auth.sessionTtlSeconds });
    // Servers sharing one database must share the key that seals access-key secrets: with a key of its
    // own, a server answered every SigV4 request signed with a stored key with a 500.
    const sealedElsewhere = await identity.accessKeySealedElsewhere();
    if (sealedElsewhere !== undefined) {
      throw new Error(`Access key '${sealedElsewhere}' in the metadata store was sealed with another ${serverKeyFile} than ${join(config.dataDir, serverKeyFile)}: every server on one database needs the same ${serverKeyFile}. Stop this server and copy the ${serverKeyFile} of the data directory that first ran on this database into ${config.dataDir} (or restore it from a backup). If that key is lost for good, \`${forgetUnreadableKeysCommand} --data-dir ${config.dataDir}\` deletes the access keys it sealed (their users create new ones), and this server starts.`);
    }
    const tags = new TagService({ store, partition });
    identity.registerTaggables(tags);
    const jobs = openJobs({ config, store, artifacts, partition, tags, logger });
    // Flows read datasets for their caller: the handler asks the caller's policies about each source.
    const authorizeAction = async (p: Principal, action: string, resource: string) => authorize(p, await identity.policiesOf(p.userName), action, resource);
    const datasets = openDatasets({ config, store, artifacts, partition, tags, logger, processing: jobs.processing, authorize: authorizeAction });
    stopSweep = datasets.close;
    const tracking = new TrackingService({ store: experiments, clock: systemClock, artifacts: new TrackingArtifacts(artifacts) });
    // MLflow's Default experiment is made here, not by the first request: reads never write (they answer on
    // a full disk). A start that cannot write it (a full disk) leaves it to the first write that needs it.
    await tracking.init().catch((e: unknown) => logger.warn({ err: e }, 'the Default experiment was not created at start; the first write will create it'));
    const authorizeData = dataAccessAuthorizer({
      policiesOf: (u) => identity.policiesOf(u), readObject: (bucket, key, max) => readObjectUpTo(artifacts, bucket, key, max),
      // Loam's own buckets hold MLflow's artifacts and the datasets' snapshots: their owners are checked too.
      ownedObjects: ownedObjectsCheck({ tracking, datasetBucket: datasets.datasets.bucket, partition, authorize: authorizeAction }),
    });
    const checkDataPresence = dataPresenceCheck(artifacts);
    const endpoints = openEndpoints({ config, store, artifacts, partition, tags, logger, authorizeData, authorize: authorizeAction });
    const trackingAccess = new TrackingAccess(tracking, authorizeAction, partition);
    // SageMaker's Experiments API on the same store; its resources take tags like every other.
    const sagemakerExperiments = [new SageMakerExperimentsService(tracking, trackingAccess, authorizeAction, partition, store.tags), new TrialComponentsService(tracking, authorizeAction, partition, store.tags, trainingJobLookup(store)), new TrialsService(tracking, authorizeAction, partition, store.tags)] as const;
    const smBase = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:`;
    tags.registerResolver(`${smBase}experiment/`, sagemakerExperiments[0].exists);
    tags.registerResolver(`${smBase}experiment-trial-component/`, sagemakerExperiments[1].exists);
    tags.registerResolver(`${smBase}experiment-trial/`, sagemakerExperiments[2].exists);
    // An experiment's tags are kept under its ARN, which holds its name: they follow an MLflow rename.
    tracking.followNames(experimentTagsFollowNames(experiments, store.tags, partition));
    // Lineage shows a run to whom runs/get would (allowed on the run and on its experiment), and an
    // experiment, trial or trial component to whom its Describe would.
    const entitiesVisible = experimentEntitiesReadCheck(authorizeAction, { experiment: sagemakerExperiments[0].exists, trial: sagemakerExperiments[2].exists, trialComponent: sagemakerExperiments[1].exists });
    const registry = openRegistry({ store, artifacts, partition, tags, logger, authorize: authorizeAction, lineageReadCheck: (p, arn) => trackingAccess.runArnVisible(p, arn) ?? entitiesVisible(p, arn) });
    const transform = openTransform({ config, store, partition, tags, jobs, lineage: registry.lineage, logger, authorizeData });
    const tuning = openTuning({ store, partition, tags, jobs, logger });
    // Search finds only what the caller may describe.
    const search = new SearchService({ store, sources: [
      ...searchSources({ describeTuningJob: (j) => tuning.service.describeRecord(j), partition }),
      ...experimentSearchSources({ tracking, store, partition, authorize: authorizeAction }),
    ], authorize: authorizeAction });
    // CloudWatch Logs' read operations over the jobs' logs and the endpoints' model servers' output, in SageMaker's log groups.
    const jobLogGroups = fixedLogGroups({
      '/aws/sagemaker/TrainingJobs': jobLogGroupSource(jobs.training.jobs),
      '/aws/sagemaker/ProcessingJobs': jobLogGroupSource(jobs.processing.jobs),
      '/aws/sagemaker/TransformJobs': jobLogGroupSource(transform.transform.jobs),
    });
    const logs = new LogStreamsService({ partition, groups: combineLogGroups(jobLogGroups, endpoints.logGroups) });
    const authorizeExperiment = experimentAccessAuthorizer({ tracking, authorize: authorizeAction, authorizeData, partition });
    // Every training job logs itself to an experiment run (its params, metrics and model), in an experiment its creator may log in.
    const jobRuns = new TrainingJobRunSync({ store, runs: new TrainingJobRuns(tracking, partition, store.lineage, trainingJobRunCheck(authorizeExperiment, partition)), logger });
    jobRuns.start();
    return {
      config,
      partition,
      store,
      artifacts,
      identity,
      authorizeData,
      checkDataPresence,
      authorizeExperiment,
      tags,
      jobs,
      datasets,
      tracking,
      endpoints,
      registry,
      transform,
      tuning,
      services: [identity, tags, jobs.training, jobs.processing, logs, new ExperimentsService(tracking, trackingAccess), ...sagemakerExperiments, ...datasets.services, ...endpoints.services, ...registry.services, ...transform.services, tuning.service, search],
      close: async () => {
        await tuning.close();
        await registry.close();
        await endpoints.close();
        await jobs.close();
        await jobRuns.stop();
        await datasets.close();
        await experiments.close();
        await store.close();
      },
    };
  } catch (e) {
    await stopSweep?.();
    await experiments.close();
    await store.close();
    throw e;
  }
}
