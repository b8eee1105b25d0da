import { describe, expect, it } from 'vitest';
import { validateField } from '../../schema/validate.js';
import { deployFieldOf, deployFields, deployNames, packageDeployNames } from './deploy-fields.js';

describe('one-step deploy', () => {
  it('suggests an endpoint and a config name within SageMaker’s 63 characters, even for a long model name', () => {
    const n = deployNames('a'.repeat(63), new Date('2026-01-02T03:04:05Z'));
    expect(n.endpoint).toBe(`${'a'.repeat(40)}-20260102030405`);
    expect(n.config(n.endpoint).length).toBeLessThanOrEqual(63);
    expect(n.config('my-endpoint')).toBe('my-endpoint-config');
  });

  it('names a registered version’s model and endpoint after the group and version, within 63 characters', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    expect(packageDeployNames('bc-models', 3, at)).toEqual({ model: 'bc-models-v3-20260102030405', endpoint: 'bc-models-v3-20260102030405' });
    expect(packageDeployNames('g'.repeat(63), 12, at).model).toBe(`${'g'.repeat(40)}-v12-20260102030405`);
  });

  it('checks its fields with the contract’s rules: instance count at least 1, sampling 0 to 100, an S3 URI', () => {
    expect(validateField(deployFields.instanceCount, '0')).toMatch(/1 or more/);
    expect(validateField(deployFields.sampling, '101')).toMatch(/from 0 to 100/);
    expect(validateField(deployFields.instanceType, 'ml.m5.large')).toBeUndefined();
    expect(validateField(deployFields.endpoint, 'bad name')).toBeDefined();
    expect(validateField({ ...deployFields.destination, required: true }, 'not-a-uri')).toBeDefined();
  });

  it('places the server’s field errors of both calls on its fields', () => {
    expect(deployFieldOf('/ProductionVariants/0/InstanceType')).toBe('instanceType');
    expect(deployFieldOf('/DataCaptureConfig/DestinationS3Uri')).toBe('destination');
    expect(deployFieldOf('/EndpointName')).toBe('endpoint');
    expect(deployFieldOf('/ModelName')).toBe('model');
    expect(deployFieldOf('/ExecutionRoleArn')).toBe('role');
    expect(deployFieldOf('/Tags')).toBeUndefined();
  });
});
