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

describe('refused values in messages', () => {
  // A refused key or value was echoed whole: a 300,000-character value made a 300,000-character message.
  // It is now cut as every echoed value is: its first 120 characters and ….
  it('echoes at most the first 120 characters of a refused key or value', () => {
    const huge = 'v'.repeat(300_000);
    const errorOf = (f: () => void): Error & { fields?: { path: string; message: string }[] } => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      throw new Error('not refused');
    };
    const messageOf = (f: () => void): string => errorOf(f).message;
    for (const m of [
      messageOf(() => validateTags([{ Key: 'k', Value: huge }])),
      messageOf(() => validateTags([{ Key: huge, Value: 'v' }])),
      messageOf(() => validateTagKeys([huge])),
    ]) {
      expect(m.length).toBeLessThan(300);
      expect(m).toContain(`'${'v'.repeat(120)}…'`);
    }
    // The field errors carry the same text.
    const f = errorOf(() => validateTags([{ Key: 'k', Value: `${'x'.repeat(119)}😀${'x'.repeat(300)}` }])).fields ?? [];
    expect(f).toHaveLength(1);
    expect(f[0]?.path).toBe('/Tags/0/Value');
    // Never half of a surrogate pair.
    expect(f[0]?.message).toContain(`'${'x'.repeat(119)}…'`);
    // Short values are shown whole, as before.
    expect(messageOf(() => validateTags([{ Key: 'k', Value: 'a\u0007b' }]))).toContain("Value 'a\u0007b' must be");
  });
});
