import { describe, expect, it } from 'vitest';
import { error, setup } from './identity.test-support.js';

// With the credential cache on (as in a running server), a change made through this server still
// applies to the very next request.
describe('identity with its credential cache', () => {
  it('refuses a deleted token at once, and sees a detached policy at once', async () => {
    const { identity, ctx } = setup({ credentialCacheMs: 60_000 });
    await identity.CreateUser({ UserName: 'ana' }, ctx);
    await identity.AttachUserPolicy({ UserName: 'ana', PolicyName: 'ReadOnlyAccess' }, ctx);
    const t = await identity.CreateApiToken({ UserName: 'ana', TokenName: 'ci' }, ctx);
    expect((await identity.authenticateToken(t.ApiToken.Token)).userName).toBe('ana');
    expect(await identity.policiesOf('ana')).toHaveLength(1);

    await identity.DetachUserPolicy({ UserName: 'ana', PolicyName: 'ReadOnlyAccess' }, ctx);
    expect(await identity.policiesOf('ana')).toHaveLength(0);

    await identity.DeleteApiToken({ UserName: 'ana', TokenId: t.ApiToken.TokenId }, ctx);
    expect((await error(identity.authenticateToken(t.ApiToken.Token))).code).toBe('UnrecognizedClientException');
  });

  it('refuses a deactivated access key at once', async () => {
    const { identity, ctx } = setup({ credentialCacheMs: 60_000 });
    await identity.CreateUser({ UserName: 'bo' }, ctx);
    const k = await identity.CreateAccessKey({ UserName: 'bo' }, ctx);
    expect((await identity.resolveAccessKey(k.AccessKey.AccessKeyId))?.status).toBe('Active');
    await identity.UpdateAccessKey({ UserName: 'bo', AccessKeyId: k.AccessKey.AccessKeyId, Status: 'Inactive' }, ctx);
    expect((await identity.resolveAccessKey(k.AccessKey.AccessKeyId))?.status).toBe('Inactive');
  });
});
