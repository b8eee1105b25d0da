import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { CreateModelCommand, CreateTrainingJobCommand, SageMakerClient, type CreateTrainingJobCommandInput } from '@aws-sdk/client-sagemaker';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { storeGbdtModel } from '../endpoints/endpoints.test-support.js';
import { listeningSageMaker } from '../transports/aws-json/aws-json.test-support.js';
import { sdkErrorOf } from '../transports/s3/s3.test-support.js';
import { call, trainingRequest, validationMessageOf, xgboostImage } from './jobs.test-support.js';

// A JSON Schema map checks its keys only through a key pattern, so SageMaker's key limits were not enforced (a
// 257-character hyperparameter name was stored). Maps declared with StringMap carry the key's length and pattern, and
// the number of entries; a refusal is a 400 ValidationException naming the map and the key, over REST and AWS JSON.

let loam: TestLoam;
let sm: SageMakerClient;
async function start(): Promise<void> {
  loam = await openTestLoam();
  ({ sm } = await listeningSageMaker(loam));
  await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'm/model.tar.gz' }, { rows: 50, rounds: 2 });
}
async function stop(): Promise<void> {
  sm?.destroy();
  await loam?.close();
}
serverPerAttempt(start, stop);

const long = (n: number, c = 'k') => c.repeat(n);
const entries = (n: number, key = (i: number) => `K${i}`) => Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), 'v']));
/** How the message shows a key: the first 120 characters and … past 120 (core's echo). */
const shown = (k: string) => (k.length > 120 ? `${k.slice(0, 120)}…` : k);
const ENV_PATTERN = 'key must satisfy regular expression pattern: ^[a-zA-Z_][a-zA-Z0-9_]*$';

describe('map keys and entry counts are checked (REST)', () => {
  it('CreateTrainingJob: a hyperparameter name over 256 characters, an Environment name off its pattern or over 512, too many entries (400 naming the key; no job)', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ HyperParameters: { num_round: '10', [long(257)]: 'x' } }, `Key '${shown(long(257))}' at 'hyperParameters' failed to satisfy constraint: Member key must be 0 to 256 characters long (it is 257)`],
      [{ HyperParameters: entries(101) }, `at 'hyperParameters' failed to satisfy constraint: Member must have at most 100 entries`],
      [{ Environment: { '1BAD': 'x' } }, `Key '1BAD' at 'environment' failed to satisfy constraint: Member ${ENV_PATTERN}`],
      [{ Environment: { 'MY-VAR': 'x' } }, `Key 'MY-VAR' at 'environment' failed to satisfy constraint: Member ${ENV_PATTERN}`],
      [{ Environment: { [long(513, 'A')]: 'x' } }, `Key '${shown(long(513, 'A'))}' at 'environment' failed to satisfy constraint: Member key must be 0 to 512 characters long (it is 513)`],
      [{ Environment: entries(101) }, `at 'environment' failed to satisfy constraint: Member must have at most 100 entries`],
    ];
    for (const [over, message] of cases) {
      const r = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('map-keys', over));
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toBe('ValidationException');
      expect(r.body.detail).toContain(message);
    }
    expect((await call(loam, 'GET', '/api/v1/training-jobs')).body.TrainingJobSummaries).toEqual([]);
  });

  it('CreateModel: a container Environment name off its pattern (400; no model); at the limits it is created', async () => {
    const bad = await call(loam, 'POST', '/api/v1/models', { ModelName: 'env-bad', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz', Environment: { 'has space': '1' } } });
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    expect(bad.body.detail).toContain(`Key 'has space' at 'primaryContainer.environment' failed to satisfy constraint: Member ${ENV_PATTERN}`);
    expect((await call(loam, 'GET', '/api/v1/models')).body.Models).toEqual([]);
    const env = entries(100, (i) => `${long(1020, 'E')}_${String(i).padStart(3, '0')}`); // 100 keys of 1024 characters
    const ok = await call(loam, 'POST', '/api/v1/models', { ModelName: 'env-ok', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz', Environment: env } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(Object.keys((await call(loam, 'GET', '/api/v1/models/env-ok')).body.PrimaryContainer.Environment)).toHaveLength(100);
  });
});

describe('map keys and entry counts are checked (AWS JSON 1.1, @aws-sdk/client-sagemaker)', () => {
  const training = (over: Partial<CreateTrainingJobCommandInput>) => new CreateTrainingJobCommand({ ...(trainingRequest('map-keys-sdk') as unknown as CreateTrainingJobCommandInput), ...over });

  it('CreateTrainingJob: HyperParameters and Environment keys and counts (ValidationException 400 naming the key)', async () => {
    const hp = await sdkErrorOf(sm.send(training({ HyperParameters: { [long(300)]: '1' } })));
    expect(hp).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(hp.message).toContain(`Key '${shown(long(300))}' at 'hyperParameters' failed to satisfy constraint: Member key must be 0 to 256 characters long (it is 300)`);
    const env = await sdkErrorOf(sm.send(training({ Environment: { OK: '1', 'a.b': '2' } })));
    expect(env).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(env.message).toContain(`Key 'a.b' at 'environment' failed to satisfy constraint: Member ${ENV_PATTERN}`);
    const many = await sdkErrorOf(sm.send(training({ Environment: entries(101) })));
    expect(many).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(many.message).toContain(`at 'environment' failed to satisfy constraint: Member must have at most 100 entries`);
    expect((await call(loam, 'GET', '/api/v1/training-jobs')).body.TrainingJobSummaries).toEqual([]);
  });

  it('CreateModel: an Environment key over 1024 is refused; 1024 passes', async () => {
    const container = (Environment: Record<string, string>) => ({ Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz', Environment });
    const e = await sdkErrorOf(sm.send(new CreateModelCommand({ ModelName: 'sdk-env-bad', PrimaryContainer: container({ [long(1025, 'A')]: '1' }) })));
    expect(e).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(e.message).toContain(`at 'primaryContainer.environment' failed to satisfy constraint: Member key must be 0 to 1024 characters long (it is 1025)`);
    const ok = await sm.send(new CreateModelCommand({ ModelName: 'sdk-env-ok', PrimaryContainer: container({ [long(1024, 'A')]: '1', _x9: '' }) }));
    expect(ok.ModelArn).toMatch(/model\/sdk-env-ok$/);
  });
});

describe('every map declared with StringMap (the validator alone)', () => {
  const messageOf = validationMessageOf;

  it.each([
    ['CreateProcessingJob', { Environment: { [long(257, 'A')]: 'x' } }, `at 'environment' failed to satisfy constraint: Member key must be 0 to 256 characters long (it is 257)`],
    ['CreateProcessingJob', { Environment: { 'A=B': 'x' } }, `Key 'A=B' at 'environment' failed to satisfy constraint: Member ${ENV_PATTERN}`],
    ['CreateTransformJob', { Environment: entries(17) }, `at 'environment' failed to satisfy constraint: Member must have at most 16 entries`],
    ['CreateTransformJob', { Environment: { '9': 'x' } }, `Key '9' at 'environment' failed to satisfy constraint: Member key must satisfy regular expression pattern: ^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$`],
    ['CreateHyperParameterTuningJob', { TrainingJobDefinition: { StaticHyperParameters: { [long(257)]: '1' } } }, `at 'trainingJobDefinition.staticHyperParameters' failed to satisfy constraint: Member key must be 0 to 256 characters long (it is 257)`],
    ['CreateHyperParameterTuningJob', { TrainingJobDefinition: { Environment: entries(49) } }, `at 'trainingJobDefinition.environment' failed to satisfy constraint: Member must have at most 48 entries`],
    ['CreateModelPackage', { CustomerMetadataProperties: { '': 'v' } }, `Key '' at 'customerMetadataProperties' failed to satisfy constraint: Member key must be 1 to 128 characters long (it is 0)`],
    ['CreateModelPackage', { CustomerMetadataProperties: {} }, `at 'customerMetadataProperties' failed to satisfy constraint: Member must have at least 1 entry`],
    ['QueryLineage', { Filters: { Properties: entries(6) } }, `at 'filters.properties' failed to satisfy constraint: Member must have at most 5 entries`],
    ['QueryLineage', { Filters: { Properties: { [long(257)]: 'v' } } }, `at 'filters.properties' failed to satisfy constraint: Member key must be 0 to 256 characters long (it is 257)`],
    ['CreateTrainingJob', { DebugHookConfig: { S3OutputPath: 's3://b/d', HookParameters: { '': 'x' } } }, `Key '' at 'debugHookConfig.hookParameters' failed to satisfy constraint: Member key must be 1 to 256 characters long (it is 0)`],
  ] as const)('%s refuses %j', (name, input, message) => {
    expect(messageOf(name, input)).toContain(message);
  });

  it('a key with / or ~ is named as sent; lengths count characters, a surrogate pair once', () => {
    expect(messageOf('CreateTrainingJob', { HyperParameters: { [`a/b~c${long(300)}`]: '1' } })).toContain(`Key '${shown(`a/b~c${long(300)}`)}' at 'hyperParameters'`);
    const emoji = '\u{1F600}'.repeat(256); // 512 UTF-16 units, 256 characters
    expect(messageOf('CreateTrainingJob', { HyperParameters: { [emoji]: '1' } })).not.toContain('HyperParameters');
    expect(messageOf('CreateTrainingJob', { HyperParameters: { [`${emoji}x`]: '1' } })).toContain('key must be 0 to 256 characters long (it is 257)');
  });

  it('maps at their limits pass', () => {
    const hp = entries(100, (i) => `${long(253)}${String(i).padStart(3, '0')}`);
    expect(messageOf('CreateTrainingJob', trainingRequest('ok', { HyperParameters: hp, Environment: entries(100, (i) => `_${long(508, 'a')}${String(i).padStart(3, '0')}`) }))).toBe('');
    expect(messageOf('CreateTrainingJob', trainingRequest('ok', { HyperParameters: { '': 'empty name is allowed (0..256)' } }))).toBe('');
  });
});
