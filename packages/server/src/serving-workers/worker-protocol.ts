import type { PolicyDocument, Principal, ResolvedAccessKey, ServingContainer } from '@loam/core';
import type { CaptureEvent } from '../endpoints/data-capture.js';

/**
 * The messages between the main server and its serving workers (ADR 0015), over the child's IPC
 * channel with Node's `advanced` serialization (structured clone: Buffers arrive as Uint8Arrays).
 */

/** One built-in model instance a worker loads its own copy of. */
export interface InstanceView {
  readonly id: string;
  readonly modelDir: string;
}

/** One production variant of one deployment, with the instances that passed /ping. */
export interface FleetView {
  readonly variantName: string;
  readonly modelName: string;
  readonly container: ServingContainer;
  readonly weight: number;
  readonly instances: readonly InstanceView[];
}

export interface GenerationView {
  readonly configName: string;
  readonly fleets: readonly FleetView[];
}

/**
 * An endpoint as a worker may route it. `servable` is false when the worker must hand its
 * invocations to the main server: an instance runs as its own process, a variant has no instance in
 * service, or the endpoint is not routable (being created or deleted).
 */
export interface EndpointView {
  readonly name: string;
  readonly arn: string;
  readonly servable: boolean;
  readonly greenShare: number;
  /** Data capture's InitialSamplingPercentage (0: off): workers sample, the main server writes. */
  readonly capturePercent: number;
  readonly blue?: GenerationView;
  readonly green?: GenerationView;
}

/** Settings a worker starts with (JSON in its `LOAM_SERVING_WORKER` environment variable). */
export interface WorkerSettings {
  readonly index: number;
  readonly partition: { readonly region: string; readonly accountId: string };
  /** The main server's internal socket: where requests the worker does not answer go. */
  readonly mainSocket: string;
  readonly allowedHosts: readonly string[];
  readonly boundHost: string;
  readonly logLevel: string;
  readonly keepAliveTimeoutMs: number;
  /** `server.invocationLane` (ADR 0016). */
  readonly invocationLane: boolean;
}

/** What the worker asks the main server (answered by {@link RpcResult}). */
export type RpcCall =
  | { readonly op: 'token'; readonly token: string }
  | { readonly op: 'policies'; readonly userName: string }
  | { readonly op: 'key'; readonly accessKeyId: string };

export type RpcValue = Principal | PolicyDocument[] | ResolvedAccessKey | undefined;

export type MainToWorker =
  | { readonly t: 'endpoints'; readonly views: readonly EndpointView[] }
  | { readonly t: 'identity'; readonly generation: number }
  | { readonly t: 'rpc-result'; readonly id: number; readonly ok: boolean; readonly value?: RpcValue; readonly message?: string }
  /** Sent with a socket handle, unread. */
  | { readonly t: 'connection' }
  | { readonly t: 'close'; readonly graceMs: number };

/** Invocations as `[status, modelUs (NaN: none), overheadUs, timeMs]` per row, for one variant. */
export interface MetricsBatch {
  readonly endpoint: string;
  readonly variant: string;
  readonly rows: Float64Array;
}

/** A sampled invocation for the endpoint's data capture (the main server writes it); bodies as IPC delivers them. */
export type CaptureOffer = Omit<CaptureEvent, 'input' | 'output'> & {
  readonly endpoint: string;
  readonly input: Uint8Array;
  readonly output: Uint8Array;
};

export type WorkerToMain =
  | { readonly t: 'ready' }
  | { readonly t: 'rpc'; readonly id: number; readonly call: RpcCall }
  | { readonly t: 'key-used'; readonly accessKeyId: string }
  | { readonly t: 'metrics'; readonly batches: readonly MetricsBatch[] }
  /** Sampled invocations, and by endpoint how many sampled ones the worker dropped (its queue was full). */
  | { readonly t: 'capture'; readonly offers: readonly CaptureOffer[]; readonly dropped: Readonly<Record<string, number>> };
