import { loam } from '../api/client.js';
import { allNavItems } from './navigation.js';
import { datasetPath, flowPath } from '../pages/datasets/dataset-paths.js';
import { processingJobPath, trainingJobPath } from '../pages/jobs/job-paths.js';
import { endpointConfigPath } from '../pages/models/model-paths.js';
import { experimentPath, quote } from '../pages/experiments/mlflow-data.js';
import { groupPath } from '../pages/registry/registry-paths.js';
import { transformJobPath } from '../pages/transform/transform-paths.js';
import { tuningJobPath } from '../pages/tuning/tuning-paths.js';

export interface SearchHit {
  readonly kind: string;
  readonly name: string;
  readonly to: string;
  readonly detail?: string;
}

/** A kind of thing the global search can find by name; each capability adds one. */
export interface SearchSource {
  readonly kind: string;
  search(term: string, signal: AbortSignal): Promise<SearchHit[]>;
}

const contains = (s: string, term: string) => s.toLowerCase().includes(term.toLowerCase());
/** The term as a SageMaker `NameContains` accepts it (letters, digits, hyphens); undefined when nothing is left. */
const nameTerm = (term: string): string | undefined => term.replace(/[^a-zA-Z0-9-]/g, '').slice(0, 63) || undefined;
/** A source for a SageMaker list with `NameContains`: skipped (no request) when the term has no name characters. */
function named(kind: string, list: (nameContains: string, signal: AbortSignal) => Promise<SearchHit[]>): SearchSource {
  return {
    kind,
    search: async (term, signal) => {
      const n = nameTerm(term);
      return n ? list(n, signal) : [];
    },
  };
}

export const searchSources: readonly SearchSource[] = [
  {
    kind: 'Page',
    search: async (term) =>
      allNavItems.filter((i) => contains(i.label, term) || contains(i.description, term)).map((i) => ({ kind: 'Page', name: i.label, to: i.to, detail: i.comingWith ? `Coming with ${i.comingWith}` : i.description })),
  },
  {
    kind: 'User',
    search: async (term, signal) => {
      const r = await loam.ListUsers({ NameContains: term, MaxResults: 10 }, { signal });
      return r.Users.map((u) => ({ kind: 'User', name: u.UserName, to: `/users/${encodeURIComponent(u.UserName)}`, detail: u.AttachedPolicies.join(', ') || 'no policies' }));
    },
  },
  {
    kind: 'Policy',
    search: async (term, signal) => {
      const r = await loam.ListPolicies({ MaxResults: 100 }, { signal });
      return r.Policies.filter((p) => contains(p.PolicyName, term))
        .slice(0, 10)
        .map((p) => ({ kind: 'Policy', name: p.PolicyName, to: `/policies/${encodeURIComponent(p.PolicyName)}`, detail: p.Description ?? (p.IsBuiltIn ? 'built in' : '') }));
    },
  },
  named('Model', async (n, signal) => (await loam.ListModels({ NameContains: n, MaxResults: 10 }, { signal })).Models.map((m) => ({ kind: 'Model', name: m.ModelName, to: `/models/${encodeURIComponent(m.ModelName)}` }))),
  named('Endpoint', async (n, signal) =>
    (await loam.ListEndpoints({ NameContains: n, MaxResults: 10 }, { signal })).Endpoints.map((e) => ({ kind: 'Endpoint', name: e.EndpointName, to: `/endpoints/${encodeURIComponent(e.EndpointName)}`, detail: e.EndpointStatus })),
  ),
  named('Endpoint config', async (n, signal) =>
    (await loam.ListEndpointConfigs({ NameContains: n, MaxResults: 10 }, { signal })).EndpointConfigs.map((c) => ({ kind: 'Endpoint config', name: c.EndpointConfigName, to: endpointConfigPath(c.EndpointConfigName) })),
  ),
  named('Dataset', async (n, signal) =>
    (await loam.ListDatasets({ NameContains: n, MaxResults: 10 }, { signal })).DatasetSummaries.map((d) => ({ kind: 'Dataset', name: d.DatasetName, to: datasetPath(d.DatasetName), detail: `version ${d.LatestVersion}` })),
  ),
  named('Data flow', async (n, signal) => (await loam.ListFlows({ NameContains: n, MaxResults: 10 }, { signal })).FlowSummaries.map((f) => ({ kind: 'Data flow', name: f.FlowName, to: flowPath(f.FlowName), detail: `${f.NodeCount} nodes` }))),
  named('Training job', async (n, signal) =>
    (await loam.ListTrainingJobs({ NameContains: n, MaxResults: 10 }, { signal })).TrainingJobSummaries.map((j) => ({ kind: 'Training job', name: j.TrainingJobName, to: trainingJobPath(j.TrainingJobName), detail: j.TrainingJobStatus })),
  ),
  named('Tuning job', async (n, signal) =>
    (await loam.ListHyperParameterTuningJobs({ NameContains: n, MaxResults: 10 }, { signal })).HyperParameterTuningJobSummaries.map((j) => ({
      kind: 'Tuning job',
      name: j.HyperParameterTuningJobName,
      to: tuningJobPath(j.HyperParameterTuningJobName),
      detail: j.HyperParameterTuningJobStatus,
    })),
  ),
  named('Processing job', async (n, signal) =>
    (await loam.ListProcessingJobs({ NameContains: n, MaxResults: 10 }, { signal })).ProcessingJobSummaries.map((j) => ({ kind: 'Processing job', name: j.ProcessingJobName, to: processingJobPath(j.ProcessingJobName), detail: j.ProcessingJobStatus })),
  ),
  named('Transform job', async (n, signal) =>
    (await loam.ListTransformJobs({ NameContains: n, MaxResults: 10 }, { signal })).TransformJobSummaries.map((j) => ({ kind: 'Transform job', name: j.TransformJobName, to: transformJobPath(j.TransformJobName), detail: j.TransformJobStatus })),
  ),
  named('Model group', async (n, signal) =>
    (await loam.ListModelPackageGroups({ NameContains: n, MaxResults: 10 }, { signal })).ModelPackageGroupSummaryList.map((g) => ({ kind: 'Model group', name: g.ModelPackageGroupName, to: groupPath(g.ModelPackageGroupName), ...(g.ModelPackageGroupDescription ? { detail: g.ModelPackageGroupDescription } : {}) })),
  ),
  {
    // MLflow experiments have no NameContains: its filter grammar's case-insensitive LIKE does the same.
    kind: 'Experiment',
    search: async (term, signal) => {
      const r = await loam.ListMlflowExperiments({ Filter: `name ILIKE ${quote(`%${term}%`)}`, MaxResults: 10 }, { signal });
      return r.Experiments.map((e) => ({ kind: 'Experiment', name: e.Name, to: experimentPath(e.ExperimentId) }));
    },
  },
];
