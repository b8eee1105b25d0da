import { jobsCollection, LineageRecorder, systemClock, type JobRecord, type MetadataStore, type Partition } from '@loam/core';

export const partition: Partition = { region: 'us-east-1', accountId: '000000000000' };
/** The first job's lastModifiedTime (epoch s); job i is i hours later, so the sync's lag spans one job. */
export const T0 = 1_760_000_000;

/** Training job `i` as a store seeded straight into SQLite (or upgraded from before the lineage sync) holds it: no edges. */
export function job(i: number): JobRecord {
  const name = `xgb-${String(i).padStart(5, '0')}`;
  const t = T0 + i * 3600;
  return {
    id: `training-job/${name}`, kind: 'training-job', name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`,
    status: 'Completed', secondaryStatus: 'Completed', phase: 'done', creationTime: t - 60, lastModifiedTime: t,
    request: { TrainingJobName: name },
    spec: { channels: [{ name: 'train', s3Uri: `s3://seed/data-${i % 50}/train/` }], outputs: [] },
    modelArtifacts: `s3://seed/output/${name}/output/model.tar.gz`,
    transitions: [], finalMetrics: {}, metricSeries: {}, attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {},
  } as unknown as JobRecord;
}

/** Inserts jobs 0..n-1, 500 a transaction. */
export async function seedJobs(store: MetadataStore, n: number): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    await store.transaction(async (tx) => {
      for (let j = i; j < Math.min(n, i + 500); j++) await tx.collection(jobsCollection).insert(job(j));
    });
  }
}

/** The real recorder, noting which resources it recorded inputs for (through `within` too). */
export class NotingRecorder extends LineageRecorder {
  constructor(
    store: MetadataStore,
    readonly inputsOf: Set<string> = new Set(),
  ) {
    super(store, partition, systemClock);
  }

  override within(tx: MetadataStore): LineageRecorder {
    return new NotingRecorder(tx, this.inputsOf);
  }

  override async input(uri: string, resourceArnValue: string, artifactType?: string): Promise<void> {
    this.inputsOf.add(resourceArnValue);
    await super.input(uri, resourceArnValue, artifactType);
  }
}
