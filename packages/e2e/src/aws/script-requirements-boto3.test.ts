import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runLoam } from '../loam-process.test-support.js';
import { type AwsLoam, boto3, PYTHON, useAwsLoam } from './aws-loam.test-support.js';

/**
 * Script mode installs the source directory's requirements.txt before the program runs, as SageMaker's
 * training toolkit does (`python -m pip install -r requirements.txt`), with real pip, through Debian's
 * boto3 against `loam up`: what the interpreter already has passes, a wheel the source directory ships
 * is installed for this job only (never into the interpreter), and a requirement pip cannot satisfy
 * fails the job with pip's error before the program starts. A source directory with setup.py is
 * installed as a package (`python -m pip install . -r requirements.txt`) and its program run as the
 * package's module (`python -m train`, `python -m trainer.task`), as the toolkit does too. The XGBoost
 * image runs every program as a module, as its container (sagemaker-containers' run_module) does.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

/** The job's log lines (`loam logs`, which reads the stream SageMaker would send to CloudWatch). */
async function jobLog(name: string): Promise<string[]> {
  const r = await runLoam(['--endpoint', loam.url, '--data-dir', loam.dataDir, 'logs', name]);
  if (r.code !== 0) throw new Error(`loam logs ${name}: ${r.stderr}`);
  return r.stdout.split('\n');
}

const probe = 'loam_req_probe_e2e';

/** Builds sourcedir.tar.gz in memory (train.py, requirements.txt, wheels/<probe wheel>), uploads it, runs the job, prints its outcome. */
const program = `
import time
s3 = client('s3'); sm = client('sagemaker')
if 'req-e2e' not in [b['Name'] for b in s3.list_buckets()['Buckets']]: s3.create_bucket(Bucket='req-e2e')
s3.put_object(Bucket='req-e2e', Key='train/rows.csv', Body=b'1,2\\n3,4\\n')
def sourcedir(requirements, extra=(), train=None):
    train = train or 'import os, sys\\nprint("program started")\\nimport numpy, sklearn, ' + ARGS['probe'] + ' as probe\\n' \\
        'print("probe", probe.VALUE, "numpy", numpy.__version__, "from", sys.executable)\\n' \\
        'open(os.path.join(os.environ["SM_MODEL_DIR"], "probe.txt"), "w").write(str(probe.VALUE))\\n'
    files = [('train.py', train.encode()), ('wheels/' + ARGS['probe'] + '-1.0-py3-none-any.whl', probe_wheel(ARGS['probe']))] + list(extra)
    if requirements is not None: files.append(('requirements.txt', requirements.encode()))
    return model_tar(files)
SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'
def run(name, requirements, extra=(), train=None, prog='train.py', image=SKLEARN):
    s3.put_object(Bucket='req-e2e', Key=name + '/sourcedir.tar.gz', Body=sourcedir(requirements, extra, train))
    sm.create_training_job(TrainingJobName=name, RoleArn='arn:aws:iam::000000000000:role/LoamTests',
      AlgorithmSpecification={'TrainingImage': image, 'TrainingInputMode': 'File'},
      HyperParameters={'sagemaker_program': '"' + prog + '"', 'sagemaker_submit_directory': '"s3://req-e2e/' + name + '/sourcedir.tar.gz"'},
      InputDataConfig=[{'ChannelName': 'train', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://req-e2e/train/'}}}],
      OutputDataConfig={'S3OutputPath': 's3://req-e2e/models'},
      ResourceConfig={'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeSizeInGB': 5}, StoppingCondition={'MaxRuntimeInSeconds': 300})
    for _ in range(1200):
        d = sm.describe_training_job(TrainingJobName=name)
        if d['TrainingJobStatus'] in ('Completed', 'Failed', 'Stopped'): break
        time.sleep(0.2)
    return {'status': d['TrainingJobStatus'], 'reason': d.get('FailureReason')}
SPEC = 'print("run as", __name__, "module", __spec__ and __spec__.name)\\n'
if ARGS.get('xgboost'):
    # The XGBoost container runs script mode through sagemaker-containers' modules.run_module: python -m <module>.
    XGB = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1'
    trainer = [('trainer/__init__.py', b''), ('trainer/model.py', b'NAME = "relative"\\n'),
      ('trainer/task.py', b'from .model import NAME\\nprint("package", __package__, "import", NAME)\\n')]
    print(json.dumps({
      'xgboost': run('req-xgb', None, (), SPEC, 'train.py', XGB),
      'xgboostDotted': run('req-xgb-dotted', None, trainer, SPEC, 'trainer.task', XGB),
      # run_module runs python -m train.sh, which no shell script survives: refused with the reason.
      'xgboostShell': run('req-xgb-sh', None, [('train.sh', b'#!/bin/sh\\necho shell ran\\n')], SPEC, 'train.sh', XGB),
      'sklearn': run('req-sk', None, (), SPEC),
    }))
elif ARGS.get('setup'):
    # A source directory with setup.py is a package: pip install . -r requirements.txt. Its module lives
    # under src/, where the program cannot import it unless it was installed.
    pkg = ARGS['setup']
    setup = "from setuptools import setup\\nsetup(name='" + pkg + "', version='1.0', package_dir={'': 'src'}, packages=['" + pkg + "'])\\n"
    extra = [('setup.py', setup.encode()), ('src/' + pkg + '/__init__.py', b'NAME = "installed"\\n')]
    # The toolkit runs a package's program as a module (python -m train), not as a file.
    train = 'print("program started")\\nimport ' + pkg + ', ' + ARGS['probe'] + ' as probe\\nprint("package", ' + pkg + '.NAME, "probe", probe.VALUE)\\n' + SPEC
    broken = [('setup.py', b'raise SystemExit("loam-e2e: this setup.py refuses to build")\\n')]
    # sagemaker_program names a module of the package (no such file): trainer/task.py with relative imports.
    trainer = [('setup.py', b"from setuptools import setup\\nsetup(name='loam-trainer-e2e', version='1.0', packages=['trainer'])\\n"),
      ('trainer/__init__.py', b''), ('trainer/model.py', b'def fit(rows):\\n    return len(rows)\\n'),
      ('trainer/task.py', b'import os\\nfrom .model import fit\\nfrom . import model\\n'
        b'rows = open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "rows.csv")).read().splitlines()\\n'
        b'print("package", __package__, "fit", fit(rows), "from", model.__name__)\\n')]
    print(json.dumps({
      'setup': run('req-setup', '--no-index\\n--find-links wheels\\n' + ARGS['probe'] + '==1.0\\n', extra, train),
      'setupBad': run('req-setup-bad', None, broken),
      'module': run('req-setup-module', None, trainer, 'print("not run")\\n', 'trainer.task'),
    }))
else:
    print(json.dumps({
      'ok': run('req-ok', '--no-index\\n--find-links wheels\\nnumpy\\nscikit-learn>=0.20\\n' + ARGS['probe'] + '==1.0\\n'),
      'bad': run('req-bad', '--no-index\\nnumpy\\nloam-no-such-package==9.9\\n'),
    }))
`;

describe('boto3: script mode installs requirements.txt with pip', () => {
  it('installs what the source directory ships for the job only, passes what the interpreter has, fails the job with pip\'s error otherwise', async () => {
    const out = await boto3<Record<string, { status: string; reason?: string }>>(loam, program, { probe });
    const ok = { ...out['ok']!, logs: await jobLog('req-ok') };
    const bad = { ...out['bad']!, logs: await jobLog('req-bad') };
    const okLog = ok.logs.join('\n');
    expect(ok.status, ok.reason ?? okLog).toBe('Completed');
    // pip's output is in the job's log, as in SageMaker's CloudWatch stream.
    expect(okLog).toContain('Installing dependencies from requirements.txt:');
    expect(okLog).toMatch(/Requirement already satisfied: numpy/);
    expect(okLog).toMatch(/Requirement already satisfied: scikit-learn/);
    expect(okLog).toMatch(new RegExp(`Successfully installed ${probe.replace(/_/g, '[-_]')}-1\\.0`));
    expect(okLog).toMatch(/probe 42 numpy \S+ from \S+/);
    // Installed for the job alone: the configured interpreter still does not have it.
    const system = spawnSync(PYTHON, ['-c', `import ${probe}`], { encoding: 'utf8' });
    expect(system.status).not.toBe(0);
    expect(system.stderr).toContain(`No module named '${probe}'`);

    expect(bad.status).toBe('Failed');
    expect(bad.reason).toMatch(/^AlgorithmError: InstallRequirementsError:\nExitCode 1\nErrorMessage "/);
    expect(bad.reason).toContain('No matching distribution found for loam-no-such-package==9.9');
    expect(bad.reason).toMatch(/Command "\S*python3?\S* -m pip install -r requirements\.txt"$/);
    expect(bad.logs.join('\n')).toContain('ERROR: No matching distribution found for loam-no-such-package==9.9');
    // The program never started.
    expect(bad.logs.some((l) => l.includes('program started'))).toBe(false);
  }, 240_000);

  it('runs a program on the XGBoost image as a module (python -m train), as its container does, fails a .sh program there with the reason, and runs one on the scikit-learn image as a file', async () => {
    const out = await boto3<Record<string, { status: string; reason?: string }>>(loam, program, { probe, xgboost: true });
    const xgb = { ...out['xgboost']!, logs: (await jobLog('req-xgb')).join('\n') };
    expect(xgb.status, xgb.reason ?? xgb.logs).toBe('Completed');
    expect(xgb.logs).toContain('run as __main__ module train');
    // A dotted sagemaker_program is a module there too, relative imports included, with no setup.py.
    const dotted = { ...out['xgboostDotted']!, logs: (await jobLog('req-xgb-dotted')).join('\n') };
    expect(dotted.status, dotted.reason ?? dotted.logs).toBe('Completed');
    expect(dotted.logs).toContain('package trainer import relative');
    // A .sh program there would be `python -m train.sh` in the container, which fails: the job fails saying so.
    const shell = { ...out['xgboostShell']!, logs: (await jobLog('req-xgb-sh')).join('\n') };
    expect(shell.status).toBe('Failed');
    expect(shell.reason).toMatch(/^ClientError: sagemaker_program 'train\.sh' cannot run on the XGBoost image: its container runs every program as a Python module \(python -m train\.sh\)/);
    expect(shell.logs).not.toContain('shell ran');
    expect(shell.logs).not.toContain('run as __main__');
    // sagemaker-training-toolkit (scikit-learn) runs a .py program without setup.py as a file: python train.py.
    const sk = { ...out['sklearn']!, logs: (await jobLog('req-sk')).join('\n') };
    expect(sk.status, sk.reason ?? sk.logs).toBe('Completed');
    expect(sk.logs).toContain('run as __main__ module None');
  }, 240_000);

  it('installs a source directory with setup.py as a package (pip install . -r requirements.txt) and runs the program as its module (python -m); a setup.py that fails fails the job with InstallModuleError', async () => {
    const pkg = 'loam_setup_probe_e2e';
    const out = await boto3<Record<string, { status: string; reason?: string }>>(loam, program, { probe, setup: pkg });
    const ok = { ...out['setup']!, logs: (await jobLog('req-setup')).join('\n') };
    expect(ok.status, ok.reason ?? ok.logs).toBe('Completed');
    expect(ok.logs).toMatch(/Installing the code directory as a package \(setup\.py\):\n\S*python3?\S* -m pip install \. -r requirements\.txt/);
    expect(ok.logs).toMatch(new RegExp(`Successfully installed (?=.*${pkg.replace(/_/g, '[-_]')}-1\\.0)(?=.*${probe.replace(/_/g, '[-_]')}-1\\.0)`));
    expect(ok.logs).toContain('package installed probe 42');
    // Run as the toolkit runs a package's entry point: python -m train, from the code directory.
    expect(ok.logs).toContain('run as __main__ module train');
    // Into the job's environment only.
    expect(spawnSync(PYTHON, ['-c', `import ${pkg}`], { encoding: 'utf8' }).stderr).toContain(`No module named '${pkg}'`);

    const bad = { ...out['setupBad']!, logs: (await jobLog('req-setup-bad')).join('\n') };
    expect(bad.status).toBe('Failed');
    expect(bad.reason).toMatch(/^AlgorithmError: InstallModuleError:\nExitCode 1\nErrorMessage "/);
    expect(bad.reason).toMatch(/Command "\S*python3?\S* -m pip install \."$/);
    expect(bad.logs).toContain('loam-e2e: this setup.py refuses to build');
    expect(bad.logs).not.toContain('program started');

    // sagemaker_program 'trainer.task' is the package's module, relative imports and all (python -m trainer.task).
    const mod = { ...out['module']!, logs: (await jobLog('req-setup-module')).join('\n') };
    expect(mod.status, mod.reason ?? mod.logs).toBe('Completed');
    expect(mod.logs).toContain('package trainer fit 2 from trainer.model');
  }, 240_000);
});
