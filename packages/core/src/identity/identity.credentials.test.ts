import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accessKeysSpec, apiTokensSpec } from './identity.collections.js';
import { error, setup, t0 } from './identity.test-support.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('access keys', () => {
  it('creates a key shown once, keeps its secret sealed, and resolves it for SigV4', async () => {
    const { identity, store, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const { AccessKey } = await identity.CreateAccessKey({ UserName: 'alice' }, ctx);
    expect(AccessKey).toEqual({
      AccessKeyId: expect.stringMatching(/^LKIA[A-Z0-9]{16}$/),
      SecretAccessKey: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
      UserName: 'alice',
      Status: 'Active',
      CreateDate: t0 / 1000,
    });
    const stored = await store.collection(accessKeysSpec).get(AccessKey.AccessKeyId);
    expect(JSON.stringify(stored)).not.toContain(AccessKey.SecretAccessKey);
    expect(await identity.resolveAccessKey(AccessKey.AccessKeyId)).toEqual({
      principal: { userName: 'alice', userId: expect.stringMatching(/^AIDA/), arn: 'arn:loam:iam::123456789012:user/alice', via: 'sigv4' },
      secretAccessKey: AccessKey.SecretAccessKey,
      status: 'Active',
    });
    expect(await identity.resolveAccessKey('LKIAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('defaults to the caller, allows two keys per user and refuses a third', async () => {
    const { identity, as } = setup();
    await identity.CreateUser({ UserName: 'alice' }, as('x'));
    const a = await identity.CreateAccessKey({}, as('alice'));
    expect(a.AccessKey.UserName).toBe('alice');
    await identity.CreateAccessKey({}, as('alice'));
    const e = await error(identity.CreateAccessKey({}, as('alice')));
    expect(e.code).toBe('ResourceLimitExceeded');
    expect(e.message).toMatch(/^User 'alice' already has 2 access keys/);
    await identity.DeleteAccessKey({ AccessKeyId: a.AccessKey.AccessKeyId }, as('alice'));
    await identity.CreateAccessKey({}, as('alice'));
    expect((await identity.ListAccessKeys({}, as('alice'))).AccessKeyMetadata).toHaveLength(2);
  });

  it('lists metadata only, deactivates and deletes keys', async () => {
    const { identity, clock, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const k1 = (await identity.CreateAccessKey({ UserName: 'alice' }, ctx)).AccessKey;
    clock.advance(2000);
    const k2 = (await identity.CreateAccessKey({ UserName: 'alice' }, ctx)).AccessKey;
    await identity.UpdateAccessKey({ UserName: 'alice', AccessKeyId: k1.AccessKeyId, Status: 'Inactive' }, ctx);
    const listed = await identity.ListAccessKeys({ UserName: 'alice' }, ctx);
    expect(listed).toEqual({
      AccessKeyMetadata: [
        { AccessKeyId: k1.AccessKeyId, UserName: 'alice', Status: 'Inactive', CreateDate: t0 / 1000 },
        { AccessKeyId: k2.AccessKeyId, UserName: 'alice', Status: 'Active', CreateDate: (t0 + 2000) / 1000 },
      ],
    });
    expect(JSON.stringify(listed)).not.toContain(k1.SecretAccessKey);
    expect((await identity.resolveAccessKey(k1.AccessKeyId))?.status).toBe('Inactive');
    await identity.DeleteAccessKey({ UserName: 'alice', AccessKeyId: k1.AccessKeyId }, ctx);
    expect(await identity.resolveAccessKey(k1.AccessKeyId)).toBeUndefined();
    expect((await error(identity.DeleteAccessKey({ UserName: 'alice', AccessKeyId: k1.AccessKeyId }, ctx))).code).toBe('ResourceNotFound');
  });

  it("treats another user's key as missing", async () => {
    const { identity, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    await identity.CreateUser({ UserName: 'bob' }, ctx);
    const k = (await identity.CreateAccessKey({ UserName: 'alice' }, ctx)).AccessKey;
    const upd = await error(identity.UpdateAccessKey({ UserName: 'bob', AccessKeyId: k.AccessKeyId, Status: 'Inactive' }, ctx));
    expect([upd.code, upd.message]).toEqual(['ResourceNotFound', `Access key '${k.AccessKeyId}' does not exist.`]);
    expect((await error(identity.DeleteAccessKey({ UserName: 'bob', AccessKeyId: k.AccessKeyId }, ctx))).code).toBe('ResourceNotFound');
    expect((await identity.resolveAccessKey(k.AccessKeyId))?.status).toBe('Active');
    expect((await error(identity.ListAccessKeys({ UserName: 'ghost' }, ctx))).message).toBe("User 'ghost' does not exist.");
  });

  it('records LastUsedDate at most once a minute', async () => {
    const { identity, clock, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const k = (await identity.CreateAccessKey({ UserName: 'alice' }, ctx)).AccessKey;
    const lastUsed = async () => (await identity.ListAccessKeys({ UserName: 'alice' }, ctx)).AccessKeyMetadata[0]?.LastUsedDate;
    expect(await lastUsed()).toBeUndefined();
    clock.advance(10_000);
    await identity.recordAccessKeyUse(k.AccessKeyId);
    expect(await lastUsed()).toBe((t0 + 10_000) / 1000);
    clock.advance(59_000);
    await identity.recordAccessKeyUse(k.AccessKeyId);
    expect(await lastUsed()).toBe((t0 + 10_000) / 1000);
    clock.advance(1_000);
    await identity.recordAccessKeyUse(k.AccessKeyId);
    expect(await lastUsed()).toBe((t0 + 70_000) / 1000);
  });
});

describe('API tokens', () => {
  it('creates a loam_ token shown once, stores only its hash, and authenticates it', async () => {
    const { identity, store, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const { ApiToken } = await identity.CreateApiToken({ UserName: 'alice', TokenName: 'ci runner' }, ctx);
    expect(ApiToken).toEqual({ TokenId: ApiToken.Token.slice(5, 17), TokenName: 'ci runner', UserName: 'alice', CreateDate: t0 / 1000, Token: expect.stringMatching(/^loam_[A-Za-z0-9]{55}$/) });
    const stored = await store.collection(apiTokensSpec).get(ApiToken.TokenId);
    expect(stored?.value.tokenHash).toBe(sha256(ApiToken.Token));
    expect(JSON.stringify(stored)).not.toContain(ApiToken.Token.slice(17));
    expect(await identity.authenticateToken(ApiToken.Token)).toEqual({ userName: 'alice', userId: expect.stringMatching(/^AIDA/), arn: 'arn:loam:iam::123456789012:user/alice', via: 'token' });
    const listed = await identity.ListApiTokens({ UserName: 'alice' }, ctx);
    expect(listed.ApiTokens.map((t) => t.TokenId)).toEqual([ApiToken.TokenId]);
    expect(JSON.stringify(listed)).not.toContain(ApiToken.Token);
  });

  it('refuses wrong, malformed and revoked tokens', async () => {
    const { identity, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const { Token, TokenId } = (await identity.CreateApiToken({ UserName: 'alice', TokenName: 't' }, ctx)).ApiToken;
    const flipped = Token.slice(0, -1) + (Token.endsWith('A') ? 'B' : 'A');
    for (const bad of [flipped, 'loam_short', '', `${Token}x`, Token.replace('loam_', 'mlfl_')]) {
      const e = await error(identity.authenticateToken(bad));
      expect(e.code).toBe('UnrecognizedClientException');
    }
    await identity.DeleteApiToken({ UserName: 'alice', TokenId }, ctx);
    expect((await error(identity.authenticateToken(Token))).message).toMatch(/unknown or was revoked/);
    expect((await error(identity.DeleteApiToken({ UserName: 'alice', TokenId }, ctx))).code).toBe('ResourceNotFound');
  });

  it('expires tokens after ExpiresInDays', async () => {
    const { identity, clock, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const t = (await identity.CreateApiToken({ UserName: 'alice', TokenName: 'short', ExpiresInDays: 1 }, ctx)).ApiToken;
    expect(t.ExpiresAt).toBe(t0 / 1000 + 86_400);
    clock.advance(86_400_000 - 1);
    await identity.authenticateToken(t.Token);
    clock.advance(1);
    const e = await error(identity.authenticateToken(t.Token));
    expect([e.code, e.message]).toEqual(['UnrecognizedClientException', "The API token 'short' has expired; create a new one with CreateApiToken."]);
  });

  it('moves LastUsedDate at most once a minute', async () => {
    const { identity, clock, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const t = (await identity.CreateApiToken({ UserName: 'alice', TokenName: 'x' }, ctx)).ApiToken;
    const lastUsed = async () => (await identity.ListApiTokens({ UserName: 'alice' }, ctx)).ApiTokens[0]?.LastUsedDate;
    await identity.authenticateToken(t.Token);
    expect(await lastUsed()).toBe(t0 / 1000);
    clock.advance(59_999);
    await identity.authenticateToken(t.Token);
    expect(await lastUsed()).toBe(t0 / 1000);
    clock.advance(1);
    await identity.authenticateToken(t.Token);
    expect(await lastUsed()).toBe((t0 + 60_000) / 1000);
  });

  it("keeps users' tokens apart and limits them to 20 per user", async () => {
    const { identity, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    await identity.CreateUser({ UserName: 'bob' }, ctx);
    const bobs = (await identity.CreateApiToken({ UserName: 'bob', TokenName: 'b' }, ctx)).ApiToken;
    expect((await error(identity.DeleteApiToken({ UserName: 'alice', TokenId: bobs.TokenId }, ctx))).code).toBe('ResourceNotFound');
    for (let i = 0; i < 20; i++) await identity.CreateApiToken({ UserName: 'alice', TokenName: `t${i}` }, ctx);
    expect((await error(identity.CreateApiToken({ UserName: 'alice', TokenName: 'one more' }, ctx))).code).toBe('ResourceLimitExceeded');
    expect((await identity.ListApiTokens({ UserName: 'bob' }, ctx)).ApiTokens).toHaveLength(1);
    expect((await error(identity.CreateApiToken({ UserName: 'alice', TokenName: 'bad/name' }, ctx))).code).toBe('ValidationException');
  });
});
