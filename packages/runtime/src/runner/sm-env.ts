import { join } from 'node:path';
import type { RunnerInput } from '@loam/contracts';
import type { ContractDir } from './contract-dir.js';

/** Hyperparameters the SageMaker training toolkit keeps for itself and leaves out of `SM_HPS` and the script's arguments. */
export const reservedHyperparameters = new Set([
  'sagemaker_program', 'sagemaker_submit_directory', 'sagemaker_enable_cloudwatch_metrics', 'sagemaker_region', 'sagemaker_container_log_level',
  'sagemaker_job_name', 'default_user_module_name', '_tuning_objective_metric', 'sagemaker_s3_output', 'sagemaker_estimator_class_name',
  'sagemaker_estimator_module',
]);

/** JSON-decodes a hyperparameter when it can, as the toolkit does (`"\"a\""` → `a`, `"3"` → 3). */
export function decodeValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** The user's hyperparameters (reserved ones and distribution flags removed), decoded. */
export function userHyperparameters(hp: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(hp).sort()) {
    if (reservedHyperparameters.has(k) || k.startsWith('sagemaker_')) continue;
    out[k] = decodeValue(hp[k] as string);
  }
  return out;
}

/** `--key value` pairs, sorted by key, values as the toolkit prints them (strings bare, others JSON). */
export function userArgs(hps: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(hps)) args.push(`--${k}`, typeof v === 'string' ? v : JSON.stringify(v));
  return args;
}

/**
 * The training toolkit's environment (`SM_*`, from its `Environment.to_env_vars()`), so an existing
 * SageMaker script reads its channels, model dir and hyperparameters exactly as it does on SageMaker.
 */
export function trainingEnv(input: RunnerInput, dir: ContractDir, moduleName: string | undefined): Record<string, string> {
  const spec = input.spec;
  const hps = userHyperparameters(spec.hyperParameters);
  const channels = spec.channels.map((c) => c.name).sort();
  const hosts = [...input.hosts].sort();
  const channelDirs = Object.fromEntries(channels.map((c) => [c, join(dir.dataDir, c)]));
  const outputDataDir = dir.outputDataDir;
  const resourceConfig = { current_host: input.currentHost, hosts, network_interface_name: 'eth0' };
  const inputDataConfig = Object.fromEntries(spec.channels.map((c) => [c.name, { TrainingInputMode: c.inputMode, S3DistributionType: c.distribution, RecordWrapperType: c.recordWrapper, ...(c.contentType ? { ContentType: c.contentType } : {}) }]));
  const trainingEnvObject = {
    channel_input_dirs: channelDirs, current_host: input.currentHost, current_instance_type: spec.instanceType, hosts, hyperparameters: hps,
    input_config_dir: dir.configDir, input_data_config: inputDataConfig, input_dir: join(dir.root, 'input'), job_name: spec.name, log_level: 20,
    model_dir: dir.modelDir, module_dir: dir.codeDir, module_name: moduleName ?? '', network_interface_name: 'eth0', num_cpus: spec.vcpus, num_gpus: 0,
    num_neurons: 0, output_data_dir: outputDataDir, output_dir: dir.outputDir, output_intermediate_dir: join(dir.outputDir, 'intermediate'),
    resource_config: resourceConfig, user_entry_point: spec.hyperParameters['sagemaker_program'] ? String(decodeValue(spec.hyperParameters['sagemaker_program'])) : '',
    is_master: input.currentHost === hosts[0], master_hostname: hosts[0],
  };
  const env: Record<string, string> = {
    SM_MODEL_DIR: dir.modelDir,
    SM_CHANNELS: JSON.stringify(channels),
    SM_HPS: JSON.stringify(hps),
    SM_CURRENT_HOST: input.currentHost,
    SM_CURRENT_INSTANCE_TYPE: spec.instanceType,
    SM_CURRENT_INSTANCE_GROUP: 'homogeneousCluster',
    SM_CURRENT_INSTANCE_GROUP_HOSTS: JSON.stringify(hosts),
    SM_INSTANCE_GROUPS: JSON.stringify(['homogeneousCluster']),
    SM_IS_HETERO: 'false',
    SM_HOSTS: JSON.stringify(hosts),
    SM_NUM_GPUS: '0',
    SM_NUM_CPUS: String(spec.vcpus),
    SM_NUM_NEURONS: '0',
    SM_LOG_LEVEL: '20',
    SM_NETWORK_INTERFACE_NAME: 'eth0',
    SM_USER_ARGS: JSON.stringify(userArgs(hps)),
    SM_INPUT_DIR: join(dir.root, 'input'),
    SM_INPUT_CONFIG_DIR: dir.configDir,
    SM_OUTPUT_DIR: dir.outputDir,
    SM_OUTPUT_DATA_DIR: outputDataDir,
    SM_OUTPUT_INTERMEDIATE_DIR: join(dir.outputDir, 'intermediate'),
    SM_RESOURCE_CONFIG: JSON.stringify(resourceConfig),
    SM_INPUT_DATA_CONFIG: JSON.stringify(inputDataConfig),
    SM_TRAINING_ENV: JSON.stringify(trainingEnvObject),
    SM_FRAMEWORK_PARAMS: '{}',
    SM_MODULE_DIR: dir.codeDir,
    SM_MODULE_NAME: moduleName ?? '',
    SM_USER_ENTRY_POINT: trainingEnvObject.user_entry_point,
    SM_FRAMEWORK_MODULE: '',
    SAGEMAKER_BASE_DIR: dir.root,
    TRAINING_JOB_NAME: spec.name,
    TRAINING_JOB_ARN: spec.arn,
  };
  // Not the toolkit's: where a CheckpointConfig's files are (SageMaker's checkpointconfig.json LocalPath), set
  // only when the job has one; built-in XGBoost saves and resumes there, as SageMaker's container does.
  if (spec.checkpoint) env['LOAM_CHECKPOINT_DIR'] = dir.checkpointDir;
  for (const c of channels) env[`SM_CHANNEL_${c.toUpperCase()}`] = join(dir.dataDir, c);
  for (const [k, v] of Object.entries(hps)) env[`SM_HP_${k.toUpperCase()}`] = typeof v === 'string' ? v : JSON.stringify(v);
  return env;
}

/** Processing containers get only their job name and ARN besides the user's Environment. */
export function processingEnv(input: RunnerInput, dir: ContractDir): Record<string, string> {
  return { PROCESSING_JOB_NAME: input.spec.name, PROCESSING_JOB_ARN: input.spec.arn, SAGEMAKER_BASE_DIR: dir.root };
}
