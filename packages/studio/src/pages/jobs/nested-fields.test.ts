import { describe, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
import { entryNoun, type JsonSchema } from '../../schema/fields.js';
import { validateField, type FormValues } from '../../schema/validate.js';
import { groupFields, leafOfPath, leaves, requireLeaves, toNestedInput, validateGroups } from './nested-fields.js';
import { builtInXgboostImage } from './job-paths.js';
import { trainingDefaults } from './training-defaults.js';
import { withProposedRole } from '../../api/execution-role.js';

const input = getOperation('CreateTrainingJob')!.input as JsonSchema;

describe('nested form fields from CreateTrainingJob', () => {
  it('groups nested objects, repeats channels and turns string maps into key/value fields', () => {
    const tree = groupFields(input, { InputDataConfig: 2 });
    const names = leaves(tree).map((f) => f.name);
    expect(names).toContain('AlgorithmSpecification.TrainingImage');
    expect(names).toContain('InputDataConfig.1.DataSource.S3DataSource.S3Uri');
    expect(names).not.toContain('InputDataConfig.2.ChannelName');
    expect(leaves(tree).find((f) => f.name === 'HyperParameters')?.kind).toBe('tags');
    expect(leaves(tree).find((f) => f.name === 'OutputDataConfig.S3OutputPath')?.label).toBe('S3 output path');
    expect(tree.groups.find((g) => g.path === 'ResourceConfig')?.required).toBe(true);
    expect(tree.groups.find((g) => g.path === 'CheckpointConfig')?.required).toBe(false);
  });

  it('names the rows of a string map after what they hold, not tags', () => {
    const all = leaves(groupFields(input, { InputDataConfig: 1 }));
    const hp = all.find((f) => f.name === 'HyperParameters')!;
    expect(entryNoun(hp)).toBe('hyperparameter');
    expect(entryNoun(all.find((f) => f.name === 'Environment')!)).toBe('environment variable');
    expect(entryNoun({ name: 'Tags', label: 'Tags' })).toBe('tag');
    expect(validateField(hp, [{ Key: '', Value: '3' }])).toBe('Hyperparameter 1: enter a key (or clear the value to drop the row).');
  });

  it('builds the nested input SageMaker expects from the defaults, the proposed role and a data location', () => {
    const tree = groupFields(input, { InputDataConfig: 1 });
    const defaults = withProposedRole('CreateTrainingJob', leaves(tree), trainingDefaults(new Date('2026-11-26T20:00:00Z'), 'sagemaker-us-east-1-000000000000'), 'arn:loam:iam::000000000000:role/LoamExecution');
    const values = { ...defaults, 'InputDataConfig.0.DataSource.S3DataSource.S3Uri': 's3://data/train/' } as FormValues;
    expect(validateGroups(tree, values)).toEqual({});
    expect(toNestedInput(tree, values)).toEqual({
      TrainingJobName: 'xgboost-20261126200000',
      HyperParameters: { num_round: '50', objective: 'reg:squarederror' },
      AlgorithmSpecification: { TrainingImage: builtInXgboostImage, TrainingInputMode: 'File' },
      RoleArn: 'arn:loam:iam::000000000000:role/LoamExecution',
      InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://sagemaker-us-east-1-000000000000/' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
  });

  it('requires an optional object’s required member only once the object is started', () => {
    const tree = groupFields(input, { InputDataConfig: 1 });
    const base = { ...trainingDefaults(new Date(), 'sagemaker-us-east-1-000000000000'), RoleArn: 'arn:loam:iam::000000000000:role/LoamExecution', 'InputDataConfig.0.DataSource.S3DataSource.S3Uri': 's3://data/train/' };
    expect(validateGroups(tree, base)['CheckpointConfig.S3Uri']).toBeUndefined();
    expect(validateGroups(tree, { ...base, 'CheckpointConfig.LocalPath': '/opt/ml/checkpoints' })['CheckpointConfig.S3Uri']).toMatch(/^Required/);
    expect(validateGroups(tree, { ...base, 'InputDataConfig.0.DataSource.S3DataSource.S3Uri': '' })['InputDataConfig.0.DataSource.S3DataSource.S3Uri']).toMatch(/^Required/);
  });

  it('places a problem+json pointer on its leaf, or on the nearest one', () => {
    const names = leaves(groupFields(input, { InputDataConfig: 1 })).map((f) => f.name);
    expect(leafOfPath('/InputDataConfig/0/ChannelName', names)).toBe('InputDataConfig.0.ChannelName');
    expect(leafOfPath('/ResourceConfig', names)).toBe('ResourceConfig.InstanceType');
    expect(leafOfPath('/HyperParameters/eta', names)).toBe('HyperParameters');
  });

  it('places a tuning range error, which names the range rather than its index, on that range’s Name field', () => {
    const pr = 'HyperParameterTuningJobConfig.ParameterRanges';
    const tree = groupFields(getOperation('CreateHyperParameterTuningJob')!.input as JsonSchema, { [`${pr}.IntegerParameterRanges`]: 1, [`${pr}.ContinuousParameterRanges`]: 2 });
    const names = leaves(tree).map((f) => f.name);
    const values: FormValues = { [`${pr}.IntegerParameterRanges.0.Name`]: 'max_depth', [`${pr}.ContinuousParameterRanges.0.Name`]: 'eta', [`${pr}.ContinuousParameterRanges.1.Name`]: 'alpha' };
    expect(leafOfPath(`/${pr.replace('.', '/')}/alpha`, names, values)).toBe(`${pr}.ContinuousParameterRanges.1.Name`);
    expect(leafOfPath(`/${pr.replace('.', '/')}/max_depth`, names, values)).toBe(`${pr}.IntegerParameterRanges.0.Name`);
    expect(leafOfPath(`/${pr.replace('.', '/')}/gamma`, names, values)).toBeUndefined();
  });
});

describe('optional objects with switches', () => {
  it('leaves out an optional object whose only values are untouched (false) switches, and sends it once one is on', () => {
    const tree = groupFields(getOperation('CreateEndpointConfig')!.input as JsonSchema, { ProductionVariants: 1 });
    const bools = leaves(tree).filter((f) => f.kind === 'boolean' && f.name.startsWith('DataCaptureConfig.'));
    expect(bools.map((f) => f.name)).toContain('DataCaptureConfig.EnableCapture');
    const base: FormValues = {
      EndpointConfigName: 'cfg',
      'ProductionVariants.0.VariantName': 'AllTraffic',
      'ProductionVariants.0.ModelName': 'm',
      ...Object.fromEntries(bools.map((f) => [f.name, false])),
    };
    expect(toNestedInput(tree, base)).not.toHaveProperty('DataCaptureConfig');
    const on = toNestedInput(tree, { ...base, 'DataCaptureConfig.EnableCapture': true, 'DataCaptureConfig.DestinationS3Uri': 's3://capture/' });
    expect(on['DataCaptureConfig']).toMatchObject({ EnableCapture: true, DestinationS3Uri: 's3://capture/' });
  });
});

describe('leaves a page requires although the schema leaves them optional', () => {
  // SageMaker's ProductionVariant has ModelName optional (inference components); Loam refuses a variant without one.
  const config = getOperation('CreateEndpointConfig')!.input as JsonSchema;
  const values = { EndpointConfigName: 'c', 'ProductionVariants.0.VariantName': 'AllTraffic', 'ProductionVariants.1.VariantName': 'B', 'ProductionVariants.1.ModelName': 'm' };

  it('asks for the model of every variant before sending, by item path pattern', () => {
    const plain = groupFields(config, { ProductionVariants: 2 });
    expect(leaves(plain).find((f) => f.name === 'ProductionVariants.0.ModelName')?.required).toBe(false);
    expect(validateGroups(plain, values)).toEqual({});
    const tree = requireLeaves(plain, ['ProductionVariants.*.ModelName']);
    expect(leaves(tree).filter((f) => f.required && /^ProductionVariants\.\d\.[A-Za-z]+$/.test(f.name)).map((f) => f.name)).toEqual(['ProductionVariants.0.VariantName', 'ProductionVariants.0.ModelName', 'ProductionVariants.1.VariantName', 'ProductionVariants.1.ModelName']);
    expect(validateGroups(tree, values)).toEqual({ 'ProductionVariants.0.ModelName': 'Required: enter a value for model name.' });
  });
});
