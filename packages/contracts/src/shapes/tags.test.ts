import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { AddTagsInput, DeleteTagsInput, ListTagsOutput } from './tags.js';

// A registered model's tags set through MLflow: more than SageMaker's 50, keys up to 250 characters, values up to
// 5000 of any kind. ListTags answers them a page (up to MaxResults 100) at a time.
const mlflowTags = Array.from({ length: 100 }, (_, i) => ({ Key: `${'k'.repeat(247)}${String(i).padStart(3, '0')}`, Value: `{"run": ${i}},\n${'v'.repeat(4980)}`.slice(0, 5000) }));

describe('tag shapes', () => {
  it('ListTagsOutput describes a page of tags set through MLflow: up to 100, keys up to 250, values up to 5000', () => {
    expect(mlflowTags[0]?.Key).toHaveLength(250);
    expect(Value.Check(ListTagsOutput, { Tags: mlflowTags, NextToken: 'next' })).toBe(true);
    expect(Value.Check(ListTagsOutput, { Tags: [{ Key: 'k'.repeat(251), Value: '' }] })).toBe(false);
    expect(Value.Check(ListTagsOutput, { Tags: [{ Key: 'k', Value: 'v'.repeat(5001) }] })).toBe(false);
    expect(Value.Check(ListTagsOutput, { Tags: [...mlflowTags, { Key: 'one-more', Value: '' }] })).toBe(false);
  });

  it('the requests keep SageMaker’s limits: 50 tags, keys up to 128, values up to 256', () => {
    const arn = 'arn:aws:sagemaker:us-east-1:000000000000:model-package-group/churn';
    expect(Value.Check(AddTagsInput, { ResourceArn: arn, Tags: [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }] })).toBe(true);
    expect(Value.Check(AddTagsInput, { ResourceArn: arn, Tags: [{ Key: 'k'.repeat(129), Value: '' }] })).toBe(false);
    expect(Value.Check(AddTagsInput, { ResourceArn: arn, Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] })).toBe(false);
    expect(Value.Check(AddTagsInput, { ResourceArn: arn, Tags: mlflowTags.slice(0, 51).map((_, i) => ({ Key: `k${i}`, Value: '' })) })).toBe(false);
    expect(Value.Check(DeleteTagsInput, { ResourceArn: arn, TagKeys: ['k'.repeat(129)] })).toBe(false);
  });
});
