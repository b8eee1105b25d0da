import { describe, expect, it } from 'vitest';
import { validateTagKeys, validateTags } from './tag-rules.js';

describe('reserved tag keys', () => {
  it('refuses keys starting aws: and mlflow. in any case, on set and on delete', () => {
    for (const Key of ['aws:x', 'AWS:x', 'mlflow.registeredModelName', 'mlflow.alias.champion', 'MLflow.alias.x', 'mlflow.prompt.is_prompt']) {
      expect(() => validateTags([{ Key, Value: 'v' }]), Key).toThrow(/reserved/);
      expect(() => validateTagKeys([Key]), Key).toThrow(/reserved/);
    }
    expect(() => validateTags([{ Key: 'mlflow.registeredModelName', Value: 'prod' }])).toThrow(/reserved for Loam's MLflow registry/);
    // Keys that only look alike are ordinary tags.
    expect(() => validateTags([{ Key: 'mlflow', Value: 'v' }, { Key: 'mlflowx.y', Value: 'v' }, { Key: 'team.mlflow.alias', Value: 'v' }])).not.toThrow();
    expect(() => validateTagKeys(['mlflow', 'x.mlflow.y'])).not.toThrow();
  });

  it('lets the MLflow registry write mlflow. keys with its allowance, but never aws:', () => {
    expect(() => validateTags([{ Key: 'mlflow.alias.champion', Value: '1' }], 'tags', { allowMlflowKeys: true })).not.toThrow();
    expect(() => validateTagKeys(['mlflow.alias.champion'], 'keys', { allowMlflowKeys: true })).not.toThrow();
    expect(() => validateTags([{ Key: 'aws:x', Value: '1' }], 'tags', { allowMlflowKeys: true })).toThrow(/reserved for AWS/);
    // The other rules still hold.
    expect(() => validateTags([{ Key: 'mlflow.x', Value: '1' }, { Key: 'mlflow.x', Value: '2' }], 'tags', { allowMlflowKeys: true })).toThrow(/more than once/);
  });
});
