import type { FormValues, TagRow } from '../../schema/validate.js';
import { stampedName } from '../models/model-paths.js';

/** What a training job description holds that a model is made of. */
export interface TrainedJob {
  readonly TrainingJobName: string;
  readonly RoleArn?: string | undefined;
  readonly AlgorithmSpecification?: { readonly TrainingImage?: string | undefined } | undefined;
  readonly HyperParameters?: Readonly<Record<string, string>> | undefined;
  readonly ModelArtifacts?: { readonly S3ModelArtifacts?: string | undefined } | undefined;
  readonly VpcConfig?: { readonly Subnets?: readonly string[] | undefined; readonly SecurityGroupIds?: readonly string[] | undefined } | undefined;
  readonly EnableNetworkIsolation?: boolean | undefined;
}

/** A hyperparameter as the SageMaker Python SDK writes it: JSON (`"train.py"`), else the raw string. */
function unquoted(v: string): string {
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === 'string' ? parsed : v;
  } catch {
    return v;
  }
}

/** Script mode's hyperparameters and the environment variables its serving container reads instead. */
const scriptSettings: readonly (readonly [string, string])[] = [
  ['sagemaker_program', 'SAGEMAKER_PROGRAM'],
  ['sagemaker_submit_directory', 'SAGEMAKER_SUBMIT_DIRECTORY'],
];

/**
 * CreateModel's form filled in from a completed training job, as the SageMaker console's "Create model" on
 * a job page and the Python SDK's `estimator.create_model()` do: the training image serves the job's
 * model.tar.gz; a script-mode job's entry point and source directory become the model's environment; the
 * job's VPC (subnets and security groups) and network isolation carry over, as `create_model()` passes
 * `vpc_config=self.get_vpc_config()` and `enable_network_isolation=self.enable_network_isolation()` (a
 * model trained without network access is served without it). The job's role (`RoleArn`) becomes the model's
 * `ExecutionRoleArn`, as `create_model()` passes `role or self.role`; the form proposes one only for a job
 * without a role. Undefined while the job has no model artifact.
 */
export function modelFromJob(job: TrainedJob, now = new Date()): FormValues | undefined {
  const artifact = job.ModelArtifacts?.S3ModelArtifacts;
  const image = job.AlgorithmSpecification?.TrainingImage;
  if (!artifact || !image) return undefined;
  const hp = job.HyperParameters ?? {};
  const environment: TagRow[] = scriptSettings.flatMap(([param, env]) => (hp[param] !== undefined ? [{ Key: env, Value: unquoted(hp[param]) }] : []));
  return {
    ModelName: stampedName(job.TrainingJobName.slice(0, 48), now),
    'PrimaryContainer.Image': image,
    'PrimaryContainer.ModelDataUrl': artifact,
    ...(job.RoleArn ? { ExecutionRoleArn: job.RoleArn } : {}),
    ...(environment.length > 0 ? { 'PrimaryContainer.Environment': environment } : {}),
    ...(job.VpcConfig?.Subnets?.length ? { 'VpcConfig.Subnets': [...job.VpcConfig.Subnets] } : {}),
    ...(job.VpcConfig?.SecurityGroupIds?.length ? { 'VpcConfig.SecurityGroupIds': [...job.VpcConfig.SecurityGroupIds] } : {}),
    ...(job.EnableNetworkIsolation ? { EnableNetworkIsolation: true } : {}),
  };
}
