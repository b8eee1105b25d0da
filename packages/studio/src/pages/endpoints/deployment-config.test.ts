import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { deploymentSchema, toDeploymentConfig, updateSchemaAt } from './deployment-config.js';

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
});
