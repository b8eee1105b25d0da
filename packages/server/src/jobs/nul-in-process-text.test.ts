import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, trainingRequest, validationMessageOf, xgboostImage } from './jobs.test-support.js';

// A value with U+0000 cannot reach a process (execve ends the string there): it is refused at create,
// naming the map and the key, instead of failing the job or model server when it starts.

let loam: TestLoam;
beforeAll(async () => {
  loam = await openTestLoam();
});
afterAll(async () => {
  await loam?.close();
});

const NUL = 'must not contain U+0000 (NUL)';

describe('HyperParameters and Environment values with U+0000 are refused at create', () => {
  it('CreateTrainingJob: a hyperparameter and an environment value (400 ValidationException naming the key; no job)', async () => {
    const hp = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('nul-hp', { HyperParameters: { num_round: '10', objective: 'binary:\u0000logistic' } }));
    expect(hp.status, JSON.stringify(hp.body)).toBe(400);
    expect(hp.body.code).toBe('ValidationException');
    expect(hp.body.detail).toContain(`at 'hyperParameters' failed to satisfy constraint: Map value for key 'objective' must satisfy constraint: [Member ${NUL}`);
    const env = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('nul-env', { Environment: { MY_VAR: 'a\u0000b' } }));
    expect(env.status, JSON.stringify(env.body)).toBe(400);
    expect(env.body.detail).toContain(`at 'environment' failed to satisfy constraint: Map value for key 'MY_VAR' must satisfy constraint: [Member ${NUL}`);
    expect((await call(loam, 'GET', '/api/v1/training-jobs')).body.TrainingJobSummaries).toEqual([]);
  });

  it('CreateModel: a container Environment value (400; no model)', async () => {
    const r = await call(loam, 'POST', '/api/v1/models', { ModelName: 'nul-model', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz', Environment: { SAGEMAKER_X: '\u0000' } } });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.detail).toContain(`at 'primaryContainer.environment' failed to satisfy constraint: Map value for key 'SAGEMAKER_X' must satisfy constraint: [Member ${NUL}`);
    expect((await call(loam, 'GET', '/api/v1/models')).body.Models).toEqual([]);
  });

  const messageOf = (name: string, input: unknown): string => {
    const message = validationMessageOf(name, input);
    if (message === '') throw new Error(`${name} accepted it`);
    return message;
  };

  it.each([
    ['CreateProcessingJob', { Environment: { A: 'x\u0000' } }, "at 'environment' failed to satisfy constraint: Map value for key 'A' must satisfy constraint: [Member"],
    ['CreateTransformJob', { Environment: { B: '\u0000y' } }, "at 'environment' failed to satisfy constraint: Map value for key 'B' must satisfy constraint: [Member"],
    ['CreateHyperParameterTuningJob', { TrainingJobDefinition: { StaticHyperParameters: { eta: '0.1\u0000' } } }, "at 'trainingJobDefinition.staticHyperParameters' failed to satisfy constraint: Map value for key 'eta' must satisfy constraint: [Member"],
    ['CreateHyperParameterTuningJob', { TrainingJobDefinition: { Environment: { C: '\u0000' } } }, "at 'trainingJobDefinition.environment' failed to satisfy constraint: Map value for key 'C' must satisfy constraint: [Member"],
    ['CreateProcessingJob', { AppSpecification: { ImageUri: 'x', ContainerEntrypoint: ['python3', 'a\u0000.py'] } }, "at 'appSpecification.containerEntrypoint.2.member' failed to satisfy constraint: Member"],
    ['CreateProcessingJob', { AppSpecification: { ImageUri: 'x', ContainerArguments: ['--x', '\u0000'] } }, "at 'appSpecification.containerArguments.2.member' failed to satisfy constraint: Member"],
    ['CreateTrainingJob', { AlgorithmSpecification: { TrainingInputMode: 'File', ContainerArguments: ['\u0000'] } }, "at 'algorithmSpecification.containerArguments.1.member' failed to satisfy constraint: Member"],
  ] as const)('%s refuses %j', (name, input, where) => {
    expect(messageOf(name, input)).toContain(`${where} ${NUL}`);
  });

  it('the same values without U+0000 pass the check (other text, newlines included, is any process\'s)', () => {
    expect(messageOf('CreateProcessingJob', { Environment: { A: 'x\ny\u0001' } })).not.toContain("for key 'A'");
  });
});
