import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Principal, RequestContext } from '../kernel/context.js';
import { LimitExceededError, NotFoundError, UnauthenticatedError } from '../kernel/errors.js';
import { assertResourceName } from '../kernel/names.js';
import { newApiToken, sameDigest, sha256Hex, tokenIdOf } from './credentials.js';
import { principalOf, requireUser, toSeconds, type IdentityDeps } from './identity-deps.js';
import { apiTokensSpec, usersSpec, type ApiTokenRecord } from './identity.collections.js';
import { isConflict, isUnavailable, listAll } from './store-helpers.js';

type Ops = typeof operations;

/** Enough for a token per tool and machine; past that, old tokens should be revoked. */
export const maxApiTokensPerUser = 20;
const lastUsedResolutionMs = 60_000;
const dayMs = 86_400_000;
const tokenNamePattern = /^[\w+=,.@ -]+$/;
/** Compared against when no record matches, so a miss costs the same as a wrong secret. */
const decoyHash = sha256Hex('loam-decoy');

type TokenMetadata = OutputOf<Ops['ListApiTokens']>['ApiTokens'][number];

export async function createApiToken(d: IdentityDeps, input: InputOf<Ops['CreateApiToken']>, ctx: RequestContext): Promise<OutputOf<Ops['CreateApiToken']>> {
  const userName = input.UserName ?? ctx.principal.userName;
  const tokenName = assertResourceName('TokenName', input.TokenName, tokenNamePattern, 64);
  const { token, tokenId } = newApiToken();
  const now = d.clock.now();
  const rec: ApiTokenRecord = {
    tokenId,
    tokenName,
    userName,
    tokenHash: sha256Hex(token),
    createdAt: now,
    ...(input.ExpiresInDays !== undefined ? { expiresAt: now + input.ExpiresInDays * dayMs } : {}),
  };
  await d.store.transaction(async (tx) => {
    await requireUser(tx, userName);
    const tokens = tx.collection(apiTokensSpec);
    const n = await tokens.count([{ field: 'userName', op: 'eq', value: userName }]);
    if (n >= maxApiTokensPerUser) {
      throw new LimitExceededError(`User '${userName}' already has ${n} API tokens, the most allowed (${maxApiTokensPerUser}); delete one first.`);
    }
    await tokens.insert(rec);
  });
  return { ApiToken: { ...toMetadata(rec), Token: token } };
}

export async function listApiTokens(d: IdentityDeps, input: InputOf<Ops['ListApiTokens']>, ctx: RequestContext): Promise<OutputOf<Ops['ListApiTokens']>> {
  const userName = input.UserName ?? ctx.principal.userName;
  await requireUser(d.store, userName);
  const rows = await listAll(d.store.collection(apiTokensSpec), { filters: [{ field: 'userName', op: 'eq', value: userName }], sortBy: 'createdAt' });
  return { ApiTokens: rows.map((r) => toMetadata(r.value)) };
}

export async function deleteApiToken(d: IdentityDeps, input: InputOf<Ops['DeleteApiToken']>, ctx: RequestContext): Promise<OutputOf<Ops['DeleteApiToken']>> {
  const userName = input.UserName ?? ctx.principal.userName;
  await d.store.transaction(async (tx) => {
    await requireUser(tx, userName);
    const t = await tx.collection(apiTokensSpec).get(input.TokenId);
    if (!t || t.value.userName !== userName) throw new NotFoundError('API token', input.TokenId);
    await tx.collection(apiTokensSpec).delete(input.TokenId);
  });
  return {};
}

/**
 * The user a bearer token belongs to. Only the token's sha256 is stored; the comparison is constant
 * time. LastUsedDate moves at most once a minute.
 *
 * @throws UnauthenticatedError when the token is malformed, unknown, revoked or expired.
 */
export async function authenticateToken(d: IdentityDeps, token: string): Promise<Principal> {
  const tokenId = tokenIdOf(token);
  const hash = sha256Hex(token);
  const tokens = d.store.collection(apiTokensSpec);
  const t = tokenId === undefined ? undefined : await tokens.get(tokenId);
  const matches = sameDigest(hash, t?.value.tokenHash ?? decoyHash);
  if (!t || !matches) throw new UnauthenticatedError('The API token is not valid: it is unknown or was revoked.');
  const now = d.clock.now();
  if (t.value.expiresAt !== undefined && now >= t.value.expiresAt) {
    throw new UnauthenticatedError(`The API token '${t.value.tokenName}' has expired; create a new one with CreateApiToken.`);
  }
  const u = await d.store.collection(usersSpec).get(t.value.userName);
  if (!u) throw new UnauthenticatedError('The API token is not valid: its user no longer exists.');
  if (t.value.lastUsedAt === undefined || now - t.value.lastUsedAt >= lastUsedResolutionMs) {
    try {
      await tokens.update(t.value.tokenId, t.version, { ...t.value, lastUsedAt: now });
    } catch (e) {
      // A concurrent request recorded the same use; a token deleted meanwhile is caught next time; a
      // store that cannot write now records the use on a later request.
      if (!isConflict(e) && !isUnavailable(e) && !(e instanceof Error && (e as { code?: string }).code === 'ResourceNotFound')) throw e;
    }
  }
  return principalOf(u.value, 'token');
}

function toMetadata(t: ApiTokenRecord): TokenMetadata {
  return {
    TokenId: t.tokenId,
    TokenName: t.tokenName,
    UserName: t.userName,
    CreateDate: toSeconds(t.createdAt),
    ...(t.expiresAt !== undefined ? { ExpiresAt: toSeconds(t.expiresAt) } : {}),
    ...(t.lastUsedAt !== undefined ? { LastUsedDate: toSeconds(t.lastUsedAt) } : {}),
  };
}
