import { describe, expect, it } from 'vitest';
import { assertResourceName, parseArn, resourceArn } from './names.js';
import { clampMaxResults, decodeNextToken, encodeNextToken } from './pagination.js';
import { assertTransition, canTransition, terminalStates, type TransitionTable } from './state-machine.js';

describe('SageMaker names and ARNs', () => {
  it('accepts SageMaker names and refuses the rest with the field and the rule', () => {
    expect(assertResourceName('TrainingJobName', 'xgb-2026-11-26')).toBe('xgb-2026-11-26');
    for (const bad of ['', '-lead', 'under_score', 'a'.repeat(64), 'sp ace']) {
      expect(() => assertResourceName('TrainingJobName', bad)).toThrow(/at 'TrainingJobName' failed to satisfy constraint/);
    }
  });

  it('builds lower-cased SageMaker ARNs and parses them back', () => {
    const arn = resourceArn({ region: 'us-east-1', accountId: '123456789012' }, 'training-job', 'My-Job');
    expect(arn).toBe('arn:loam:sagemaker:us-east-1:123456789012:training-job/my-job');
    expect(parseArn(arn)).toEqual({ partition: 'loam', service: 'sagemaker', region: 'us-east-1', accountId: '123456789012', kind: 'training-job', name: 'my-job' });
    expect(parseArn('not-an-arn')).toBeUndefined();
  });
});

describe('NextToken and MaxResults', () => {
  it('round-trips a cursor and refuses a token it did not issue', () => {
    const t = encodeNextToken({ after: 1700000000000, name: 'job-9' });
    expect(decodeNextToken(t)).toEqual({ after: 1700000000000, name: 'job-9' });
    expect(decodeNextToken(undefined)).toBeUndefined();
    expect(() => decodeNextToken('garbage!')).toThrow(/NextToken 'garbage!' is not a token this service issued/);
  });

  it('clamps MaxResults to SageMaker’s 1–100', () => {
    expect(clampMaxResults(undefined)).toBe(10);
    expect(clampMaxResults(100)).toBe(100);
    expect(() => clampMaxResults(0)).toThrow(/MaxResults must be an integer from 1 to 100/);
    expect(() => clampMaxResults(101)).toThrow(/got 101/);
  });
});

describe('transition tables', () => {
  type S = 'InProgress' | 'Stopping' | 'Completed' | 'Failed' | 'Stopped';
  const t: TransitionTable<S> = { InProgress: ['Completed', 'Failed', 'Stopping'], Stopping: ['Stopped', 'Failed'], Completed: [], Failed: [], Stopped: [] };
  it('allows only the listed moves and names the illegal one', () => {
    expect(canTransition(t, 'InProgress', 'Stopping')).toBe(true);
    expect(canTransition(t, 'Completed', 'InProgress')).toBe(false);
    expect(() => assertTransition(t, 'Stopped', 'InProgress', "Training job 'x'")).toThrow("Training job 'x': illegal transition Stopped → InProgress.");
    expect(terminalStates(t).sort()).toEqual(['Completed', 'Failed', 'Stopped']);
  });
});
