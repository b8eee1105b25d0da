import type { Partition, RequestContext } from '@loam/core';
import { AwsProtocolError } from '../transports/aws-json/aws-errors.js';
import type { EndpointInvoker, InvocationRequest, InvocationResult } from '../transports/aws-json/endpoint-invoker.js';
import type { LiveEndpoint } from './live-endpoint.js';
import type { CaptureEvent } from './data-capture.js';
import { InProcessInstance, InstanceUnreachableError, type InstanceAnswer, type InstanceRequest, type ServingInstance } from './serving-instance.js';
import type { Generation, VariantFleet } from './variant-fleet.js';

/** Where the router records each invocation (the MetricsRegistry, or a serving worker's forwarder). */
export interface MetricsSink {
  variant(endpoint: string, variant: string): { record(status: number, modelUs: number | undefined, overheadUs: number): void };
}

/** Where the router offers each answered invocation for data capture. */
export interface CaptureSink {
  readonly enabled: boolean;
  offer(e: CaptureEvent): void;
}

export interface RouterOptions {
  readonly partition: Partition;
  readonly live: (endpointName: string) => LiveEndpoint | undefined;
  readonly metrics: MetricsSink;
  /** The endpoint's data capture (default: its writer, `LiveEndpoint.capture`). */
  readonly capture?: (endpoint: LiveEndpoint) => CaptureSink | undefined;
  /** SageMaker's 60 s for a model's answer. */
  readonly timeoutMs?: number;
  /** Called when an instance could not be reached, so the controller replaces it. */
  readonly onUnreachable?: (endpoint: LiveEndpoint, instance: ServingInstance) => void;
  readonly random?: () => number;
}

/**
 * What SageMaker Runtime answers when the model (the container, or a built-in model in process)
 * answers 4xx or 5xx: `ModelError`, HTTP 424 whatever the model's status, with that status and body
 * in `OriginalStatusCode` / `OriginalMessage` and in the message. The SDKs raise their `ModelError`.
 */
export function modelError(status: number, original: string, endpoint: string, p: Partition): AwsProtocolError {
  const kind = status >= 500 ? 'server' : 'client';
  const shown = original.length > 1000 ? `${original.slice(0, 1000)}…` : original;
  return new AwsProtocolError(
    'ModelError', 424,
    `Received ${kind} error (${status}) from primary with message "${shown}". See the endpoint's logs in Loam for more information.`,
    { OriginalStatusCode: status, OriginalMessage: shown, LogStreamArn: `arn:loam:logs:${p.region}:${p.accountId}:log-group:/aws/sagemaker/Endpoints/${endpoint}` },
  );
}

/**
 * InvokeEndpoint members that address what Loam's endpoints never have — a model of a multi-model
 * endpoint, a container of a direct-invocation pipeline, a Clarify explainer, an inference component —
 * are refused (400 ValidationError naming the member), never ignored: answering from the one model
 * would look like an answer to the question asked.
 */
function unsupportedTarget(endpoint: string, req: InvocationRequest): AwsProtocolError {
  const why = req.targetModel !== undefined
    ? `TargetModel '${req.targetModel}' applies only to multi-model endpoints (a model with Mode MultiModel), which Loam does not serve`
    : req.targetContainerHostname !== undefined
      ? `TargetContainerHostname '${req.targetContainerHostname}' applies only to multi-container models with InferenceExecutionConfig Mode Direct, which Loam does not serve`
      : req.enableExplanations !== undefined
        ? 'EnableExplanations applies only to endpoints with a SageMaker Clarify ExplainerConfig, which Loam does not support'
        : `InferenceComponentName '${req.inferenceComponentName}' applies only to endpoints with inference components, which Loam does not serve`;
  return new AwsProtocolError('ValidationError', 400, `Endpoint ${endpoint} cannot take this request: ${why}. Send it without that member.`);
}

/**
 * SageMaker Runtime's limits on InferenceId (1–64 printable characters, not starting with a space; it
 * goes into every captured record) and CustomAttributes (at most 1024 US-ASCII characters).
 */
function checkHeaderMembers(req: InvocationRequest): void {
  const id = req.inferenceId;
  if (id !== undefined && (id.length < 1 || id.length > 64 || !/^\S[\x20-\x7e]*$/.test(id))) {
    throw new AwsProtocolError('ValidationError', 400, `1 validation error detected: Value at 'inferenceId' failed to satisfy constraint: Member must have length between 1 and 64 and be printable characters not starting with a space (got ${id.length} characters).`);
  }
  const ca = req.customAttributes;
  if (ca !== undefined && (ca.length > 1024 || !/^[\x00-\x7f]*$/.test(ca))) {
    throw new AwsProtocolError('ValidationError', 400, `1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: Member must have length less than or equal to 1024 and be US-ASCII (got ${ca.length} characters).`);
  }
}

/**
 * SageMaker Runtime's InvokeEndpoint over Loam's endpoints: picks blue or green by the rollout's
 * share, a variant by weight (or X-Amzn-SageMaker-Target-Variant), an instance that passed /ping with
 * the fewest requests in flight; waits for a slot when all are busy (bounded: ThrottlingException
 * beyond); retries on another instance when one cannot be reached; records metrics and data capture.
 */
export class EndpointRouter implements EndpointInvoker {
  private readonly timeoutMs: number;
  private readonly random: () => number;

  constructor(private readonly o: RouterOptions) {
    this.timeoutMs = o.timeoutMs ?? 60_000;
    this.random = o.random ?? Math.random;
  }

  private notFound(name: string): AwsProtocolError {
    return new AwsProtocolError('ValidationError', 400, `Endpoint ${name} of account ${this.o.partition.accountId} not found.`);
  }

  private chooseFleet(ep: LiveEndpoint, req: InvocationRequest): VariantFleet {
    let gen: Generation = ep.blue;
    if (ep.green && ep.greenShare > 0 && (ep.greenShare >= 1 || this.random() < ep.greenShare)) gen = ep.green;
    if (req.targetVariant !== undefined) {
      const f = gen.fleets.get(req.targetVariant) ?? (gen === ep.blue ? ep.green : ep.blue)?.fleets.get(req.targetVariant);
      if (!f) {
        const names = [...gen.fleets.keys()].join(', ');
        throw new AwsProtocolError('ValidationError', 400, `Endpoint ${ep.name} has no variant ${req.targetVariant} (variants: ${names}).`);
      }
      return f;
    }
    const f = gen.pick(this.random());
    if (!f) throw this.notFound(ep.name);
    return f;
  }

  async invokeEndpoint(req: InvocationRequest, _ctx: RequestContext): Promise<InvocationResult> {
    const t0 = performance.now();
    const ep = this.o.live(req.endpointName);
    if (!ep || !ep.routable) throw this.notFound(req.endpointName);
    if (req.targetModel !== undefined || req.targetContainerHostname !== undefined || req.enableExplanations !== undefined || req.inferenceComponentName !== undefined) {
      throw unsupportedTarget(ep.name, req);
    }
    if (req.inferenceId !== undefined || req.customAttributes !== undefined) checkHeaderMembers(req);
    const fleet = this.chooseFleet(ep, req);
    const metrics = this.o.metrics.variant(ep.name, fleet.variantName);
    const r: InstanceRequest = req;
    let exclude: ServingInstance | undefined;
    let answer: InstanceAnswer | undefined;
    let modelUs = 0;
    for (let attempt = 0; answer === undefined; attempt++) {
      // A free slot is the usual case: taken without a closure or a promise.
      let inst = fleet.tryAcquire(exclude);
      if (inst === undefined) {
        try {
          inst = await fleet.acquire(
            Math.max(1, this.timeoutMs - (performance.now() - t0)),
            () => new AwsProtocolError('ThrottlingException', 429, `Endpoint ${ep.name} variant ${fleet.variantName} is at its concurrency limit; retry with backoff.`),
            () => new AwsProtocolError('ServiceUnavailable', 503, `Endpoint ${ep.name} variant ${fleet.variantName} has no instance free to answer; retry later.`),
            exclude,
          );
        } catch (e) {
          metrics.record(e instanceof AwsProtocolError && e.status === 429 ? 429 : 503, undefined, (performance.now() - t0) * 1000);
          throw e;
        }
      }
      const m0 = performance.now();
      try {
        answer = inst instanceof InProcessInstance ? inst.invokeNow(r) : await inst.invoke(r, Math.max(1, this.timeoutMs - (m0 - t0)));
        modelUs = (performance.now() - m0) * 1000;
      } catch (e) {
        if (e instanceof InstanceUnreachableError && attempt < 2) {
          inst.state = 'unhealthy';
          this.o.onUnreachable?.(ep, inst);
          exclude = inst;
          continue;
        }
        const timedOut = (e as { code?: string }).code === 'LOAM_TIMEOUT';
        metrics.record(500, (performance.now() - m0) * 1000, 0);
        throw timedOut
          ? modelError(500, 'Your invocation timed out while waiting for a response from container primary.', ep.name, this.o.partition)
          : modelError(500, `The model server could not be reached: ${(e as Error).message}`, ep.name, this.o.partition);
      } finally {
        fleet.release(inst);
      }
    }
    metrics.record(answer.status, modelUs, Math.max(0, (performance.now() - t0) * 1000 - modelUs));
    if (answer.status !== 200) throw modelError(answer.status, answer.body.toString('utf8'), ep.name, this.o.partition);
    const capture = this.o.capture ? this.o.capture(ep) : ep.capture;
    if (capture?.enabled) capture.offer({
      variant: fleet.variantName, inputContentType: req.contentType, input: req.body, outputContentType: answer.contentType, output: answer.body,
      inferenceId: req.inferenceId, time: Date.now(),
    });
    return {
      body: answer.body,
      contentType: answer.contentType ?? 'application/octet-stream',
      invokedProductionVariant: fleet.variantName,
      ...(answer.customAttributes !== undefined ? { customAttributes: answer.customAttributes } : {}),
    };
  }
}
