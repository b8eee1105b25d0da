import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Principal, RequestContext } from '../kernel/context.js';
import { LimitExceededError, NotFoundError } from '../kernel/errors.js';
import type { MetadataStore, Versioned } from '../ports/metadata-store.js';
import { newAccessKeyId, newSecretAccessKey } from './credentials.js';
import { principalOf, requireUser, toSeconds, type IdentityDeps } from './identity-deps.js';
import { accessKeysSpec, usersSpec, type AccessKeyRecord } from './identity.collections.js';
import { isConflict, isUnavailable, listAll } from './store-helpers.js';

type Ops = typeof operations;

/** IAM's quota: two access keys per user, so one can be rotated while the other still works. */
export const maxAccessKeysPerUser = 2;
/** A key's LastUsedDate is written at most this often, so signing requests do not each cost a write. */
const lastUsedResolutionMs = 60_000;

/** What the SigV4 verifier needs to check a signature and learn who signed. */
export interface ResolvedAccessKey {
  readonly principal: Principal;
  readonly secretAccessKey: string;
  readonly status: 'Active' | 'Inactive';
}

export async function createAccessKey(d: IdentityDeps, input: InputOf<Ops['CreateAccessKey']>, ctx: RequestContext): Promise<OutputOf<Ops['CreateAccessKey']>> {
  const userName = input.UserName ?? ctx.principal.userName;
  const secret = newSecretAccessKey();
  const rec: AccessKeyRecord = {
    accessKeyId: newAccessKeyId(),
    userName,
    status: 'Active',
    secretSealed: d.secretBox.seal(secret),
    createdAt: d.clock.now(),
  };
  await d.store.transaction(async (tx) => {
    await requireUser(tx, userName);
    const keys = tx.collection(accessKeysSpec);
    const n = await keys.count([{ field: 'userName', op: 'eq', value: userName }]);
    if (n >= maxAccessKeysPerUser) {
      throw new LimitExceededError(
        `User '${userName}' already has ${n} access keys, the most allowed (AccessKeysPerUser quota: ${maxAccessKeysPerUser}); delete one first.`,
      );
    }
    await keys.insert(rec);
  });
  return { AccessKey: { AccessKeyId: rec.accessKeyId, SecretAccessKey: secret, UserName: userName, Status: rec.status, CreateDate: toSeconds(rec.createdAt) } };
}

export async function listAccessKeys(d: IdentityDeps, input: InputOf<Ops['ListAccessKeys']>, ctx: RequestContext): Promise<OutputOf<Ops['ListAccessKeys']>> {
  const userName = input.UserName ?? ctx.principal.userName;
  await requireUser(d.store, userName);
  const keys = await listAll(d.store.collection(accessKeysSpec), { filters: [{ field: 'userName', op: 'eq', value: userName }], sortBy: 'createdAt' });
  return {
    AccessKeyMetadata: keys.map(({ value: k }) => ({
      AccessKeyId: k.accessKeyId,
      UserName: k.userName,
      Status: k.status,
      CreateDate: toSeconds(k.createdAt),
      ...(k.lastUsedAt !== undefined ? { LastUsedDate: toSeconds(k.lastUsedAt) } : {}),
    })),
  };
}

export async function updateAccessKey(d: IdentityDeps, input: InputOf<Ops['UpdateAccessKey']>, ctx: RequestContext): Promise<OutputOf<Ops['UpdateAccessKey']>> {
  const userName = input.UserName ?? ctx.principal.userName;
  await d.store.transaction(async (tx) => {
    const k = await requireOwnKey(tx, userName, input.AccessKeyId);
    if (k.value.status !== input.Status) await tx.collection(accessKeysSpec).update(input.AccessKeyId, k.version, { ...k.value, status: input.Status });
  });
  return {};
}

export async function deleteAccessKey(d: IdentityDeps, input: InputOf<Ops['DeleteAccessKey']>, ctx: RequestContext): Promise<OutputOf<Ops['DeleteAccessKey']>> {
  const userName = input.UserName ?? ctx.principal.userName;
  await d.store.transaction(async (tx) => {
    await requireOwnKey(tx, userName, input.AccessKeyId);
    await tx.collection(accessKeysSpec).delete(input.AccessKeyId);
  });
  return {};
}

/** A key of another user is reported missing, so key ids cannot be probed across users. */
async function requireOwnKey(store: MetadataStore, userName: string, accessKeyId: string): Promise<Versioned<AccessKeyRecord>> {
  await requireUser(store, userName);
  const k = await store.collection(accessKeysSpec).get(accessKeyId);
  if (!k || k.value.userName !== userName) throw new NotFoundError('Access key', accessKeyId);
  return k;
}

/** The key, its plaintext secret and its owner; undefined when the key or its user does not exist. */
export async function resolveAccessKey(d: IdentityDeps, accessKeyId: string): Promise<ResolvedAccessKey | undefined> {
  const k = await d.store.collection(accessKeysSpec).get(accessKeyId);
  if (!k) return undefined;
  const u = await d.store.collection(usersSpec).get(k.value.userName);
  if (!u) return undefined;
  return { principal: principalOf(u.value, 'sigv4'), secretAccessKey: d.secretBox.open(k.value.secretSealed), status: k.value.status };
}

/**
 * The id of the first stored access key whose secret `secretBox` cannot open (sealed under another
 * server key), or undefined when every one opens.
 */
export async function accessKeySealedElsewhere(d: IdentityDeps): Promise<string | undefined> {
  for (const { value: k } of await listAll(d.store.collection(accessKeysSpec))) {
    try {
      d.secretBox.open(k.secretSealed);
    } catch {
      return k.accessKeyId;
    }
  }
  return undefined;
}

/** An access key deleted because this server's SecretBox cannot open its secret. */
export interface ForgottenAccessKey {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly status: 'Active' | 'Inactive';
}

/**
 * Deletes every stored access key whose secret `secretBox` cannot open, and returns them; keys it opens are
 * not touched. The way out for a server whose key file was lost: no key can open those secrets again, and
 * their users create new keys. Each key is deleted only at the version read, so a key rewritten meanwhile
 * (by a server that can open it) is kept.
 */
export async function deleteAccessKeysSealedElsewhere(d: IdentityDeps): Promise<ForgottenAccessKey[]> {
  const forgotten: ForgottenAccessKey[] = [];
  const keys = d.store.collection(accessKeysSpec);
  for (const { value: k, version } of await listAll(keys)) {
    try {
      d.secretBox.open(k.secretSealed);
      continue;
    } catch {
      // Sealed with another key: forgotten below.
    }
    try {
      if (await keys.delete(k.accessKeyId, version)) forgotten.push({ accessKeyId: k.accessKeyId, userName: k.userName, status: k.status });
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
  return forgotten;
}

/** Records that a verified request used this key (at most one write a minute per key). */
export async function recordAccessKeyUse(d: IdentityDeps, accessKeyId: string): Promise<void> {
  const keys = d.store.collection(accessKeysSpec);
  const k = await keys.get(accessKeyId);
  const now = d.clock.now();
  if (!k || (k.value.lastUsedAt !== undefined && now - k.value.lastUsedAt < lastUsedResolutionMs)) return;
  try {
    await keys.update(accessKeyId, k.version, { ...k.value, lastUsedAt: now });
  } catch (e) {
    // Another request recorded the use at the same moment: that is the same fact. A store that cannot
    // write now records it on a later request.
    if (!isConflict(e) && !isUnavailable(e)) throw e;
  }
}
