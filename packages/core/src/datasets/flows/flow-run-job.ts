import type { CreateProcessingJobInput } from '../../jobs/processing-job-spec.js';
import { ValidationError } from '../../kernel/errors.js';
import { parseS3Uri } from '../../ports/artifact-store.js';
import type { FlowDocument, FlowNode } from './flow-document.js';

/**
 * A full flow run is a processing job on the built-in data-wrangler image (`runtime/src/images/
 * data-wrangler.ts`). This file is the contract between the two: the job's input document, its
 * container paths and the manifest the image writes next to the data.
 */
export const dataWranglerImage = 'loam/data-wrangler:1';

const input = '/opt/ml/processing/input';
const output = '/opt/ml/processing/output';
/** Where the image reads its {@link FlowJobDocument}. */
export const flowJobDocumentPath = `${input}/flow/flow.json`;
/** Where the image writes its {@link FlowJobManifest}. */
export const flowJobManifestPath = `${output}/manifest/manifest.json`;

/** `/opt/ml/processing/input/flow/flow.json`: the flow, with each source bound to its staged file. */
export interface FlowJobDocument {
  readonly format: 'loam.flow-job';
  readonly version: 1;
  readonly flowName: string;
  readonly flowVersion: number;
  readonly definition: FlowDocument;
  /** By source node id: the container path of the dataset version's Parquet snapshot. */
  readonly sources: Readonly<Record<string, { readonly path: string; readonly format: 'parquet' }>>;
  /** By destination node id: the container path the image writes (uploaded by the job's output). */
  readonly destinations: Readonly<Record<string, { readonly path: string; readonly format: 'parquet' | 'csv'; readonly header?: boolean }>>;
  /** Container path of the manifest. */
  readonly manifest: string;
}

/** What the image wrote, per destination; uploaded to the run's manifest prefix. */
export interface FlowJobManifest {
  readonly format: 'loam.flow-run-manifest';
  readonly version: 1;
  readonly outputs: readonly { readonly nodeId: string; readonly rowCount: number; readonly bytes: number }[];
}

/** A planned output: where the file lands in the artifact store. */
export interface FlowRunOutputPlan {
  readonly nodeId: string;
  readonly s3Uri: string;
  readonly format: 'parquet' | 'csv';
}

export interface FlowJobPlanInput {
  readonly jobName: string;
  readonly flowName: string;
  readonly flowVersion: number;
  readonly doc: FlowDocument;
  /** By source node id: the dataset version's `s3://…/data.parquet`. */
  readonly sourceUris: Readonly<Record<string, string>>;
  /** Where the job document is uploaded and the manifest is written: `s3://bucket/prefix` (no trailing `/`). */
  readonly runPrefix: string;
  readonly roleArn: string;
  readonly instanceType: CreateProcessingJobInput['ProcessingResources']['ClusterConfig']['InstanceType'];
}

export interface FlowJobPlan {
  readonly request: CreateProcessingJobInput;
  readonly document: FlowJobDocument;
  readonly documentUri: string;
  readonly manifestUri: string;
  readonly outputs: readonly FlowRunOutputPlan[];
}

const baseName = (key: string) => key.slice(key.lastIndexOf('/') + 1);
const dirOf = (bucket: string, key: string) => (key.includes('/') ? `s3://${bucket}/${key.slice(0, key.lastIndexOf('/'))}` : `s3://${bucket}`);
// SageMaker's limits on a processing job's inputs and outputs (the job document and the manifest take one each).
const maxInputs = 10;
const maxOutputs = 10;

/**
 * Plans the processing job of a run: one input per distinct dataset version and one for the job
 * document; one output per destination (its folder, so the file keeps the name the destination
 * gives it: a key ending in `/` gets `part-0.<format>`) and one for the manifest.
 * @throws ValidationException naming the destination or the limit.
 */
export function planFlowJob(p: FlowJobPlanInput): FlowJobPlan {
  const request = {
    inputs: [] as NonNullable<CreateProcessingJobInput['ProcessingInputs']>[number][],
    outputs: [] as NonNullable<CreateProcessingJobInput['ProcessingOutputConfig']>['Outputs'][number][],
  };
  const staged = new Map<string, string>();
  const sources: Record<string, { path: string; format: 'parquet' }> = {};
  for (const n of p.doc.nodes) {
    if (n.type !== 'source') continue;
    const uri = p.sourceUris[n.id] as string;
    let dir = staged.get(uri);
    if (!dir) {
      // Channel names and folders by position, not node id: ids are free-form text.
      const name = `source-${staged.size}`;
      dir = `${input}/${name}`;
      staged.set(uri, dir);
      request.inputs.push({ InputName: name, S3Input: { S3Uri: uri, LocalPath: dir, S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } });
    }
    sources[n.id] = { path: `${dir}/${baseName((parseS3Uri(uri) as { key: string }).key)}`, format: 'parquet' };
  }
  if (request.inputs.length > maxInputs - 1) {
    throw new ValidationError(`Flow '${p.flowName}' reads ${request.inputs.length} dataset versions; a run can read at most ${maxInputs - 1}.`, [{ path: '/Definition/nodes', message: 'too many sources' }]);
  }
  const documentUri = `${p.runPrefix}/flow.json`;
  request.inputs.push({ InputName: 'flow', S3Input: { S3Uri: documentUri, LocalPath: `${input}/flow`, S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } });
  const destinations: Record<string, FlowJobDocument['destinations'][string]> = {};
  const outputs: FlowRunOutputPlan[] = [];
  for (const [i, d] of p.doc.nodes.filter((n): n is FlowNode => n.type === 'destination').entries()) {
    const format = d.output?.format ?? 'parquet';
    const ref = parseS3Uri(d.output?.s3Uri ?? '');
    if (!ref) throw new ValidationError(`Flow '${p.flowName}': destination '${d.id}' has no output.s3Uri.`, [{ path: `/Definition/nodes/${d.id}/output/s3Uri`, message: 'required for a run' }]);
    const key = ref.key === '' || ref.key.endsWith('/') ? `${ref.key}part-0.${format}` : ref.key;
    // By position: a destination id may be 'manifest' or contain '/', which would clash or nest folders.
    const local = `${output}/destination-${i}`;
    destinations[d.id] = { path: `${local}/${baseName(key)}`, format, ...(d.output?.header === false ? { header: false } : {}) };
    request.outputs.push({ OutputName: `destination-${i}`, S3Output: { S3Uri: dirOf(ref.bucket, key), LocalPath: local, S3UploadMode: 'EndOfJob' } });
    outputs.push({ nodeId: d.id, s3Uri: `s3://${ref.bucket}/${key}`, format });
  }
  if (request.outputs.length > maxOutputs - 1) {
    throw new ValidationError(`Flow '${p.flowName}' has ${request.outputs.length} destinations; a run can write at most ${maxOutputs - 1}.`, [{ path: '/Definition/nodes', message: 'too many destinations' }]);
  }
  const manifestUri = `${p.runPrefix}/manifest`;
  request.outputs.push({ OutputName: 'manifest', S3Output: { S3Uri: manifestUri, LocalPath: `${output}/manifest`, S3UploadMode: 'EndOfJob' } });
  const document: FlowJobDocument = { format: 'loam.flow-job', version: 1, flowName: p.flowName, flowVersion: p.flowVersion, definition: p.doc, sources, destinations, manifest: flowJobManifestPath };
  return {
    document, documentUri, manifestUri: `${manifestUri}/manifest.json`, outputs,
    request: {
      ProcessingJobName: p.jobName, RoleArn: p.roleArn,
      AppSpecification: { ImageUri: dataWranglerImage },
      ProcessingInputs: request.inputs,
      ProcessingOutputConfig: { Outputs: request.outputs },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: p.instanceType, VolumeSizeInGB: 30 } },
      StoppingCondition: { MaxRuntimeInSeconds: 86_400 },
    },
  };
}

/** `flow-<flow name, clipped>-<first 8 hex of the run id>`: a valid job name (≤ 63 characters). */
export function flowJobName(flowName: string, runId: string): string {
  const id = runId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 8);
  const name = flowName.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 63 - 'flow-'.length - 1 - id.length).replace(/-+$/, '');
  return `flow-${name}-${id}`;
}
