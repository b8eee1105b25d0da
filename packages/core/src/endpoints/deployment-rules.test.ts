import { describe, expect, it } from 'vitest';
import { trafficSchedule, validateDeploymentConfig } from './deployment-rules.js';

const bg = (t: object) => ({ BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { WaitIntervalInSeconds: 0, ...t } as never } });

describe('blue/green traffic schedule', () => {
  it('shifts all at once without a config and for ALL_AT_ONCE', () => {
    expect(trafficSchedule(undefined, 2)).toEqual([1]);
    expect(trafficSchedule(bg({ Type: 'ALL_AT_ONCE' }), 2)).toEqual([1]);
  });
  it('CANARY: the canary share, then everything (1 of 4 instances = 25%)', () => {
    expect(trafficSchedule(bg({ Type: 'CANARY', CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 } }), 4)).toEqual([0.25, 1]);
    expect(trafficSchedule(bg({ Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } }), 1)).toEqual([0.1, 1]);
  });
  it('LINEAR: equal steps, the last one completing the shift (30% → 30, 60, 90, 100)', () => {
    expect(trafficSchedule(bg({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 30 } }), 3)).toEqual([0.3, 0.6, 0.9, 1]);
    expect(trafficSchedule(bg({ Type: 'LINEAR', LinearStepSize: { Type: 'INSTANCE_COUNT', Value: 1 } }), 4)).toEqual([0.25, 0.5, 0.75, 1]);
  });
  it('rejects a CANARY without CanarySize and a LINEAR step outside 10–50%, naming the member', () => {
    expect(() => validateDeploymentConfig(bg({ Type: 'CANARY' }))).toThrow(/CanarySize/);
    expect(() => validateDeploymentConfig(bg({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 60 } }))).toThrow(/between 10% and 50%/);
    expect(() => validateDeploymentConfig(bg({ Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 51 } }))).toThrow(/more than 50%/);
  });
  it('holds INSTANCE_COUNT sizes to the same shares of the new fleet (they were clamped without a word)', () => {
    const canary = (n: number) => bg({ Type: 'CANARY', CanarySize: { Type: 'INSTANCE_COUNT', Value: n } });
    const linear = (n: number) => bg({ Type: 'LINEAR', LinearStepSize: { Type: 'INSTANCE_COUNT', Value: n } });
    expect(() => validateDeploymentConfig(canary(3), 4)).toThrow("CanarySize 3 instances is more than 50% of the new fleet's 4 instances.");
    expect(() => validateDeploymentConfig(canary(1), 1)).toThrow("CanarySize 1 instance is more than 50% of the new fleet's 1 instance.");
    expect(() => validateDeploymentConfig(canary(2), 4)).not.toThrow();
    expect(() => validateDeploymentConfig(linear(1), 1)).toThrow("LinearStepSize 1 instance must be between 10% and 50% of the new fleet's 1 instance.");
    expect(() => validateDeploymentConfig(linear(1), 20)).toThrow(/between 10% and 50% of the new fleet's 20 instances/);
    expect(() => validateDeploymentConfig(linear(1), 4)).not.toThrow();
    // Without the fleet's size (CreateEndpoint records the config for later updates) only percentages are checked.
    expect(() => validateDeploymentConfig(canary(3))).not.toThrow();
  });
});
