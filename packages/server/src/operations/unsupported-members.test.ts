import { describe, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
import { ValidationError } from '@loam/core';
import { unsupportedMembers } from './unsupported-members.js';
import { validateInput } from './validate.js';

const op = (name: string) => {
  const found = getOperation(name);
  if (!found) throw new Error(name);
  return found;
};

function refusal(name: string, input: unknown): ValidationError {
  try {
    validateInput(op(name), input);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('accepted');
}

const endpointConfig = { EndpointConfigName: 'c', ProductionVariants: [{ VariantName: 'v', ModelName: 'm', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] };

describe('documented members Loam does not implement are refused by name, saying so', () => {
  it('CreateEndpointConfig: AsyncInferenceConfig, ExplainerConfig, ShadowProductionVariants', () => {
    const e = refusal('CreateEndpointConfig', { ...endpointConfig, AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://b/o' } } });
    expect(e.message).toBe('AsyncInferenceConfig is not supported by Loam: asynchronous inference endpoints are not implemented.');
    expect(e.fields).toEqual([{ path: '/AsyncInferenceConfig', message: 'AsyncInferenceConfig is not supported by Loam: asynchronous inference endpoints are not implemented' }]);
    expect(refusal('CreateEndpointConfig', { ...endpointConfig, ExplainerConfig: {} }).message).toMatch(/^ExplainerConfig is not supported by Loam: /);
    expect(refusal('CreateEndpointConfig', { ...endpointConfig, ShadowProductionVariants: [] }).message).toMatch(/^ShadowProductionVariants is not supported by Loam: /);
  });

  it('CreateModelPackage: ValidationSpecification, SourceAlgorithmSpecification (both named at once)', () => {
    const e = refusal('CreateModelPackage', { ModelPackageGroupName: 'g', ValidationSpecification: {}, SourceAlgorithmSpecification: {} });
    expect(e.message).toMatch(/^ValidationSpecification is not supported by Loam: .*; SourceAlgorithmSpecification is not supported by Loam: /);
    expect(e.fields?.map((f) => f.path)).toEqual(['/ValidationSpecification', '/SourceAlgorithmSpecification']);
  });

  it('any other unknown member keeps the generic message; the table names only members the schemas do not declare', () => {
    expect(refusal('CreateEndpointConfig', { ...endpointConfig, Bogus: 1 }).message).toMatch(/is not a member of CreateEndpointConfig's input/);
    for (const [name, members] of Object.entries(unsupportedMembers)) {
      const declared = (op(name).input as unknown as { properties: Record<string, unknown> }).properties;
      for (const m of Object.keys(members)) expect(declared[m], `${name}.${m}`).toBeUndefined();
    }
  });
});
