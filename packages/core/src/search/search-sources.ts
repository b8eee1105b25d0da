import { searchShapes } from '@loam/contracts';
import { describeEndpoint } from '../endpoints/endpoint.service.js';
import { endpointsCollection, type EndpointRecord } from '../endpoints/endpoint.collections.js';
import { jobsCollection, type JobRecord } from '../jobs/job.collections.js';
import { describeTrainingJob } from '../jobs/training-job.service.js';
import { modelsCollection, type ModelRecord } from '../models/model.collections.js';
import { describeModel } from '../models/model.service.js';
import { describeModelPackageGroup } from '../registry/model-package-group.service.js';
import { describeModelPackage } from '../registry/model-package.service.js';
import { modelPackageGroupsCollection, modelPackagesCollection, type ModelPackageGroupRecord, type ModelPackageRecord } from '../registry/registry.collections.js';
import { tuningJobsCollection, type TuningJobRecord } from '../tuning/tuning.collections.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { SchemaNode } from './search-properties.js';
import { asSearchRecord, type SearchSource, type StoredMember } from './search-source.js';

const shape = (member: keyof typeof searchShapes.searchRecordShapes): SchemaNode => searchShapes.searchRecordShapes[member] as unknown as SchemaNode;

export interface SearchSourcesOptions {
  /** A tuning job's Describe answer (it reads the job's trials). */
  readonly describeTuningJob: (job: TuningJobRecord) => Promise<object>;
  /**
   * Where the resources live: each source's ARNs start with `arn:loam:sagemaker:<region>:<account>:<kind>/`, and
   * its tag filters ask the store for that type's tagged resources alone. Unset: every type's (tests of one type).
   */
  readonly partition?: Partition;
}

/** A member the record holds as is at `path` (absent where it has none, as asSearchRecord leaves it out). */
function same(member: string, path: readonly string[]): StoredMember {
  return { path, doc: (v) => (v === undefined ? {} : { [member]: v }) };
}

/** The resources Loam searches, each over its own collection and Describe answer. */
export function searchSources(o: SearchSourcesOptions): SearchSource[] {
  const of = (kind: string) => (o.partition ? { arnPrefix: resourceArn(o.partition, kind, '') } : {});
  const training: SearchSource<JobRecord> = {
    resource: 'TrainingJob', collection: jobsCollection, filters: [{ field: 'kind', op: 'eq', value: 'training-job' }],
    // SageMaker's Metrics.<name>: a final metric's value.
    props: { schema: shape('TrainingJob'), aliases: { Metrics: { list: 'FinalMetricDataList', keyField: 'MetricName', valueField: 'Value' } } },
    readAction: 'sagemaker:DescribeTrainingJob', defaultSortBy: 'LastModifiedTime', columns: { TrainingJobStatus: 'status', TrainingJobName: 'name' },
    storeOrder: { CreationTime: 'creationTime', LastModifiedTime: 'lastModifiedTime', TrainingJobName: 'name' },
    arnOf: (r) => r.arn, arnField: 'arn', ...of('training-job'), recordFromRow: true,
    record: async (r, tags) => asSearchRecord(describeTrainingJob(r), shape('TrainingJob'), tags),
    // As describeTrainingJob builds them from the record.
    arnPath: ['arn'],
    storedMembers: {
      TrainingJobName: same('TrainingJobName', ['name']), TrainingJobArn: same('TrainingJobArn', ['arn']), TrainingJobStatus: same('TrainingJobStatus', ['status']),
      SecondaryStatus: same('SecondaryStatus', ['secondaryStatus']), CreationTime: same('CreationTime', ['creationTime']), LastModifiedTime: same('LastModifiedTime', ['lastModifiedTime']),
      // The request's own members, as describeTrainingJob copies them (not ResourceConfig or StoppingCondition, which it completes).
      ...Object.fromEntries(['AlgorithmSpecification', 'RoleArn', 'InputDataConfig', 'OutputDataConfig'].map((k) => [k, same(k, ['request', k])])),
      HyperParameters: { path: ['request', 'HyperParameters'], doc: (v) => ({ HyperParameters: v ?? {} }), byEntry: true },
      FinalMetricDataList: {
        path: ['finalMetrics'], byEntry: true,
        doc: (v) => ({ FinalMetricDataList: Object.entries((v ?? {}) as JobRecord['finalMetrics']).map(([MetricName, m]) => ({ MetricName, Value: m.value, Timestamp: m.time })) }),
      },
    },
  };
  const tuning: SearchSource<TuningJobRecord> = {
    resource: 'HyperParameterTuningJob', collection: tuningJobsCollection, props: { schema: shape('HyperParameterTuningJob') },
    readAction: 'sagemaker:DescribeHyperParameterTuningJob', defaultSortBy: 'LastModifiedTime', columns: { HyperParameterTuningJobStatus: 'status', HyperParameterTuningJobName: 'name' },
    storeOrder: { CreationTime: 'creationTime', LastModifiedTime: 'lastModifiedTime', HyperParameterTuningJobName: 'name' },
    arnOf: (r) => r.arn, arnField: 'arn', ...of('hyper-parameter-tuning-job'),
    record: async (r, tags) => asSearchRecord(await o.describeTuningJob(r), shape('HyperParameterTuningJob'), tags),
  };
  const packages: SearchSource<ModelPackageRecord> = {
    resource: 'ModelPackage', collection: modelPackagesCollection, props: { schema: shape('ModelPackage') },
    readAction: 'sagemaker:DescribeModelPackage', defaultSortBy: 'LastModifiedTime', columns: { ModelApprovalStatus: 'approvalStatus' },
    storeOrder: { CreationTime: 'creationTime', LastModifiedTime: 'lastModifiedTime' },
    arnOf: (r) => r.arn, arnField: 'arn', ...of('model-package'), recordFromRow: true,
    record: async (r, tags) => asSearchRecord(describeModelPackage(r), shape('ModelPackage'), tags),
  };
  // A group has no LastModifiedTime: its searches sort by CreationTime.
  const groups: SearchSource<ModelPackageGroupRecord> = {
    resource: 'ModelPackageGroup', collection: modelPackageGroupsCollection, props: { schema: shape('ModelPackageGroup') },
    readAction: 'sagemaker:DescribeModelPackageGroup', defaultSortBy: 'CreationTime', columns: { ModelPackageGroupName: 'name' },
    storeOrder: { CreationTime: 'creationTime', ModelPackageGroupName: 'name' },
    arnOf: (r) => r.arn, arnField: 'arn', ...of('model-package-group'), recordFromRow: true,
    record: async (r, tags) => asSearchRecord(describeModelPackageGroup(r), shape('ModelPackageGroup'), tags),
  };
  const endpoints: SearchSource<EndpointRecord> = {
    resource: 'Endpoint', collection: endpointsCollection, props: { schema: shape('Endpoint') },
    readAction: 'sagemaker:DescribeEndpoint', defaultSortBy: 'LastModifiedTime', columns: { EndpointStatus: 'status', EndpointName: 'name' },
    storeOrder: { CreationTime: 'creationTime', LastModifiedTime: 'lastModifiedTime', EndpointName: 'name' },
    arnOf: (r) => r.arn, arnField: 'arn', ...of('endpoint'), recordFromRow: true,
    record: async (r, tags) => asSearchRecord(describeEndpoint(r), shape('Endpoint'), tags),
  };
  // SageMaker's ModelDashboardModel: the model is its Model member (names are `Model.ModelName`, `Model.Tags.<key>`).
  const modelShape = shape('Model').properties?.['Model'] as SchemaNode;
  const models: SearchSource<ModelRecord> = {
    resource: 'Model', collection: modelsCollection, props: { schema: shape('Model'), tagsAt: 'Model.Tags' },
    readAction: 'sagemaker:DescribeModel', defaultSortBy: 'Model.CreationTime', columns: { 'Model.ModelName': 'name' },
    storeOrder: { 'Model.CreationTime': 'creationTime', 'Model.ModelName': 'name' },
    arnOf: (r) => r.arn, arnField: 'arn', ...of('model'), recordFromRow: true,
    record: async (r, tags) => ({ Model: asSearchRecord(describeModel(r), modelShape, tags) }),
  };
  return [training, tuning, packages, groups, endpoints, models];
}
