import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunnerInput } from '@loam/contracts';

/** The paths of SageMaker's container contract, under the job host's private `opt/ml`. */
export interface ContractDir {
  /** What `/opt/ml` means for this job. */
  readonly root: string;
  readonly configDir: string;
  readonly dataDir: string;
  readonly modelDir: string;
  readonly outputDir: string;
  readonly outputDataDir: string;
  readonly failureFile: string;
  readonly checkpointDir: string;
  readonly codeDir: string;
  /** Maps a container path (`/opt/ml/...`) to its place under `root`; other paths are returned unchanged. */
  containerPath(path: string): string;
}

/** Re-roots `/opt/ml/...` under the job's directory; a path elsewhere is left as is (it is the user's). */
export function rerootOptMl(root: string, path: string): string {
  if (path === '/opt/ml') return root;
  if (path.startsWith('/opt/ml/')) return join(root, path.slice('/opt/ml/'.length));
  return path;
}

/**
 * Lays out the container contract: `input/config/{hyperparameters,inputdataconfig,resourceconfig}.json`
 * (and `checkpointconfig.json` with a CheckpointConfig, `tensorboardoutputconfig.json`, `debughookconfig.json`),
 * `input/data/<channel>/`, `model/`, `output/data/`, `checkpoints/`, `code/`; for processing jobs
 * `config/processingjobconfig.json` and `config/resourceconfig.json`, as SageMaker's processing
 * containers see them. Hyperparameter values are written as JSON strings, always.
 */
export function layOutContract(input: RunnerInput): ContractDir {
  const root = join(input.workDir, 'opt', 'ml');
  const spec = input.spec;
  const dir: ContractDir = {
    root,
    configDir: join(root, 'input', 'config'),
    dataDir: join(root, 'input', 'data'),
    modelDir: join(root, 'model'),
    outputDir: join(root, 'output'),
    outputDataDir: join(root, 'output', 'data'),
    failureFile: join(root, 'output', 'failure'),
    checkpointDir: rerootOptMl(root, spec.checkpoint?.localPath ?? '/opt/ml/checkpoints'),
    codeDir: join(root, 'code'),
    containerPath: (p) => rerootOptMl(root, p),
  };
  for (const d of [dir.configDir, dir.dataDir, dir.modelDir, dir.outputDataDir, dir.checkpointDir, dir.codeDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const hosts = [...input.hosts].sort();
  const resource = { current_host: input.currentHost, hosts, network_interface_name: 'eth0', current_instance_type: spec.instanceType, current_group_name: 'homogeneousCluster', instance_groups: [{ instance_group_name: 'homogeneousCluster', instance_type: spec.instanceType, hosts }] };
  if (spec.kind === 'training-job') {
    const hp: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.hyperParameters)) hp[k] = String(v);
    writeJson(join(dir.configDir, 'hyperparameters.json'), hp);
    const channels: Record<string, object> = {};
    for (const c of spec.channels) {
      channels[c.name] = {
        ...(c.contentType ? { ContentType: c.contentType } : {}),
        TrainingInputMode: c.inputMode,
        S3DistributionType: c.distribution,
        RecordWrapperType: c.recordWrapper,
      };
      mkdirSync(join(dir.dataDir, c.name), { recursive: true, mode: 0o700 });
    }
    writeJson(join(dir.configDir, 'inputdataconfig.json'), channels);
    writeJson(join(dir.configDir, 'resourceconfig.json'), resource);
    // As SageMaker writes it for a CheckpointConfig: where the image finds and leaves its checkpoints.
    if (spec.checkpoint) writeJson(join(dir.configDir, 'checkpointconfig.json'), { LocalPath: spec.checkpoint.localPath ?? '/opt/ml/checkpoints', S3Uri: spec.checkpoint.s3Uri });
    // TensorBoardOutputConfig / DebugHookConfig: the files smdebug reads, and the directories uploaded at the end.
    for (const [file, value] of Object.entries(spec.configFiles ?? {})) if (/^[a-z]+\.json$/.test(file)) writeJson(join(dir.configDir, file), value);
    for (const u of spec.endOfJobUploads ?? []) mkdirSync(dir.containerPath(u.localPath), { recursive: true, mode: 0o700 });
  } else {
    const cfg = join(root, 'config');
    mkdirSync(cfg, { recursive: true, mode: 0o700 });
    writeJson(join(cfg, 'resourceconfig.json'), resource);
    writeJson(join(cfg, 'processingjobconfig.json'), {
      ProcessingJobName: spec.name, ProcessingJobArn: spec.arn,
      ProcessingInputs: spec.channels.map((c) => ({ InputName: c.name, S3Input: { S3Uri: c.s3Uri, LocalPath: c.localPath, S3DataType: c.s3DataType, S3InputMode: 'File', S3DataDistributionType: c.distribution, S3CompressionType: c.compression } })),
      ProcessingOutputConfig: { Outputs: spec.outputs.map((o) => ({ OutputName: o.name, S3Output: { S3Uri: o.s3Uri, LocalPath: o.localPath, S3UploadMode: o.uploadMode } })) },
      ProcessingResources: { ClusterConfig: { InstanceCount: spec.instanceCount, InstanceType: spec.instanceType, VolumeSizeInGB: spec.volumeSizeInGB } },
      AppSpecification: { ImageUri: spec.image.uri, ...(spec.entrypoint ? { ContainerEntrypoint: spec.entrypoint } : {}), ...(spec.arguments ? { ContainerArguments: spec.arguments } : {}) },
      Environment: spec.environment,
    });
    for (const c of spec.channels) mkdirSync(dir.containerPath(c.localPath as string), { recursive: true, mode: 0o700 });
    for (const o of spec.outputs) mkdirSync(dir.containerPath(o.localPath), { recursive: true, mode: 0o700 });
  }
  return dir;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value)}\n`, { mode: 0o600 });
}
