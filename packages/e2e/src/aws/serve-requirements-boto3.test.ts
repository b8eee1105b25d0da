import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, PYTHON, useAwsLoam } from './aws-loam.test-support.js';

/**
 * A script-mode model server installs the code directory's requirements.txt before it starts, as
 * SageMaker's inference toolkit does (`python -m pip install -r /opt/ml/model/code/requirements.txt`), with
 * real pip, through Debian's boto3 against `loam up`: the file in model.tar.gz's code/ or in the source
 * archive SAGEMAKER_SUBMIT_DIRECTORY names is installed for that instance only (never into the
 * interpreter) and the model's code imports it; a requirement pip cannot satisfy fails the endpoint with a
 * FailureReason naming requirements.txt and pip's error; a pip that waits on its index ends at the startup
 * health check with a reason showing the install. A code directory with setup.py is installed as a package
 * (`pip install . -r requirements.txt`), as the scikit-learn and XGBoost serving containers do
 * (sagemaker-containers' `_modules.import_module`).
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const probe = 'loam_serve_probe_e2e';

/** Packs the model (and a source archive), creates three endpoints, waits for each to settle, invokes those in service. */
const program = `
import time
SETUP = ARGS.get('setup')
s3 = client('s3'); sm = client('sagemaker'); rt = client('sagemaker-runtime')
if 'serve-req' not in [b['Name'] for b in s3.list_buckets()['Buckets']]: s3.create_bucket(Bucket='serve-req')
INFERENCE = ('import json, sys\\nimport ' + ARGS['probe'] + ' as probe\\n'
    'def model_fn(model_dir):\\n    return probe.VALUE\\n'
    'def predict_fn(data, model):\\n    return {"probe": model, "python": sys.executable}\\n'
    'def output_fn(prediction, accept):\\n    return json.dumps(prediction), "application/json"\\n')
def code(requirements, prefix):
    return [(prefix + 'inference.py', INFERENCE.encode()), (prefix + 'requirements.txt', requirements.encode()),
            (prefix + 'wheels/' + ARGS['probe'] + '-1.0-py3-none-any.whl', probe_wheel(ARGS['probe']))]
OK = '--no-index\\n--find-links wheels\\nnumpy\\n' + ARGS['probe'] + '==1.0\\n'
BAD = '--no-index\\nnumpy\\nloam-no-such-package==9.9\\n'
def deploy(name, model_files, env, startup=None):
    s3.put_object(Bucket='serve-req', Key=name + '/model.tar.gz', Body=model_tar(model_files))
    sm.create_model(ModelName=name, ExecutionRoleArn=LOAM_ROLE, PrimaryContainer={'Image': SKLEARN_IMAGE, 'ModelDataUrl': 's3://serve-req/' + name + '/model.tar.gz',
      'Environment': dict({'SAGEMAKER_PROGRAM': 'inference.py'}, **env)})
    variant = {'VariantName': 'AllTraffic', 'ModelName': name, 'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.large'}
    if startup: variant['ContainerStartupHealthCheckTimeoutInSeconds'] = startup
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
if SETUP:
    # A code directory with setup.py is installed as a package (pip install . -r requirements.txt), as the
    # scikit-learn and XGBoost serving containers do. Its module lives under src/, importable only once installed.
    setup = "from setuptools import setup\\nsetup(name='" + SETUP + "', version='1.0', package_dir={'': 'src'}, packages=['" + SETUP + "'])\\n"
    INFERENCE = INFERENCE.replace('return {"probe": model,', 'import ' + SETUP + '\\n    return {"package": ' + SETUP + '.NAME, "probe": model,')
    package = [('code/setup.py', setup.encode()), ('code/src/' + SETUP + '/__init__.py', b'NAME = "installed"\\n')]
    deploy('serve-setup', [('model.bin', b'x')] + code(OK, 'code/') + package, {'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code'})
    broken = [('code/setup.py', b'raise SystemExit("loam-e2e: this setup.py refuses to build")\\n')]
    deploy('serve-setup-bad', [('model.bin', b'x')] + code(OK, 'code/') + broken, {'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code'})
    names = ('serve-setup', 'serve-setup-bad')
else:
    # As the SageMaker Python SDK packs a model with its entry point: the code inside model.tar.gz.
    deploy('serve-ok', [('model.bin', b'x')] + code(OK, 'code/'), {'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code'})
    # The source directory as its own archive, named by SAGEMAKER_SUBMIT_DIRECTORY.
    s3.put_object(Bucket='serve-req', Key='serve-submit/sourcedir.tar.gz', Body=model_tar(code(OK, '')))
    deploy('serve-submit', [('model.bin', b'x')], {'SAGEMAKER_SUBMIT_DIRECTORY': 's3://serve-req/serve-submit/sourcedir.tar.gz'})
    deploy('serve-bad', [('model.bin', b'x')] + code(BAD, 'code/'), {'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code'})
    # An index that accepts connections and never answers: pip waits until the startup health check gives up.
    # pip's settings come from the model's Environment.
    HANG = '--index-url http://127.0.0.1:' + str(ARGS['hangPort']) + '/simple\\nloam-hang-package\\n'
    deploy('serve-hang', [('model.bin', b'x')] + code(HANG, 'code/'), {'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code', 'PIP_DEFAULT_TIMEOUT': '600', 'PIP_RETRIES': '0'}, 60)
    names = ('serve-ok', 'serve-submit', 'serve-bad', 'serve-hang')
out = {}
for name in names:
    for _ in range(900):
        d = sm.describe_endpoint(EndpointName=name)
        if d['EndpointStatus'] in ('InService', 'Failed'): break
        time.sleep(0.2)
    r = {'status': d['EndpointStatus'], 'reason': d.get('FailureReason')}
    if d['EndpointStatus'] == 'InService':
        r['answer'] = json.loads(rt.invoke_endpoint(EndpointName=name, ContentType='application/json', Body=b'[[1]]')['Body'].read())
    out[name] = r
print(json.dumps(out))
`;

describe('boto3: a script-mode model server installs requirements.txt with pip', () => {
  it('installs model.tar.gz code/ and SAGEMAKER_SUBMIT_DIRECTORY requirements for the instance only; a pip failure fails the endpoint naming requirements.txt', async () => {
    const held: Socket[] = [];
    const index = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
    let out: Record<string, { status: string; reason?: string; answer?: { probe: number; python: string } }>;
    try {
      out = await boto3(loam, program, { probe, hangPort: (index.address() as AddressInfo).port });
    } finally {
      for (const socket of held) socket.destroy();
      index.close();
    }
    for (const name of ['serve-ok', 'serve-submit']) {
      const r = out[name]!;
      expect(r.status, `${name}: ${r.reason}`).toBe('InService');
      // model_fn imported the wheel requirements.txt installed, and the server runs in the instance's environment.
      expect(r.answer?.probe).toBe(42);
      expect(r.answer?.python).toMatch(/\/loam-requirements\/bin\/python$/);
    }
    // Installed for the instance alone: the configured interpreter still does not have it.
    const system = spawnSync(PYTHON, ['-c', `import ${probe}`], { encoding: 'utf8' });
    expect(system.stderr).toContain(`No module named '${probe}'`);

    const bad = out['serve-bad']!;
    expect(bad.status).toBe('Failed');
    expect(bad.reason).toContain("The model's requirements.txt could not be installed (InstallRequirementsError, exit code 1): ERROR: No matching distribution found for loam-no-such-package==9.9");
    expect(bad.reason).toMatch(/Command: \S*python3?\S* -m pip install -r requirements\.txt$/);
    expect(bad.reason!.length).toBeLessThanOrEqual(1024);

    // A pip that waits on its index does not leave the endpoint Creating: the startup health check ends
    // it, and the reason shows what the instance was doing.
    const hang = out['serve-hang']!;
    expect(hang.status).toBe('Failed');
    expect(hang.reason).toMatch(/did not pass \/ping within 60 s; its last lines: .*Installing dependencies from requirements\.txt:/);
  }, 300_000);

  it('installs a code directory with setup.py as a package (pip install . -r requirements.txt), as the scikit-learn and XGBoost serving containers do; a setup.py that fails fails the endpoint naming setup.py', async () => {
    const pkg = 'loam_serve_setup_e2e';
    const out = await boto3<Record<string, { status: string; reason?: string; answer?: { package: string; probe: number } }>>(loam, program, { probe, setup: pkg });
    const ok = out['serve-setup']!;
    expect(ok.status, ok.reason).toBe('InService');
    // model_fn's module imported the package setup.py installed (its code is under src/) and requirements.txt's wheel.
    expect(ok.answer).toMatchObject({ package: 'installed', probe: 42 });
    expect(spawnSync(PYTHON, ['-c', `import ${pkg}`], { encoding: 'utf8' }).stderr).toContain(`No module named '${pkg}'`);

    const bad = out['serve-setup-bad']!;
    expect(bad.status).toBe('Failed');
    expect(bad.reason).toMatch(/The model's setup\.py could not be installed \(InstallModuleError, exit code 1\): .*Command: \S*python3?\S* -m pip install \. -r requirements\.txt$/);
    expect(bad.reason!.length).toBeLessThanOrEqual(1024);
  }, 300_000);
});
