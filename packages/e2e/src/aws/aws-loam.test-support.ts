import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { readCredentialsProfile } from '@loam/cli';
import { beforeRetry } from '@loam/testkit/vitest/retry.test-support';
import { removeDataDir, startLoamProcess, stopLoamProcess, tempDataDir, type LoamProcess } from '../loam-process.test-support.js';

/** Debian's interpreter and CLI: the ones with python3-boto3 and awscli 2 (not the pyenv shims on PATH). */
export const PYTHON = '/usr/bin/python3';
export const AWS_CLI = '/usr/bin/aws';

/** A real `loam up` on loopback with the admin's access key, as an AWS client user would have it. */
export interface AwsLoam {
  readonly url: string;
  readonly dataDir: string;
  readonly credentialsFile: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly process: LoamProcess;
  /** The environment boto3 and the aws CLI need: the data dir's credentials file, profile `loam`, nothing else. */
  readonly awsEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startAwsLoam(): Promise<AwsLoam> {
  const dataDir = tempDataDir('loam-aws-');
  const process = await startLoamProcess(dataDir);
  const creds = readCredentialsProfile(process.info.credentialsFile) ?? {};
  const accessKeyId = creds['aws_access_key_id'];
  const secretAccessKey = creds['aws_secret_access_key'];
  if (!accessKeyId || !secretAccessKey) throw new Error(`no access key in ${process.info.credentialsFile}`);
  return {
    url: process.url,
    dataDir,
    credentialsFile: process.info.credentialsFile,
    accessKeyId,
    secretAccessKey,
    process,
    awsEnv: {
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: process.info.credentialsFile,
      AWS_PROFILE: 'loam',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    /** Stops the server, ends the jobs it left running (their runners outlive it) and removes the data directory. */
    async stop() {
      await stopLoamProcess(process);
      await removeDataDir(dataDir);
    },
  };
}

/**
 * One `loam up` for the calling test file: Debian's boto3 and aws CLI are required, the server starts before the
 * file's tests (handed to `onStarted`, which may prepare what the tests share) and stops after them.
 *
 * When a test fails and CI will retry it, the server is replaced by a new one (handed to `onStarted`): tests
 * create resources with fixed names, so a retry on the failed attempt's server would fail on ResourceInUse,
 * next to the endpoints and jobs that attempt left running. `restartAfterFailure: false` keeps the server,
 * for a file whose later tests read what an earlier one made: a test that needs a new server for its retry
 * then asks for one with `beforeNextAttempt(context, restart)`.
 */
export function useAwsLoam(onStarted: (loam: AwsLoam) => unknown, opts: { restartAfterFailure?: boolean } = {}): { restart(): Promise<void> } {
  let loam: AwsLoam | undefined;
  const restart = async () => {
    const failed = loam;
    loam = undefined;
    await failed?.stop();
    loam = await startAwsLoam();
    await onStarted(loam);
  };
  beforeAll(async () => {
    requireDebianAwsTools();
    loam = await startAwsLoam();
    await onStarted(loam);
  }, 90_000);
  if (opts.restartAfterFailure ?? true) beforeRetry(restart, 90_000);
  afterAll(async () => loam?.stop());
  return { restart };
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    // A clean environment: no AWS_* variables or pyenv settings of the machine leak in.
    const child = execFile(file, args, { env: { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', LANG: 'C.UTF-8', ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Fails with a clear message when Debian's boto3 or awscli is missing (CI installs them). */
export function requireDebianAwsTools(): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3 (apt-get install python3-boto3 awscli).`);
  if (!existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} is missing: install Debian's awscli (apt-get install awscli).`);
}

/**
 * Python for programs that need an endpoint serving a script-mode model, as the SageMaker Python SDK packs one:
 * `model_tar([(path, bytes), …])` builds a model.tar.gz; `deploy_script_model(name, inference_source, bucket, …)`
 * creates the bucket if missing, uploads `<name>/model.tar.gz` holding `code/inference.py` (plus `files`), creates the
 * scikit-learn model, its endpoint config (`instances`, `config_extra` such as DataCaptureConfig) and the endpoint
 * (`endpoint`, by default `name`), and waits until it is InService unless `wait=False`. `probe_wheel(name)`
 * builds a pure-Python wheel `<name>-1.0-py3-none-any.whl` whose module holds `VALUE = 42`, for pip to install
 * from a directory with `--no-index --find-links`.
 */
const DEPLOY_SCRIPT_MODEL = [
  'def probe_wheel(name):',
  '    import io, zipfile',
  "    files = {name + '/__init__.py': 'VALUE = 42\\n',",
  "             name + '-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: ' + name + '\\nVersion: 1.0\\n',",
  "             name + '-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: loam-e2e\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n'}",
  "    files[name + '-1.0.dist-info/RECORD'] = ''.join(p + ',,\\n' for p in list(files) + [name + '-1.0.dist-info/RECORD'])",
  '    b = io.BytesIO()',
  "    with zipfile.ZipFile(b, 'w') as z:",
  '        for p, text in files.items(): z.writestr(p, text)',
  '    return b.getvalue()',
  "SKLEARN_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'",
  "LOAM_ROLE = 'arn:aws:iam::000000000000:role/LoamTests'",
  'def model_tar(files):',
  '    import io, tarfile',
  '    b = io.BytesIO()',
  "    with tarfile.open(fileobj=b, mode='w:gz') as t:",
  '        for p, data in files:',
  '            i = tarfile.TarInfo(p); i.size = len(data); t.addfile(i, io.BytesIO(data))',
  '    return b.getvalue()',
  'def deploy_script_model(name, inference, bucket, files=(), instances=1, config_extra=None, endpoint=None, wait=True):',
  "    s3, sm = client('s3'), client('sagemaker')",
  '    try: s3.head_bucket(Bucket=bucket)',
  '    except Exception: s3.create_bucket(Bucket=bucket)',
  "    if isinstance(inference, str): inference = inference.encode()",
  "    s3.put_object(Bucket=bucket, Key=name + '/model.tar.gz', Body=model_tar(list(files) + [('code/inference.py', inference)]))",
  "    sm.create_model(ModelName=name, ExecutionRoleArn=LOAM_ROLE, PrimaryContainer={'Image': SKLEARN_IMAGE,",
  "      'ModelDataUrl': 's3://' + bucket + '/' + name + '/model.tar.gz',",
  "      'Environment': {'SAGEMAKER_PROGRAM': 'inference.py', 'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code'}})",
  "    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{'VariantName': 'AllTraffic', 'ModelName': name,",
  "      'InitialInstanceCount': instances, 'InstanceType': 'ml.m5.large'}], **(config_extra or {}))",
  '    sm.create_endpoint(EndpointName=endpoint or name, EndpointConfigName=name)',
  "    if wait: sm.get_waiter('endpoint_in_service').wait(EndpointName=endpoint or name, WaiterConfig={'Delay': 1, 'MaxAttempts': 180})",
];

/** Runs a Python program with boto3 against Loam; the program prints one JSON document. */
export async function boto3<T>(loam: AwsLoam, program: string, args: Record<string, unknown> = {}): Promise<T> {
  const prelude = [
    'import json, sys, boto3',
    'from botocore.config import Config',
    'ARGS = json.loads(sys.argv[1])',
    "session = boto3.session.Session(profile_name='loam', region_name='us-east-1')",
    "def client(name, **kw): return session.client(name, endpoint_url=ARGS['url'], **kw)",
    'def error_code(fn, *a, **kw):',
    '    try:',
    '        fn(*a, **kw)',
    "        return 'resolved'",
    '    except Exception as e:',
    "        return getattr(e, 'response', {}).get('Error', {}).get('Code', type(e).__name__)",
    ...DEPLOY_SCRIPT_MODEL,
    '',
  ].join('\n');
  const r = await run(PYTHON, ['-c', `${prelude}\n${program}`, JSON.stringify({ url: loam.url, ...args })], loam.awsEnv);
  if (r.code !== 0) throw new Error(`boto3 program failed (${r.code}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Runs `/usr/bin/aws --endpoint-url <loam> …` with the `loam` profile. */
export function awsCli(loam: AwsLoam, args: string[]): Promise<Run> {
  return run(AWS_CLI, ['--endpoint-url', loam.url, '--output', 'json', '--no-cli-pager', ...args], loam.awsEnv);
}
