import { describe, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
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
});
