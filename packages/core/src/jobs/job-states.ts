import type { JobStatus, SecondaryStatusName } from '@loam/contracts';
import type { TransitionTable } from '../kernel/state-machine.js';

/** TrainingJobStatus / ProcessingJobStatus: Stopping may still end Completed or Failed (the job finished first). */
export const jobStatusTable: TransitionTable<JobStatus> = {
  InProgress: ['Stopping', 'Completed', 'Failed', 'Stopped'],
  Stopping: ['Stopped', 'Completed', 'Failed'],
  Completed: [],
  Failed: [],
  Stopped: [],
};

/**
 * SecondaryStatus as SageMaker reports it. Loam's path is Starting (queued or launching) → Downloading
 * → Training → Uploading → Completed, with Stopping/Stopped, MaxRuntimeExceeded, MaxWaitTimeExceeded, Failed and Restarting
 * (a RetryStrategy retry after a platform fault) as the exits. A job may skip steps (a failure while
 * downloading goes straight to Failed), so each state lists every later one it may reach.
 */
export const secondaryStatusTable: TransitionTable<SecondaryStatusName> = {
  Pending: ['Starting', 'Stopping', 'Stopped', 'Failed'],
  Starting: ['Pending', 'LaunchingMLInstances', 'PreparingTrainingStack', 'Downloading', 'DownloadingTrainingImage', 'Training', 'Uploading', 'Stopping', 'Stopped', 'MaxRuntimeExceeded', 'MaxWaitTimeExceeded', 'Completed', 'Failed', 'Restarting'],
  LaunchingMLInstances: ['PreparingTrainingStack', 'Downloading', 'Training', 'Stopping', 'Stopped', 'Failed', 'Restarting'],
  PreparingTrainingStack: ['Downloading', 'DownloadingTrainingImage', 'Training', 'Stopping', 'Stopped', 'Failed', 'Restarting'],
  Downloading: ['DownloadingTrainingImage', 'Training', 'Uploading', 'Stopping', 'Stopped', 'MaxRuntimeExceeded', 'MaxWaitTimeExceeded', 'Completed', 'Failed', 'Restarting'],
  DownloadingTrainingImage: ['Training', 'Stopping', 'Stopped', 'MaxRuntimeExceeded', 'MaxWaitTimeExceeded', 'Failed', 'Restarting'],
  Training: ['Uploading', 'Stopping', 'Stopped', 'MaxRuntimeExceeded', 'MaxWaitTimeExceeded', 'Completed', 'Failed', 'Restarting'],
  Uploading: ['Stopping', 'Stopped', 'MaxRuntimeExceeded', 'MaxWaitTimeExceeded', 'Completed', 'Failed', 'Restarting'],
  Stopping: ['Uploading', 'Stopped', 'MaxRuntimeExceeded', 'MaxWaitTimeExceeded', 'Completed', 'Failed'],
  Restarting: ['Starting', 'Pending', 'Stopping', 'Stopped', 'Failed'],
  Stopped: [],
  MaxRuntimeExceeded: [],
  Completed: [],
  Failed: [],
  Interrupted: [],
  MaxWaitTimeExceeded: [],
  Updating: [],
};
