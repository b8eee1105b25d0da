import type { Clock } from '../kernel/clock.js';
import type { Principal } from '../kernel/context.js';
import { NotFoundError } from '../kernel/errors.js';
import type { Partition } from '../kernel/names.js';
import type { MetadataStore, Versioned } from '../ports/metadata-store.js';
import type { SecretBox } from '../ports/secret-box.js';
import { usersSpec, type UserRecord } from './identity.collections.js';

/** What every part of the identity capability works with. */
export interface IdentityDeps {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly partition: Partition;
  readonly secretBox: SecretBox;
  /** Studio sessions last this long after their last use. */
  readonly sessionTtlMs: number;
}

/** IAM's user and policy name rule. */
export const iamNamePattern = /^[\w+=,.@-]+$/;

export function userArn(p: Partition, userName: string): string {
  return `arn:loam:iam::${p.accountId}:user/${userName}`;
}

export function policyArn(p: Partition, policyName: string): string {
  return `arn:loam:iam::${p.accountId}:policy/${policyName}`;
}

/** Stored epoch milliseconds → the epoch seconds AWS timestamps travel as. */
export function toSeconds(ms: number): number {
  return ms / 1000;
}

export function principalOf(user: UserRecord, via: Principal['via']): Principal {
  return { userName: user.userName, userId: user.userId, arn: user.arn, via };
}

/** @throws ResourceNotFound naming the user. */
export async function requireUser(store: MetadataStore, userName: string): Promise<Versioned<UserRecord>> {
  const u = await store.collection(usersSpec).get(userName);
  if (!u) throw new NotFoundError('User', userName);
  return u;
}
