/*
 * Experiment tracking data (MLflow's model): experiments, runs, params, metrics, tags and dataset
 * inputs. It has its own port because its access pattern is not a document collection's: metrics
 * arrive in batches of a thousand points, and runs are searched by joins on their latest metrics,
 * params and tags.
 */

import { ValidationError } from '../kernel/errors.js';
import { parseS3Uri } from './artifact-store.js';

export type LifecycleStage = 'active' | 'deleted';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
/** MLflow's ViewType. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export interface ExperimentRecord {
  /** A decimal integer as a string (MLflow's ids); `0` is the Default experiment. */
  readonly experimentId: string;
  readonly name: string;
  readonly artifactLocation: string;
  readonly lifecycleStage: LifecycleStage;
  readonly creationTime: number;
  readonly lastUpdateTime: number;
  /** Sorted by key. */
  readonly tags: readonly KeyValue[];
}

export interface RunInfoRecord {
  /** 32 lowercase hex digits. */
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string;
  readonly userId: string;
  readonly status: RunStatus;
  /** Epoch ms. */
  readonly startTime: number;
  readonly endTime?: number;
  readonly lifecycleStage: LifecycleStage;
  readonly artifactUri: string;
  readonly deletedTime?: number;
}

/** One metric point. `value` may be NaN or ±Infinity; both are stored and returned as such. */
export interface MetricPoint {
  readonly key: string;
  readonly value: number;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly step: number;
}

export interface DatasetRecord {
  readonly name: string;
  readonly digest: string;
  readonly sourceType: string;
  readonly source: string;
  readonly schema?: string;
  readonly profile?: string;
}

export interface DatasetInputRecord {
  readonly dataset: DatasetRecord;
  readonly tags: readonly KeyValue[];
}

/** A run with its data: the latest value of each metric, its params and tags, all sorted by key. */
export interface RunRecord {
  readonly info: RunInfoRecord;
  readonly metrics: readonly MetricPoint[];
  readonly params: readonly KeyValue[];
  readonly tags: readonly KeyValue[];
  readonly inputs: readonly DatasetInputRecord[];
}

export type NumericOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type StringOp = '=' | '!=' | 'LIKE' | 'ILIKE';
export type ListOp = 'IN' | 'NOT IN';

export type RunStringAttribute = 'run_id' | 'run_name' | 'status' | 'user_id' | 'artifact_uri';
export type RunNumericAttribute = 'start_time' | 'end_time';
export type DatasetField = 'name' | 'digest' | 'context';

/**
 * One condition of a run search (MLflow's filter grammar, parsed). A run lacking the metric, param,
 * tag or attribute matches no condition on it (`!=` included). A NaN metric matches only `!=`.
 * `LIKE` is case-sensitive with `%` and `_` wildcards; `ILIKE` is the same, case-insensitive.
 */
export type RunFilterClause =
  | { readonly kind: 'metric'; readonly key: string; readonly op: NumericOp; readonly value: number }
  | { readonly kind: 'param' | 'tag'; readonly key: string; readonly op: StringOp; readonly value: string }
  | { readonly kind: 'attribute'; readonly key: RunStringAttribute; readonly op: StringOp; readonly value: string }
  | { readonly kind: 'attribute'; readonly key: RunStringAttribute; readonly op: ListOp; readonly value: readonly string[] }
  | { readonly kind: 'attribute'; readonly key: RunNumericAttribute; readonly op: NumericOp; readonly value: number }
  | { readonly kind: 'dataset'; readonly key: DatasetField; readonly op: StringOp; readonly value: string }
  | { readonly kind: 'dataset'; readonly key: DatasetField; readonly op: ListOp; readonly value: readonly string[] };

/**
 * One ordering term. Runs without the value come last in either direction; for metrics, NaN comes
 * after every number and before runs without the metric. Text orders by code point.
 */
export interface RunOrderClause {
  readonly kind: 'metric' | 'param' | 'tag' | 'attribute';
  /** For attributes: a RunStringAttribute or RunNumericAttribute. */
  readonly key: string;
  readonly ascending: boolean;
}

export interface RunSearchQuery {
  readonly experimentIds: readonly string[];
  readonly view: ViewType;
  readonly filter: readonly RunFilterClause[];
  /** Applied in order, then `start_time DESC, run_id ASC` break ties. */
  readonly orderBy: readonly RunOrderClause[];
  /**
   * Only the runs after this one in the order (a keyset position): a run deleted or leaving the view before it
   * moves no other past it, as it would an offset.
   */
  readonly after?: RunPosition;
  /** Runs skipped (after `after`, when given). */
  readonly offset: number;
  readonly limit: number;
}

/** A run's value of one `orderBy` term: a value, NaN (a metric's), or none (the run lacks it). */
export type RunSortValue = { readonly value: string | number } | { readonly nan: true } | { readonly absent: true };

/** A run's place in a search's order: its value of each `orderBy` term, in that order, then its start time and id. */
export interface RunPosition {
  readonly values: readonly RunSortValue[];
  readonly startTime: number;
  readonly runId: string;
}

export type ExperimentFilterClause =
  | { readonly kind: 'attribute'; readonly key: 'name'; readonly op: StringOp; readonly value: string }
  | { readonly kind: 'attribute'; readonly key: 'creation_time' | 'last_update_time'; readonly op: NumericOp; readonly value: number }
  | { readonly kind: 'tag'; readonly key: string; readonly op: StringOp; readonly value: string };

export interface ExperimentOrderClause {
  readonly key: 'name' | 'experiment_id' | 'creation_time' | 'last_update_time';
  readonly ascending: boolean;
}

export interface ExperimentSearchQuery {
  readonly view: ViewType;
  readonly filter: readonly ExperimentFilterClause[];
  /** Applied in order, then `experiment_id ASC` breaks ties (experiment ids order as numbers). */
  readonly orderBy: readonly ExperimentOrderClause[];
  /**
   * Only the experiments after this one in the order (a keyset position): an experiment deleted or leaving the
   * view before it moves no other past it, as it would an offset.
   */
  readonly after?: ExperimentPosition;
  /** Experiments skipped (after `after`, when given). */
  readonly offset: number;
  readonly limit: number;
}

/**
 * An experiment's place in a search's order: its value of each `orderBy` key, in that order (names as text,
 * times and ids as numbers), and its id.
 */
export interface ExperimentPosition {
  readonly values: readonly (string | number)[];
  readonly experimentId: string;
}

export interface NewExperiment {
  readonly name: string;
  /** When absent: `<artifactRoot>/<experimentId>`. */
  readonly artifactLocation?: string;
  readonly artifactRoot: string;
  readonly tags: readonly KeyValue[];
  readonly time: number;
}

export interface NewRun {
  readonly info: RunInfoRecord;
  readonly tags: readonly KeyValue[];
}

/** What one log-batch writes; every part is optional. */
export interface RunBatch {
  readonly metrics?: readonly MetricPoint[];
  readonly params?: readonly KeyValue[];
  readonly tags?: readonly KeyValue[];
}

/** A SageMaker trial component's artifact (InputArtifacts, OutputArtifacts). */
export interface TrialComponentArtifactRecord {
  readonly value: string;
  readonly mediaType?: string;
}

/**
 * What SageMaker's trial component adds to the MLflow run it is (ADR 0009): its name, and the fields MLflow's
 * model has no place for. The run holds the rest: params are its Parameters, metric points its Metrics,
 * status and times its Status, StartTime and EndTime, tags its Tags.
 */
export interface TrialComponentRecord {
  /** Unique among trial components. */
  readonly name: string;
  /** The run it is; a run is at most one trial component. */
  readonly runId: string;
  readonly displayName?: string;
  readonly statusMessage?: string;
  readonly sourceArn?: string;
  readonly sourceType?: string;
  /** The keys of the run's params given as NumberValue (the others are StringValue). Sorted. */
  readonly numberParams: readonly string[];
  readonly inputArtifacts: Readonly<Record<string, TrialComponentArtifactRecord>>;
  readonly outputArtifacts: Readonly<Record<string, TrialComponentArtifactRecord>>;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Epoch ms. */
  readonly creationTime: number;
  readonly lastModifiedTime: number;
}

/** A SageMaker trial: a named group of trial components in one experiment. */
export interface TrialRecord {
  /** Unique among trials. */
  readonly name: string;
  readonly experimentId: string;
  readonly displayName?: string;
  readonly sourceArn?: string;
  readonly sourceType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Epoch ms. */
  readonly creationTime: number;
  readonly lastModifiedTime: number;
}

/** A page of trials or trial components, by name or creation time (ties by name). Times are epoch ms, exclusive. */
export interface ExperimentEntityQuery {
  readonly createdAfter?: number;
  readonly createdBefore?: number;
  /** The order: by name, or by a time (whole milliseconds) then name; `ascending` for both. */
  readonly sortBy: 'name' | 'creationTime' | 'lastModifiedTime';
  readonly ascending: boolean;
  /**
   * Only the rows after this one in the order (a keyset position): a row deleted or leaving the list before it
   * moves no other past it, as it would an offset. Its `time` is the sort's (required when sorting by a time).
   */
  readonly after?: EntityPosition;
  /** Rows skipped (after `after`, when given). */
  readonly offset: number;
  readonly limit: number;
}

/** A trial's or trial component's place in a listing's order: its sort time (sorting by a time) and its name. */
export interface EntityPosition {
  readonly time?: number;
  readonly name: string;
}

/**
 * Keys a trial component's run must have (SageMaker Search's `Parameters.<key>` and `Metrics.<name>` filters,
 * asked of the store so that it reads only components that can match). A key holding U+0000 is no run's.
 */
export interface ComponentRunKeys {
  /** A param of each of these keys. */
  readonly params?: readonly string[];
  /** At least one point of each of these metrics. */
  readonly metrics?: readonly string[];
  /**
   * Components of these source types are kept whatever params their run has: a job's component also shows its
   * job's hyperparameters and resources as Parameters (jobComponentDetails), which are not its run's.
   */
  readonly paramsAlsoOfSourceTypes?: readonly string[];
}

/** A summary of every point of one metric of a run (NaN points left out of min, max, avg and stdDev, not of count). */
export interface MetricSummaryRecord {
  readonly key: string;
  readonly min?: number;
  readonly max?: number;
  readonly avg?: number;
  /** The sample standard deviation (0 for one point). */
  readonly stdDev?: number;
  readonly count: number;
  /** The latest point (MLflow's latest: greatest step, timestamp, value). */
  readonly last: number;
  readonly lastTimestamp: number;
}

/** Changes to a trial component and to its run's params, written in one transaction. */
export interface TrialComponentPatch {
  readonly displayName?: string;
  /** null removes it. */
  readonly statusMessage?: string | null;
  readonly numberParams?: readonly string[];
  readonly inputArtifacts?: Readonly<Record<string, TrialComponentArtifactRecord>>;
  readonly outputArtifacts?: Readonly<Record<string, TrialComponentArtifactRecord>>;
  /** Params set, overwriting a value the run holds (SageMaker's parameters change; MLflow's do not). */
  readonly setParams?: readonly KeyValue[];
  readonly removeParams?: readonly string[];
  readonly lastModifiedTime: number;
}

/**
 * The experiment tracking store. Every write is atomic: it happens whole or not at all.
 *
 * Errors: `ResourceInUse` (an experiment name that exists, on create or rename), `ValidationException`
 * (a param logged again with a different value, or text holding U+0000 or an unpaired surrogate — see `checkStorableText`;
 * nothing of that write is written).
 *
 * No stored text holds either, so a lookup by a string that holds one finds nothing, and a search
 * condition on one matches as it would against any value without it (`=` and LIKE nothing, `!=` every
 * value present) — never an error.
 */
export interface ExperimentStore {
  /**
   * Creates the experiment, giving it the next id (`0` is reserved for Default). Returns the id. ResourceInUse
   * when an experiment (active or deleted) has the name in any ASCII letter case (`asciiLower`): its SageMaker
   * ARN holds the name lower-cased, so `Foo` and `foo` would be one SageMaker experiment (ADR 0009).
   */
  createExperiment(e: NewExperiment): Promise<string>;
  /** Creates experiment `0` named `Default` unless it exists. */
  ensureDefaultExperiment(artifactRoot: string, time: number): Promise<void>;
  getExperiment(experimentId: string): Promise<ExperimentRecord | undefined>;
  getExperimentByName(name: string): Promise<ExperimentRecord | undefined>;
  /** The experiment whose name is this one in any ASCII letter case (at most one: see `createExperiment`). */
  getExperimentByNameInAnyCase(name: string): Promise<ExperimentRecord | undefined>;
  /** Renames; throws ResourceInUse when another experiment has the name, in any letter case (see `createExperiment`). */
  renameExperiment(experimentId: string, name: string, time: number): Promise<void>;
  /**
   * Marks the experiment deleted or active, and with it its runs (deleting marks its active runs
   * deleted at `time`; restoring restores its deleted runs).
   */
  setExperimentLifecycle(experimentId: string, stage: LifecycleStage, time: number): Promise<void>;
  /** Adds or overwrites experiment tags. */
  setExperimentTags(experimentId: string, tags: readonly KeyValue[], time: number): Promise<void>;
  searchExperiments(query: ExperimentSearchQuery): Promise<ExperimentRecord[]>;
  /**
   * The experiments, in every lifecycle stage, whose artifact location has one of `keys` as its
   * `artifactLocationKey`, by experiment id (as numbers). Answered from an index, so its cost is the
   * experiments found and not every experiment: the S3 API asks it for each request on the MLflow
   * artifact bucket outside a run's folder (which experiments hold this key?). No key matches a location
   * Loam does not serve.
   */
  experimentsByArtifactLocation(keys: readonly string[]): Promise<ExperimentRecord[]>;
  /**
   * The experiments, in every lifecycle stage, whose artifact location's `artifactLocationKey` starts
   * with `prefix` (as strings: `s3://b/mlflow/1` finds `s3://b/mlflow/1`, `…/10` and `…/1/x`), by
   * experiment id (as numbers). Answered from an index (a range of it), so its cost is the experiments
   * found and not every experiment: the S3 API asks it when a job reads or writes every object under a
   * key prefix of the MLflow artifact bucket (which experiments lie under it?). A location Loam does not
   * serve is never found.
   */
  experimentsByArtifactLocationPrefix(prefix: string): Promise<ExperimentRecord[]>;

  createRun(run: NewRun): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Just the run's info (cheap; checked before every write). */
  getRunInfo(runId: string): Promise<RunInfoRecord | undefined>;
  /**
   * The infos of those of these runs that exist, in no particular order, in one read (a page of trial
   * components' runs: Search reads 200 at a time). Ids repeated or of no run are ignored.
   */
  getRunInfos(runIds: readonly string[]): Promise<RunInfoRecord[]>;
  /** Changes the given info fields. */
  updateRunInfo(runId: string, patch: Partial<Pick<RunInfoRecord, 'status' | 'startTime' | 'endTime' | 'runName' | 'lifecycleStage' | 'deletedTime'>> & { readonly clearDeletedTime?: boolean }): Promise<void>;
  /**
   * Appends metric points (latest values follow MLflow: the greatest (step, timestamp, value)),
   * inserts params (same value again is fine; a different one throws ValidationException) and
   * upserts tags (the last of a repeated key wins), in one transaction. A point is stored once, as
   * MLflow's SQL store keys it: one with the key, step, timestamp and value of a point the run holds
   * (NaN equal to NaN) is skipped, so a retried batch changes nothing.
   */
  logBatch(runId: string, batch: RunBatch): Promise<void>;
  /** Removes a run tag; returns whether it existed. */
  deleteRunTag(runId: string, key: string): Promise<boolean>;
  /** Records dataset inputs (a dataset is identified by experiment, name and digest; repeats are ignored). */
  logInputs(runId: string, inputs: readonly DatasetInputRecord[]): Promise<void>;
  /** Every point of one metric of a run, by step, then timestamp, then value (NaN ordered as 0, after a 0). */
  metricHistory(runId: string, key: string, page: { offset: number; limit: number }): Promise<MetricPoint[]>;
  searchRuns(query: RunSearchQuery): Promise<RunRecord[]>;
  /** Min, max, average, standard deviation, count and latest of each metric of the run, by key. */
  metricSummaries(runId: string): Promise<MetricSummaryRecord[]>;

  /**
   * Names a run as a SageMaker trial component; ResourceInUse when the name is taken in any case or the
   * run has one. SageMaker's names are case-insensitive (and their ARNs lower-cased): the other entity
   * methods take the name as stored, which `getTrialComponent` and `getTrial` find in any case.
   */
  createTrialComponent(c: TrialComponentRecord): Promise<void>;
  /** The component of that name in any case (its record holds the name as created). */
  getTrialComponent(name: string): Promise<TrialComponentRecord | undefined>;
  trialComponentOfRun(runId: string): Promise<TrialComponentRecord | undefined>;
  /**
   * Changes the component and its run's params together; false, changing nothing, when it does not exist. Given a function,
   * the patch is what it makes of the component as stored, called while no other update, delete or
   * association of the component can run (SageMaker merges Parameters and artifacts per call: two updates
   * at once each keep the other's additions); what it throws rolls the update back.
   */
  updateTrialComponent(name: string, patch: TrialComponentPatch | ((current: TrialComponentRecord) => TrialComponentPatch)): Promise<boolean>;
  /**
   * Removes the component's record and its trial associations (not its run). With `unlessInTrial`, a
   * component a trial holds is left as it is (`'in-trial'`), checked and deleted as one step against
   * `associateTrialComponent`.
   */
  deleteTrialComponent(name: string, options?: { readonly unlessInTrial?: boolean }): Promise<'deleted' | 'in-trial' | 'absent'>;
  /**
   * Components in the trial, in a trial of the experiment, with the source ARN, or whose run has the params and
   * metrics `runHas` names, when given. Paged by `after` (a keyset), a listing's page is read from an index
   * (creation or last modified time, then name); by `offset` alone, the rows before it are read (and checked
   * against `runHas`) again for every page.
   * @throws TypeError when sorting by a time with an `after` without its `time` (a caller's mistake).
   */
  listTrialComponents(q: ExperimentEntityQuery & { readonly trialName?: string; readonly experimentId?: string; readonly sourceArn?: string; readonly runHas?: ComponentRunKeys }): Promise<TrialComponentRecord[]>;
  /** ResourceInUse when the name is taken in any case. */
  createTrial(t: TrialRecord): Promise<void>;
  /** The trial of that name in any case (its record holds the name as created). */
  getTrial(name: string): Promise<TrialRecord | undefined>;
  updateTrial(name: string, patch: { readonly displayName?: string; readonly lastModifiedTime: number }): Promise<void>;
  /**
   * Removes the trial and its associations. With `unlessHoldingComponent`, a trial holding a component whose run
   * is active is left as it is (`'holds-component'`), checked and deleted as one step against
   * `associateTrialComponent`.
   */
  deleteTrial(name: string, options?: { readonly unlessHoldingComponent?: boolean }): Promise<'deleted' | 'holds-component' | 'absent'>;
  /** Trials of the experiment, or holding the component, when given. */
  listTrials(q: ExperimentEntityQuery & { readonly experimentId?: string; readonly componentName?: string }): Promise<TrialRecord[]>;
  /**
   * Puts the component in the trial (again is a no-op); false, putting nothing, when either does not exist
   * (checked and linked as one step against `deleteTrialComponent` and `deleteTrial`).
   */
  associateTrialComponent(trialName: string, componentName: string, time: number): Promise<boolean>;
  /** Takes the component out of the trial; whether it was in it. */
  disassociateTrialComponent(trialName: string, componentName: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * An unpaired UTF-16 surrogate (with the `u` flag a pair is one code point and does not match): not a
 * character, so no UTF-8 database stores it as sent.
 */
const LONE = /[\uD800-\uDFFF]/u;

/** Whether a database can store `s` as it is: no U+0000, no unpaired surrogate. */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !LONE.test(s);
}

/**
 * Refuses text holding U+0000 (NUL), which PostgreSQL's `text` cannot hold, or an unpaired surrogate
 * (`"\ud800"` in JSON), which each database turns into a different string of U+FFFD (so the same param
 * logged again was refused as changed): every backend refuses both, so a write one database takes is
 * never one another fails on or alters. `what` names the field.
 */
export function checkStorableText(what: string, value: string | undefined): void {
  if (value === undefined) return;
  const at = value.indexOf('\u0000');
  if (at >= 0) {
    throw new ValidationError(`${what} holds U+0000 (NUL) at position ${at}; text with NUL characters cannot be stored.`);
  }
  const lone = LONE.exec(value);
  if (lone) {
    const code = (lone[0].codePointAt(0) as number).toString(16).toUpperCase();
    throw new ValidationError(`${what} holds an unpaired surrogate (U+${code}) at position ${lone.index}; text must be well-formed Unicode.`);
  }
}

/** Lower-cases ASCII letters only: experiment, trial and trial component names are unique under it (the stores' `lower(name)`). */
export const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** MLflow's RESOURCE_ALREADY_EXISTS message for a name another experiment holds in another letter case. */
export function experimentCaseTwinMessage(name: string, held: string): string {
  return `Experiment(name=${name}) already exists: experiment '${held}' has the name in another letter case, and SageMaker's experiment names (and ARNs) are case-insensitive.`;
}

/** `checkStorableText` for each key and value of a list of tags or params. */
export function checkStorableKeyValues(what: string, items: readonly KeyValue[] | undefined): void {
  for (const kv of items ?? []) {
    checkStorableText(`${what} key '${kv.key.replace(/\u0000/g, '\\0')}'`, kv.key);
    checkStorableText(`${what} '${kv.key.replace(/\u0000/g, '\\0')}' value`, kv.value);
  }
}

/** The text of each write, checked by every ExperimentStore before it writes anything. */
export const storableText = {
  experiment(e: NewExperiment): void {
    checkStorableText('Experiment name', e.name);
    checkStorableText('Artifact location', e.artifactLocation);
    checkStorableKeyValues('Experiment tag', e.tags);
  },
  run(r: NewRun): void {
    checkStorableText('Run id', r.info.runId);
    checkStorableText('Run name', r.info.runName);
    checkStorableText('User id', r.info.userId);
    checkStorableText('Artifact URI', r.info.artifactUri);
    checkStorableKeyValues('Tag', r.tags);
  },
  batch(b: RunBatch): void {
    for (const m of b.metrics ?? []) checkStorableText('Metric key', m.key);
    checkStorableKeyValues('Param', b.params);
    checkStorableKeyValues('Tag', b.tags);
  },
  inputs(inputs: readonly DatasetInputRecord[]): void {
    for (const i of inputs) {
      const d = i.dataset;
      for (const [what, v] of [['Dataset name', d.name], ['Dataset digest', d.digest], ['Dataset source type', d.sourceType], ['Dataset source', d.source], ['Dataset schema', d.schema], ['Dataset profile', d.profile]] as const) {
        checkStorableText(what, v);
      }
      checkStorableKeyValues('Input tag', i.tags);
    }
  },
  trialComponent(c: TrialComponentRecord): void {
    textsOf('Trial component', { name: c.name, runId: c.runId, displayName: c.displayName, statusMessage: c.statusMessage, sourceArn: c.sourceArn, sourceType: c.sourceType });
    artifactsOf(c.inputArtifacts);
    artifactsOf(c.outputArtifacts);
  },
  trialComponentPatch(p: TrialComponentPatch): void {
    textsOf('Trial component', { displayName: p.displayName, statusMessage: p.statusMessage ?? undefined });
    artifactsOf(p.inputArtifacts);
    artifactsOf(p.outputArtifacts);
    checkStorableKeyValues('Param', p.setParams);
  },
  trial(t: TrialRecord): void {
    textsOf('Trial', { name: t.name, displayName: t.displayName, sourceArn: t.sourceArn, sourceType: t.sourceType });
  },
  association(trialName: string, componentName: string): void {
    textsOf('Association', { trialName, componentName });
  },
};

/** Every text of a component or trial, checked as the store checks any text (no NUL, no lone surrogate). */
function textsOf(what: string, values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) checkStorableText(`${what} ${k}`, v);
}
function artifactsOf(a: TrialComponentRecord['inputArtifacts'] | undefined): void {
  for (const [k, v] of Object.entries(a ?? {})) textsOf('Artifact', { key: k, value: v.value, mediaType: v.mediaType });
}

/**
 * The form in which an ExperimentStore indexes and compares artifact locations
 * (`ExperimentStore.experimentsByArtifactLocation`): the URI with the leading and trailing slashes of its
 * path dropped, as the artifact store reads it, so every spelling of one location has one key.
 * `mlflow-artifacts:x/`, `mlflow-artifacts:///x` → `mlflow-artifacts:/x`; `s3://b/p/` → `s3://b/p`;
 * `s3://b` → `s3://b/`. A location Loam does not serve has no key (undefined): it holds no object.
 */
export function artifactLocationKey(uri: string): string | undefined {
  if (uri.startsWith('mlflow-artifacts:')) return `mlflow-artifacts:/${trimSlashes(uri.slice('mlflow-artifacts:'.length))}`;
  const ref = parseS3Uri(uri);
  return ref && `s3://${ref.bucket}/${trimSlashes(ref.key)}`;
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}
