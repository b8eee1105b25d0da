import { trainingJobPath, processingJobPath } from './jobs/job-paths.js';
import { endpointPath, modelPath } from './models/model-paths.js';
import { groupPath, registryPath } from './registry/registry-paths.js';
import { transformJobPath } from './transform/transform-paths.js';
import { tuningJobPath } from './tuning/tuning-paths.js';
import { policyPath, userPath } from './iam-paths.js';
import { statusTone } from '../schema/format.js';

/** One line of Home's recent activity: something created, its status now, and its page. */
export interface ActivityItem {
  /** Epoch seconds it was created (or, for a policy, last updated). */
  readonly at: number;
  /** `Training job`, `Endpoint`, … */
  readonly kind: string;
  readonly name: string;
  readonly status?: string;
  readonly to: string;
  /** `created`, `updated`. */
  readonly verb: string;
}

type Row = Readonly<Record<string, unknown>>;

/** Where one kind of resource comes from: a List operation sorted newest first, and how to read its rows. */
export interface ActivitySource {
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The output member holding the rows. */
  readonly rows: string;
  readonly item: (r: Row) => ActivityItem | undefined;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const newest = (n: number) => ({ SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: n });

function job(kind: string, name: string, status: string, path: (n: string) => string) {
  return (r: Row): ActivityItem | undefined => {
    const at = num(r.CreationTime);
    const n = str(r[name]);
    const st = str(r[status]);
    return at === undefined || !n ? undefined : { at, kind, name: n, ...(st ? { status: st } : {}), to: path(n), verb: 'created' };
  };
}

/**
 * What Home asks for: the newest few of each kind, as each List operation already sorts them
 * (CreationTime, descending). Nothing is logged by hand; what the API holds is the activity.
 */
export function activitySources(perKind = 10): ActivitySource[] {
  return [
    { operation: 'ListTrainingJobs', input: newest(perKind), rows: 'TrainingJobSummaries', item: job('Training job', 'TrainingJobName', 'TrainingJobStatus', trainingJobPath) },
    { operation: 'ListHyperParameterTuningJobs', input: newest(perKind), rows: 'HyperParameterTuningJobSummaries', item: job('Tuning job', 'HyperParameterTuningJobName', 'HyperParameterTuningJobStatus', tuningJobPath) },
    { operation: 'ListProcessingJobs', input: newest(perKind), rows: 'ProcessingJobSummaries', item: job('Processing job', 'ProcessingJobName', 'ProcessingJobStatus', processingJobPath) },
    { operation: 'ListTransformJobs', input: newest(perKind), rows: 'TransformJobSummaries', item: job('Transform job', 'TransformJobName', 'TransformJobStatus', transformJobPath) },
    { operation: 'ListModels', input: newest(perKind), rows: 'Models', item: job('Model', 'ModelName', '', modelPath) },
    { operation: 'ListEndpoints', input: newest(perKind), rows: 'Endpoints', item: job('Endpoint', 'EndpointName', 'EndpointStatus', endpointPath) },
    {
      operation: 'ListModelPackages',
      // Versions in groups too: without a group, SageMaker lists only unversioned packages.
      input: { ...newest(perKind), ModelPackageType: 'Both' },
      rows: 'ModelPackageSummaryList',
      item: (r) => {
        const at = num(r.CreationTime);
        const group = str(r.ModelPackageGroupName);
        const version = num(r.ModelPackageVersion);
        const name = group && version !== undefined ? `${group} version ${version}` : str(r.ModelPackageName) || str(r.ModelPackageArn);
        if (at === undefined || !name) return undefined;
        const st = str(r.ModelApprovalStatus) || str(r.ModelPackageStatus);
        return { at, kind: 'Model package', name, ...(st ? { status: st } : {}), to: group ? groupPath(group) : registryPath, verb: 'registered' };
      },
    },
    {
      operation: 'ListUsers',
      input: { MaxResults: 100 },
      rows: 'Users',
      item: (r) => {
        const at = num(r.CreateDate);
        return at === undefined ? undefined : { at, kind: 'User', name: str(r.UserName), to: userPath(str(r.UserName)), verb: 'created' };
      },
    },
    {
      operation: 'ListPolicies',
      input: { MaxResults: 100 },
      rows: 'Policies',
      item: (r) => {
        const created = num(r.CreateDate);
        const updated = num(r.UpdateDate) ?? created;
        if (r.IsBuiltIn === true || created === undefined || updated === undefined) return undefined;
        return { at: updated, kind: 'Policy', name: str(r.PolicyName), to: policyPath(str(r.PolicyName)), verb: updated > created ? 'updated' : 'created' };
      },
    },
  ];
}

/** Endpoint statuses in progress (SageMaker's EndpointStatus values that are neither settled nor failed). */
const endpointBusy = ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'] as const;

/**
 * What Home asks for "What is running": the jobs of each kind whose status is InProgress and the endpoints
 * in each status in progress, whatever their age (StatusEquals). The newest few of each kind alone missed a
 * job started before the last `perKind` of its kind, and Home said no job was in progress while it ran.
 */
export function runningSources(perKind = 10): ActivitySource[] {
  const jobs = ['ListTrainingJobs', 'ListHyperParameterTuningJobs', 'ListProcessingJobs', 'ListTransformJobs'];
  const of = (op: string) => activitySources(perKind).find((s) => s.operation === op) as ActivitySource;
  return [
    ...jobs.map((op) => ({ ...of(op), input: { ...of(op).input, StatusEquals: 'InProgress' } })),
    ...endpointBusy.map((st) => ({ ...of('ListEndpoints'), input: { ...of('ListEndpoints').input, StatusEquals: st } })),
  ];
}

/**
 * What is in progress across every source's answer (recent activity and {@link runningSources}), newest
 * first, each once; `more` when a source has more of them than it answered with (its NextToken).
 */
export function inProgress(sources: readonly ActivitySource[], answers: readonly (unknown | undefined)[]): { items: ActivityItem[]; more: boolean } {
  const seen = new Set<string>();
  const items = recentActivity(sources, answers, Infinity).filter((i) => {
    const key = `${i.kind}\u0000${i.name}`;
    if (!i.status || statusTone(i.status) !== 'busy' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const more = sources.some((s, i) => s.input['StatusEquals'] !== undefined && typeof (answers[i] as Row | undefined)?.['NextToken'] === 'string');
  return { items, more };
}

/** The newest `limit` items across every source's answer (a source without an answer yet, or refused, adds nothing). */
export function recentActivity(sources: readonly ActivitySource[], answers: readonly (unknown | undefined)[], limit = 12): ActivityItem[] {
  const items: ActivityItem[] = [];
  sources.forEach((s, i) => {
    const rows = (answers[i] as Row | undefined)?.[s.rows];
    if (!Array.isArray(rows)) return;
    for (const r of rows) {
      const it = typeof r === 'object' && r !== null ? s.item(r as Row) : undefined;
      if (it) items.push(it);
    }
  });
  return items.sort((a, b) => b.at - a.at || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)).slice(0, limit);
}
