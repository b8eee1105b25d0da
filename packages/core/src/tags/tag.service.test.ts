import { describe, expect, it } from 'vitest';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { systemPrincipal, type RequestContext } from '../kernel/context.js';
import { LoamError } from '../kernel/errors.js';
import { TagService } from './tag.service.js';

const partition = { region: 'us-east-1', accountId: '123456789012' };
const ctx: RequestContext = { principal: systemPrincipal, requestId: 'test' };
const model = (name: string) => `arn:loam:sagemaker:us-east-1:123456789012:model/${name}`;

function setup() {
  const store = createMemoryMetadataStore({ collections: [] });
  const tags = new TagService({ store, partition });
  const models = new Set(['m1', 'm2']);
  tags.registerResolver('arn:loam:sagemaker:us-east-1:123456789012:model/', async (arn) => models.has(arn.split('/')[1] as string));
  return { store, tags, models };
}

async function error(p: Promise<unknown>): Promise<LoamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LoamError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const many = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${String(i).padStart(3, '0')}`, Value: `v${i}` }));

describe('TagService', () => {
  it('adds, overwrites and lists tags sorted by key', async () => {
    const { tags } = setup();
    const added = await tags.AddTags({ ResourceArn: model('m1'), Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'env', Value: 'dev' }] }, ctx);
    expect(added.Tags).toEqual([{ Key: 'team', Value: 'ml' }, { Key: 'env', Value: 'dev' }]);
    await tags.AddTags({ ResourceArn: model('m1'), Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'cost center', Value: '' }] }, ctx);
    expect(await tags.ListTags({ ResourceArn: model('m1') }, ctx)).toEqual({
      Tags: [{ Key: 'cost center', Value: '' }, { Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'ml' }],
    });
    expect((await tags.ListTags({ ResourceArn: model('m2') }, ctx)).Tags).toEqual([]);
  });

  it.each([
    ['an ARN no capability owns', 'arn:loam:sagemaker:us-east-1:123456789012:endpoint/e1'],
    ['a missing resource of a known kind', model('nope')],
    ['an ARN of another account', 'arn:loam:sagemaker:us-east-1:999999999999:model/m1'],
  ])('answers ResourceNotFound naming the ARN for %s', async (_, arn) => {
    const { tags } = setup();
    for (const p of [
      tags.AddTags({ ResourceArn: arn, Tags: [{ Key: 'a', Value: 'b' }] }, ctx),
      tags.ListTags({ ResourceArn: arn }, ctx),
      tags.DeleteTags({ ResourceArn: arn, TagKeys: ['a'] }, ctx),
    ]) {
      const e = await error(p);
      expect(e.code).toBe('ResourceNotFound');
      expect(e.message).toBe(`Resource '${arn}' does not exist.`);
    }
  });

  it('picks the longest registered prefix', async () => {
    const { tags } = setup();
    tags.registerResolver('arn:loam:sagemaker:', async () => false);
    await tags.AddTags({ ResourceArn: model('m1'), Tags: [{ Key: 'a', Value: 'b' }] }, ctx);
    expect(await tags.exists(model('m1'))).toBe(true);
  });

  it('allows 50 tags on a resource and refuses the 51st with ResourceLimitExceeded, writing nothing', async () => {
    const { tags } = setup();
    await tags.AddTags({ ResourceArn: model('m1'), Tags: many(30) }, ctx);
    const e = await error(tags.AddTags({ ResourceArn: model('m1'), Tags: many(21, 'x') }, ctx));
    expect(e.code).toBe('ResourceLimitExceeded');
    expect(e.message).toContain('51 tags');
    expect((await tags.ListTags({ ResourceArn: model('m1') }, ctx)).Tags).toHaveLength(30);
    await tags.AddTags({ ResourceArn: model('m1'), Tags: many(20, 'x') }, ctx);
    // Overwriting existing keys at the limit adds nothing.
    await tags.AddTags({ ResourceArn: model('m1'), Tags: many(5) }, ctx);
    expect((await tags.ListTags({ ResourceArn: model('m1') }, ctx)).Tags).toHaveLength(50);
    expect((await error(tags.AddTags({ ResourceArn: model('m2'), Tags: many(51) }, ctx))).code).toBe('ResourceLimitExceeded');
  });

  it('on a resource already past 50 (MLflow\'s registry has no limit), overwrites its keys and refuses only a new one', async () => {
    const { store, tags } = setup();
    await store.tags.put(model('m1'), many(60));
    // Every AddTags was refused here, even one overwriting a key the resource has.
    await tags.AddTags({ ResourceArn: model('m1'), Tags: [{ Key: 'k000', Value: 'changed' }] }, ctx);
    expect((await tags.ListTags({ ResourceArn: model('m1'), MaxResults: 100 }, ctx)).Tags).toContainEqual({ Key: 'k000', Value: 'changed' });
    const e = await error(tags.AddTags({ ResourceArn: model('m1'), Tags: [{ Key: 'k001', Value: 'x' }, { Key: 'new', Value: 'x' }] }, ctx));
    expect(e.code).toBe('ResourceLimitExceeded');
    expect(e.message).toContain('would have 61 tags; a resource can have at most 50 (it has 60: overwrite its keys, or remove some first)');
    const kept = (await tags.ListTags({ ResourceArn: model('m1'), MaxResults: 100 }, ctx)).Tags ?? [];
    expect(kept).toHaveLength(60);
    expect(kept).toContainEqual({ Key: 'k001', Value: 'v1' });
  });

  it('does not count the keys the public API may not write (mlflow.*, aws:*) toward the 50', async () => {
    // As AWS does not count aws: tags: a registered model's name and aliases live in mlflow.* keys of its group,
    // so 3 aliases left a group with 48 of the caller's tags unable to take a 49th.
    const { store, tags } = setup();
    await store.tags.put(model('m1'), [...many(48), { Key: 'mlflow.alias.a', Value: '1' }, { Key: 'mlflow.alias.b', Value: '1' }, { Key: 'mlflow.registeredModelName', Value: 'm' }]);
    await tags.AddTags({ ResourceArn: model('m1'), Tags: many(2, 'n') }, ctx);
    expect((await tags.ListTags({ ResourceArn: model('m1'), MaxResults: 100 }, ctx)).Tags).toHaveLength(53);
    const e = await error(tags.AddTags({ ResourceArn: model('m1'), Tags: [{ Key: 'one-more', Value: 'x' }] }, ctx));
    expect(e.code).toBe('ResourceLimitExceeded');
    expect(e.message).toContain('would have 51 tags; a resource can have at most 50');
  });

  it.each([
    ['a key starting aws:', [{ Key: 'aws:createdBy', Value: 'x' }], '/Tags/0/Key', /reserved/],
    ['a key starting AWS: in another case', [{ Key: 'ok', Value: '' }, { Key: 'AWS:x', Value: 'x' }], '/Tags/1/Key', /reserved/],
    ['the same key twice', [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }], '/Tags/1/Key', /more than once/],
    ['a key with a forbidden character', [{ Key: 'a#b', Value: '1' }], '/Tags/0/Key', /1 to 128/],
    ['an empty key', [{ Key: '', Value: '1' }], '/Tags/0/Key', /1 to 128/],
    ['a value over 256 characters', [{ Key: 'a', Value: 'v'.repeat(257) }], '/Tags/0/Value', /at most 256/],
  ])('refuses %s with ValidationException naming the path', async (_, bad, path, message) => {
    const { tags } = setup();
    const e = await error(tags.AddTags({ ResourceArn: model('m1'), Tags: bad }, ctx));
    expect(e.code).toBe('ValidationException');
    expect(e.fields.map((f) => f.path)).toEqual([path]);
    expect(e.message).toMatch(message);
  });

  it('accepts letters of any script, spaces and _.:/=+-@ in keys and values', async () => {
    const { tags } = setup();
    const t = [{ Key: 'Équipe données/été_1.2:3=4+5-6@7', Value: '数据 科学' }];
    await tags.AddTags({ ResourceArn: model('m1'), Tags: t }, ctx);
    expect((await tags.ListTags({ ResourceArn: model('m1') }, ctx)).Tags).toEqual(t);
  });

  it('deletes tags by key, ignoring absent keys, and refuses aws: keys', async () => {
    const { tags } = setup();
    await tags.AddTags({ ResourceArn: model('m1'), Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }] }, ctx);
    expect(await tags.DeleteTags({ ResourceArn: model('m1'), TagKeys: ['a', 'c', 'zz'] }, ctx)).toEqual({});
    expect((await tags.ListTags({ ResourceArn: model('m1') }, ctx)).Tags).toEqual([{ Key: 'b', Value: '2' }]);
    const e = await error(tags.DeleteTags({ ResourceArn: model('m1'), TagKeys: ['b', 'aws:x'] }, ctx));
    expect(e.code).toBe('ValidationException');
    expect(e.fields[0]?.path).toBe('/TagKeys/1');
  });

  it('pages ListTags with MaxResults and NextToken', async () => {
    // More than 50 tags can only come from a capability writing the shared table directly; paging must still hold.
    const { store, tags } = setup();
    await store.tags.put(model('m1'), many(120));
    const seen: string[] = [];
    const sizes: number[] = [];
    let next: string | undefined;
    do {
      const page = await tags.ListTags({ ResourceArn: model('m1'), MaxResults: 50, ...(next ? { NextToken: next } : {}) }, ctx);
      sizes.push(page.Tags.length);
      seen.push(...page.Tags.map((t) => t.Key));
      next = page.NextToken;
    } while (next);
    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual(many(120).map((t) => t.Key));
    expect((await tags.ListTags({ ResourceArn: model('m1'), MaxResults: 100 }, ctx)).Tags).toHaveLength(100);
  });

  it('pages ListTags in the store\'s key order when keys hold letters past U+FFFF', async () => {
    // Stores list keys by code point (SQLite BINARY, PostgreSQL "C": UTF-8 bytes); 'ｋ' (U+FF4B) comes before
    // '𝐚' (U+1D41A) there, but after it in JS's UTF-16 order. A page ending on '𝐚' listed 'ｋ' again.
    const { store, tags } = setup();
    const keys = [...many(48).map((t) => t.Key), 'ｋ', '𝐚', '𝐤'];
    await store.tags.put(model('m1'), keys.map((Key) => ({ Key, Value: 'v' })));
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const page = await tags.ListTags({ ResourceArn: model('m1'), MaxResults: 50, ...(next ? { NextToken: next } : {}) }, ctx);
      seen.push(...page.Tags.map((t) => t.Key));
      next = page.NextToken;
    } while (next);
    expect(seen).toEqual(keys);
  });

  it('refuses a MaxResults under 50 and a NextToken it did not issue', async () => {
    const { tags } = setup();
    expect((await error(tags.ListTags({ ResourceArn: model('m1'), MaxResults: 10 }, ctx))).code).toBe('ValidationException');
    expect((await error(tags.ListTags({ ResourceArn: model('m1'), NextToken: 'not-a-token' }, ctx))).code).toBe('ValidationException');
  });
});
