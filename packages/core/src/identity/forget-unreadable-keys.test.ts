import { describe, expect, it } from 'vitest';
import { IdentityService } from './identity.service.js';
import { aesBox, partition, setup } from './identity.test-support.js';

// A server whose key file was lost gets a new key; the access keys sealed with the lost one can never be
// opened again. Forgetting them deletes exactly those: keys the current key seals stay, secrets and all.
describe('forgetting access keys sealed with a lost server key', () => {
  it('deletes only the keys the current SecretBox cannot open, and returns them', async () => {
    const { identity: lost, store, clock, ctx } = setup();
    await lost.CreateUser({ UserName: 'alice' }, ctx);
    await lost.CreateUser({ UserName: 'bob' }, ctx);
    const a1 = (await lost.CreateAccessKey({ UserName: 'alice' }, ctx)).AccessKey;
    const b1 = (await lost.CreateAccessKey({ UserName: 'bob' }, ctx)).AccessKey;
    await lost.UpdateAccessKey({ UserName: 'bob', AccessKeyId: b1.AccessKeyId, Status: 'Inactive' }, ctx);

    const now = new IdentityService({ store, clock, partition, secretBox: aesBox(), sessionTtlSeconds: 3600, credentialCacheMs: 0 });
    const a2 = (await now.CreateAccessKey({ UserName: 'alice' }, ctx)).AccessKey;
    expect(await now.accessKeySealedElsewhere()).toBeDefined();

    const forgotten = await now.forgetAccessKeysSealedElsewhere();
    expect(forgotten.sort((x, y) => x.userName.localeCompare(y.userName))).toEqual([
      { accessKeyId: a1.AccessKeyId, userName: 'alice', status: 'Active' },
      { accessKeyId: b1.AccessKeyId, userName: 'bob', status: 'Inactive' },
    ]);
    expect(await now.accessKeySealedElsewhere()).toBeUndefined();
    expect((await now.resolveAccessKey(a2.AccessKeyId))?.secretAccessKey).toBe(a2.SecretAccessKey);
    expect(await now.resolveAccessKey(a1.AccessKeyId)).toBeUndefined();
    // Nothing left to forget.
    expect(await now.forgetAccessKeysSealedElsewhere()).toEqual([]);
  });
});
