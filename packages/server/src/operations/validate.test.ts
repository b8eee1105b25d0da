import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { getOperation, type Operation } from '@loam/contracts';
import { ValidationError } from '@loam/core';
import { validateInput } from './validate.js';

const op = (name: string) => {
  const found = getOperation(name);
  if (!found) throw new Error(name);
  return found;
};

function messageOf(name: string, input: unknown): string {
  try {
    validateInput(op(name), input);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('validation messages', () => {
  it('an enum value outside the set names the allowed values, in AWS\'s words', () => {
    expect(messageOf('ListTrainingJobs', { StatusEquals: 'Complete' })).toBe(
      "1 validation error detected: Value 'Complete' at 'StatusEquals' failed to satisfy constraint: Member must satisfy enum value set: [InProgress, Completed, Failed, Stopping, Stopped, Deleting].",
    );
  });

  it('other constraints keep their own wording', () => {
    expect(messageOf('ListTrainingJobs', { MaxResults: 'ten' })).toMatch(/at 'MaxResults' failed to satisfy constraint: Member must be (number|integer)/);
  });

  it("a pattern, a length or a bound broken is said in SageMaker's words, with the pattern itself", () => {
    expect(messageOf('DescribeTrainingJob', { TrainingJobName: 'bad_name' })).toBe(
      "1 validation error detected: Value 'bad_name' at 'TrainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$.",
    );
    expect(messageOf('CreateUser', { UserName: 'u'.repeat(65) })).toMatch(/at 'UserName' failed to satisfy constraint: Member must have length less than or equal to 64\./);
    expect(messageOf('ListTrainingJobs', { MaxResults: 0 })).toMatch(/at 'MaxResults' failed to satisfy constraint: Member must have value greater than or equal to 1\./);
    expect(messageOf('ListTrainingJobs', { MaxResults: 101 })).toMatch(/at 'MaxResults' failed to satisfy constraint: Member must have value less than or equal to 100\./);
  });

  it('a bound past 2^53 is printed in all its digits, the value checked (not 9223372036854776000)', () => {
    // A Long's range as a JSON-number schema holds it: 2^63 is the double nearest Long.MAX_VALUE.
    const longOp = { name: 'LongBound', input: Type.Object({ N: Type.Integer({ minimum: -(2 ** 63), maximum: 2 ** 63 }) }) } as unknown as Operation;
    const message = (input: unknown) => {
      try {
        validateInput(longOp, input);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(message({ N: 1e19 })).toBe("1 validation error detected: Value '10000000000000000000' at 'N' failed to satisfy constraint: Member must have value less than or equal to 9223372036854775808.");
    expect(message({ N: -1e19 })).toContain('Member must have value greater than or equal to -9223372036854775808.');
  });

  it('a long value is echoed as every message echoes one: its first 120 characters and …', () => {
    expect(messageOf('DescribeTrainingJob', { TrainingJobName: `_${'x'.repeat(300)}` })).toContain(`Value '_${'x'.repeat(119)}…' at 'TrainingJobName'`);
  });

});

