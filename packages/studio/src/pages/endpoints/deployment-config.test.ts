import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { deploymentProblems, deploymentSchema, toDeploymentConfig, updateSchemaAt } from './deployment-config.js';

describe('deployment config form', () => {
  it('offers the traffic routing types and size types the contract allows', () => {
    expect(deploymentSchema.routingTypes).toEqual(['ALL_AT_ONCE', 'CANARY', 'LINEAR']);
    expect(deploymentSchema.sizeTypes).toEqual(['INSTANCE_COUNT', 'CAPACITY_PERCENT']);
    expect([deploymentSchema.wait.minimum, deploymentSchema.wait.maximum]).toEqual([0, 3600]);
  });

  it('builds a canary config with alarms that the contract accepts', () => {
    const c = toDeploymentConfig({ type: 'CANARY', sizeType: 'CAPACITY_PERCENT', sizeValue: 10, waitSeconds: 5, terminationSeconds: 2, maxTimeoutSeconds: '', alarms: ['p99-high'] });
    expect(c).toEqual({
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 5, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } }, TerminationWaitInSeconds: 2 },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'p99-high' }] },
    });
    expect(Value.Check(updateSchemaAt('DeploymentConfig') as never, c)).toBe(true);
  });

  it('sends a linear step as LinearStepSize and no size at all for all-at-once', () => {
    const base = { sizeType: 'INSTANCE_COUNT', sizeValue: 1, waitSeconds: '', terminationSeconds: '', maxTimeoutSeconds: '', alarms: [] } as const;
    expect(toDeploymentConfig({ ...base, type: 'LINEAR' })).toEqual({ BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'LINEAR', WaitIntervalInSeconds: 0, LinearStepSize: { Type: 'INSTANCE_COUNT', Value: 1 } } } });
    expect(toDeploymentConfig({ ...base, type: 'ALL_AT_ONCE' })).toEqual({ BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 } } });
  });

  it('reports numbers out of range instead of changing them', () => {
    const canary = { type: 'CANARY', sizeType: 'CAPACITY_PERCENT', sizeValue: -5, waitSeconds: -10, terminationSeconds: 0, maxTimeoutSeconds: '', alarms: [] } as const;
    expect(deploymentProblems(canary)).toEqual({ sizeValue: 'Enter 1 to 100 percent; -5 is too small.', waitSeconds: 'Enter 0 to 3600 seconds; -10 is too small.' });
    expect(deploymentProblems({ ...canary, sizeValue: '', waitSeconds: 5 })).toEqual({ sizeValue: 'Enter the canary size.' });
    expect(deploymentProblems({ ...canary, sizeType: 'INSTANCE_COUNT', sizeValue: 2.5, waitSeconds: 5, maxTimeoutSeconds: 60 })).toEqual({ sizeValue: 'Enter a whole number of instances.', maxTimeoutSeconds: 'Enter 600 to 28800 seconds; 60 is too small.' });
    expect(deploymentProblems({ ...canary, type: 'ALL_AT_ONCE', waitSeconds: 0 })).toEqual({});
  });
});
