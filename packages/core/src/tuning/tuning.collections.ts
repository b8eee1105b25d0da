import type { CollectionSpec } from '../ports/metadata-store.js';
import type { TunedConfig } from './tuning-engine.js';

export type TuningJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

/** One training job a tuning job started. */
export interface TrialRecord {
  readonly index: number;
  readonly trainingJobName: string;
  /** What the strategy proposed (numbers for numeric ranges). */
  readonly config: TunedConfig;
  /** The same, as the hyperparameter strings the job received. */
  readonly tuned: Readonly<Record<string, string>>;
  readonly bracket?: number;
  /** Rungs (epochs) already judged by Hyperband. */
  readonly judgedRungs?: readonly number[];
  /** Stopped by the tuning job's early stopping (median rule or Hyperband), not by a user. */
  readonly earlyStopped?: boolean;
  /** Set once the training job has ended, so later passes need not read it again. */
  readonly final?: {
    readonly status: 'Completed' | 'Failed' | 'Stopped';
    readonly objective?: number;
    readonly series?: readonly number[];
    readonly endTime?: number;
    /** Why CreateTrainingJob refused the trial's training job (it never existed). */
    readonly refused?: string;
  };
}

/** A warm-start parent's trial, frozen at creation. */
export interface ParentTrial {
  readonly config: TunedConfig;
  readonly value?: number;
  readonly trainingJobName: string;
  readonly tuningJobName: string;
}

export interface TuningJobRecord {
  /** Lower-cased name: tuning-job names are unique ignoring case. */
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly status: TuningJobStatus;
  readonly strategy: string;
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  readonly endTime?: number;
  /** The Create request as received, minus Tags (Describe echoes it). */
  readonly request: Readonly<Record<string, unknown>>;
  readonly trials: readonly TrialRecord[];
  readonly parents: readonly ParentTrial[];
  /** No more trials will be proposed (the strategy ran out, a completion criterion held, or a stop). */
  readonly exhausted?: boolean;
  readonly failureReason?: string;
  readonly notImproving?: number;
  /**
   * Convergence detection (`ConvergenceDetected`): the trials judged so far (indices, in the order they
   * were judged: one judgement per completed full-length trial), how many judgements in a row found an
   * expected improvement of 1 % or less, and when that first held twice.
   */
  readonly convergence?: { readonly judged: readonly number[]; readonly streak: number; readonly detectedTime?: number };
  /** ManifestFile URI → the prefix it named when the request was checked (ADR 0019), for every training job. */
  readonly checkedManifests?: Readonly<Record<string, string>>;
  /** The user who created it: its training jobs' (and experiment runs') user. */
  readonly createdBy?: string;
}

export const tuningJobsCollection: CollectionSpec<TuningJobRecord> = {
  name: 'tuning_jobs',
  key: 'id',
  indexes: { name: 'text', status: 'text', creationTime: 'real', lastModifiedTime: 'real' },
  unique: ['arn'],
};

export const tuningCollections = [tuningJobsCollection];
