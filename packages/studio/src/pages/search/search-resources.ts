import { searchShapes } from '@loam/contracts';
import { trainingJobPath } from '../jobs/job-paths.js';
import { endpointPath, modelPath } from '../models/model-paths.js';
import { groupPath } from '../registry/registry-paths.js';
import { tuningJobPath } from '../tuning/tuning-paths.js';
import { listPropertiesOf, propertiesOf, valuesAt, type PropertyHint } from './search-properties.js';

export type SearchableResource = searchShapes.SearchableResource;

/** How Studio shows one searchable resource: its name and status properties, the properties most searched, its page. */
export interface ResourceView {
  readonly label: string;
  /** The property holding the resource's name (`Model.ModelName` for a model: SageMaker's ModelDashboardModel). */
  readonly name: string;
  readonly status?: string;
  readonly created: string;
  /** Properties suggested first; every one is a property of the record's schema (checked by a test). */
  readonly common: readonly string[];
  /** Property prefixes the server reads as a list of pairs (`Metrics.<name>`), which the schema does not name. */
  readonly aliases?: readonly string[];
  /** The Studio page of one result, when it has one it can name without another request. */
  readonly pathOf?: (name: string, record: Record<string, unknown>) => string;
  /** How a result is named in the table when its name alone is ambiguous (a registry version: group and version). */
  readonly labelOf?: (name: string, record: Record<string, unknown>) => string;
}

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

export const resourceViews: Readonly<Record<SearchableResource, ResourceView>> = {
  TrainingJob: {
    label: 'Training jobs', name: 'TrainingJobName', status: 'TrainingJobStatus', created: 'CreationTime', aliases: ['Metrics.'],
    common: ['TrainingJobName', 'TrainingJobStatus', 'HyperParameters.', 'Metrics.', 'Tags.', 'AlgorithmSpecification.TrainingImage', 'ResourceConfig.InstanceType', 'ExperimentConfig.ExperimentName', 'CreationTime', 'LastModifiedTime', 'TrainingTimeInSeconds'],
    pathOf: (name) => trainingJobPath(name),
  },
  HyperParameterTuningJob: {
    label: 'Tuning jobs', name: 'HyperParameterTuningJobName', status: 'HyperParameterTuningJobStatus', created: 'CreationTime',
    common: ['HyperParameterTuningJobName', 'HyperParameterTuningJobStatus', 'HyperParameterTuningJobConfig.Strategy', 'BestTrainingJob.TrainingJobName', 'Tags.', 'CreationTime', 'LastModifiedTime'],
    pathOf: (name) => tuningJobPath(name),
  },
  ModelPackage: {
    label: 'Registry versions', name: 'ModelPackageName', status: 'ModelApprovalStatus', created: 'CreationTime',
    common: ['ModelPackageGroupName', 'ModelPackageVersion', 'ModelApprovalStatus', 'ModelPackageStatus', 'ModelPackageDescription', 'CustomerMetadataProperties.', 'Tags.', 'CreationTime', 'LastModifiedTime'],
    pathOf: (_name, r) => groupPath(text(r.ModelPackageGroupName) ?? ''),
    labelOf: (name, r) => (r.ModelPackageVersion === undefined ? name : `${text(r.ModelPackageGroupName) ?? name} v${String(r.ModelPackageVersion)}`),
  },
  ModelPackageGroup: {
    label: 'Model groups', name: 'ModelPackageGroupName', status: 'ModelPackageGroupStatus', created: 'CreationTime',
    common: ['ModelPackageGroupName', 'ModelPackageGroupDescription', 'ModelPackageGroupStatus', 'Tags.', 'CreationTime'],
    pathOf: (name) => groupPath(name),
  },
  Endpoint: {
    label: 'Endpoints', name: 'EndpointName', status: 'EndpointStatus', created: 'CreationTime',
    common: ['EndpointName', 'EndpointStatus', 'EndpointConfigName', 'ProductionVariants.VariantName', 'Tags.', 'CreationTime', 'LastModifiedTime'],
    pathOf: (name) => endpointPath(name),
  },
  Model: {
    label: 'Models', name: 'Model.ModelName', created: 'Model.CreationTime',
    common: ['Model.ModelName', 'Model.PrimaryContainer.Image', 'Model.PrimaryContainer.ModelDataUrl', 'Model.ExecutionRoleArn', 'Model.Tags.', 'Model.CreationTime'],
    pathOf: (name) => modelPath(name),
  },
  Experiment: {
    label: 'Experiments', name: 'ExperimentName', created: 'CreationTime',
    common: ['ExperimentName', 'DisplayName', 'Description', 'Tags.', 'CreationTime', 'LastModifiedTime'],
  },
  ExperimentTrial: {
    label: 'Trials', name: 'TrialName', created: 'CreationTime',
    common: ['TrialName', 'ExperimentName', 'DisplayName', 'TrialComponentSummaries.TrialComponentName', 'Tags.', 'CreationTime', 'LastModifiedTime'],
  },
  ExperimentTrialComponent: {
    label: 'Trial components', name: 'TrialComponentName', status: 'Status.PrimaryStatus', created: 'CreationTime', aliases: ['Metrics.'],
    common: ['TrialComponentName', 'DisplayName', 'Status.PrimaryStatus', 'Parents.ExperimentName', 'Parents.TrialName', 'Parameters.', 'Metrics.', 'Source.SourceArn', 'SourceDetail.TrainingJob.HyperParameters.', 'Tags.', 'CreationTime', 'LastModifiedTime'],
  },
};

export const searchableResources = Object.keys(resourceViews) as SearchableResource[];

export const isSearchable = (r: unknown): r is SearchableResource => typeof r === 'string' && Object.hasOwn(resourceViews, r);

/** The SearchRecord member holding each result of a resource (`ExperimentTrial` → `Trial`). */
export const recordMemberOf = (r: SearchableResource): keyof typeof searchShapes.searchRecordShapes => searchShapes.searchableResources[r];

const catalogs = new Map<SearchableResource, PropertyHint[]>();

/** Every property a resource's records have, the common ones first (memoized: the schema never changes). */
export function propertyCatalog(r: SearchableResource): PropertyHint[] {
  let c = catalogs.get(r);
  if (!c) {
    const view = resourceViews[r];
    const all = propertiesOf(searchShapes.searchRecordShapes[recordMemberOf(r)] as never);
    const aliases: PropertyHint[] = (view.aliases ?? []).map((name) => ({ name, kind: 'keyed' }));
    const byName = new Map([...all, ...aliases].map((p) => [p.name, p]));
    const first = view.common.flatMap((n) => byName.get(n) ?? []);
    const firstNames = new Set(first.map((p) => p.name));
    c = [...first, ...[...byName.values()].filter((p) => !firstNames.has(p.name)).sort((a, b) => a.name.localeCompare(b.name))];
    catalogs.set(r, c);
  }
  return c;
}

/** The list properties a resource's nested filters may name (`Metrics`, `InputDataConfig`), `Metrics` first where there is one. */
export function nestedLists(r: SearchableResource): string[] {
  const lists = listPropertiesOf(searchShapes.searchRecordShapes[recordMemberOf(r)] as never);
  return [...lists.filter((l) => l === 'Metrics'), ...lists.filter((l) => l !== 'Metrics')];
}

/** A result's name as its resource names it. */
export function nameOf(r: SearchableResource, record: unknown): string {
  const v = valuesAt(record, resourceViews[r].name)[0];
  return v === undefined ? '' : String(v);
}
