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

/** A CreateTrainingJob input that is valid but for what `over` changes. */
const trainingInput = (over: Record<string, unknown>) => ({
  TrainingJobName: 'j',
  RoleArn: 'arn:aws:iam::000000000000:role/r',
  AlgorithmSpecification: { TrainingImage: 'img', TrainingInputMode: 'File' },
  OutputDataConfig: { S3OutputPath: 's3://b/out' },
  ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
  StoppingCondition: { MaxRuntimeInSeconds: 60 },
  ...over,
});

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
      "1 validation error detected: Value 'Complete' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [InProgress, Completed, Failed, Stopping, Stopped, Deleting].",
    );
  });

  it('other constraints keep their own wording', () => {
    expect(messageOf('ListTrainingJobs', { MaxResults: 'ten' })).toMatch(/at 'maxResults' failed to satisfy constraint: Member must be (number|integer)/);
  });

  it("a pattern, a length or a bound broken is said in SageMaker's words, with the pattern itself", () => {
    expect(messageOf('DescribeTrainingJob', { TrainingJobName: 'bad_name' })).toBe(
      "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$.",
    );
    expect(messageOf('CreateUser', { UserName: 'u'.repeat(65) })).toMatch(/at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64\./);
    expect(messageOf('ListTrainingJobs', { MaxResults: 0 })).toMatch(/at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1\./);
    expect(messageOf('ListTrainingJobs', { MaxResults: 101 })).toMatch(/at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100\./);
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
    expect(message({ N: 1e19 })).toBe("1 validation error detected: Value '10000000000000000000' at 'n' failed to satisfy constraint: Member must have value less than or equal to 9223372036854775808.");
    expect(message({ N: -1e19 })).toContain('Member must have value greater than or equal to -9223372036854775808.');
  });

  it('a long value is echoed as every message echoes one: its first 120 characters and …', () => {
    expect(messageOf('DescribeTrainingJob', { TrainingJobName: `_${'x'.repeat(300)}` })).toContain(`Value '_${'x'.repeat(119)}…' at 'trainingJobName'`);
  });

  it('names a nested member as AWS does: lowerCamelCase, list elements 1-based as .member, a missing value as null', () => {
    expect(messageOf('AddTags', { ResourceArn: 'arn:aws:sagemaker:us-east-1:000000000000:training-job/x', Tags: [{ Key: 'a', Value: 'b' }, { Key: 'team' }] })).toBe(
      "1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null.",
    );
    expect(messageOf('CreateTrainingJob', trainingInput({ InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://b/p', S3DataDistributionType: 'FullyReplicated' } } }, { ChannelName: 'bad name', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://b/p' } } }] })))
      .toMatch(/^1 validation error detected: Value 'bad name' at 'inputDataConfig\.2\.member\.channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: /);
  });

  it('several errors are joined with "; " after "N validation errors detected", each in the same form', () => {
    expect(messageOf('AddTags', { ResourceArn: 'arn:aws:sagemaker:us-east-1:000000000000:training-job/x', Tags: [{ Value: 'v' }, { Key: 'k' }] })).toBe(
      "2 validation errors detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null; Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null.",
    );
  });

  it('a map is named itself: a bad value says its key, a bad key is echoed', () => {
    expect(messageOf('CreateTrainingJob', trainingInput({ HyperParameters: { objective: 'a\u0000b' } }))).toBe(
      "1 validation error detected: Value 'a\u0000b' at 'hyperParameters' failed to satisfy constraint: Map value for key 'objective' must satisfy constraint: [Member must not contain U+0000 (NUL): a process environment or argument cannot hold it].",
    );
    expect(messageOf('CreateTrainingJob', trainingInput({ Environment: { 'MY-VAR': 'x' } }))).toMatch(/^1 validation error detected: Key 'MY-VAR' at 'environment' failed to satisfy constraint: Member key must satisfy regular expression pattern: /);
  });

  it('the structured fields keep their JSON pointers (forms place messages by them)', () => {
    try {
      validateInput(op('AddTags'), { ResourceArn: 'arn:aws:sagemaker:us-east-1:000000000000:training-job/x', Tags: [{ Key: 'a', Value: 'b' }, { Key: 'team' }] });
    } catch (e) {
      expect((e as ValidationError).fields).toEqual([{ path: '/Tags/1/Value', message: 'is required' }]);
      return;
    }
    throw new Error('accepted');
  });
});
