import type { CollectionSpec } from '../../ports/metadata-store.js';
import type { FlowDocument } from './flow-document.js';

export interface FlowRecord {
  readonly flowName: string;
  readonly arn: string;
  readonly description?: string;
  readonly createdAt: number;
  readonly lastModifiedAt: number;
  readonly latestVersion: number;
}

/** One immutable version of a flow's document. */
export interface FlowVersionRecord {
  /** `<flowName>#<version, zero-padded>`. */
  readonly id: string;
  readonly flowName: string;
  readonly version: number;
  readonly createdAt: number;
  readonly definition: FlowDocument;
}

export interface FlowRunRecord {
  readonly runId: string;
  readonly flowName: string;
  readonly flowVersion: number;
  /** The processing job's status while it runs; stored when it ends (runs from before jobs end as they were). */
  readonly status: 'InProgress' | 'Stopping' | 'Completed' | 'Failed' | 'Stopped';
  readonly createdAt: number;
  /** The processing job that runs the flow (`flow-<flow>-<id>`); absent on runs made in the server process. */
  readonly processingJobName?: string;
  readonly processingJobArn?: string;
  /** Where the job writes its manifest (row counts and bytes per destination). */
  readonly manifestUri?: string;
  readonly endedAt?: number;
  readonly failureReason?: string;
  readonly outputs: readonly { readonly nodeId: string; readonly s3Uri: string; readonly format: string; readonly rowCount?: number; readonly bytes?: number }[];
}

export const flowsSpec: CollectionSpec<FlowRecord> = { name: 'flows', key: 'flowName', indexes: { createdAt: 'integer' }, unique: ['arn'] };
export const flowVersionsSpec: CollectionSpec<FlowVersionRecord> = { name: 'flow_versions', key: 'id', indexes: { flowName: 'text', version: 'integer' } };
export const flowRunsSpec: CollectionSpec<FlowRunRecord> = { name: 'flow_runs', key: 'runId', indexes: { flowName: 'text', createdAt: 'integer', status: 'text' } };
