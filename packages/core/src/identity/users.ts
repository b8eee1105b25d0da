import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import { ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { assertResourceName } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import type { Filter, MetadataStore } from '../ports/metadata-store.js';
import { validateTags } from '../tags/tag-rules.js';
import { newUserId } from './credentials.js';
import { iamNamePattern, requireUser, toSeconds, userArn, type IdentityDeps } from './identity-deps.js';
import {
  accessKeysSpec,
  apiTokensSpec,
  loginLinksSpec,
  sessionsSpec,
  userPoliciesSpec,
  usersSpec,
  type UserRecord,
} from './identity.collections.js';
import { deleteWhere, isInUse, listAll } from './store-helpers.js';

type Ops = typeof operations;

type UserOut = OutputOf<Ops['GetUser']>['User'];

export async function createUser(d: IdentityDeps, input: InputOf<Ops['CreateUser']>): Promise<OutputOf<Ops['CreateUser']>> {
  const userName = assertResourceName('UserName', input.UserName, iamNamePattern, 64);
  const tags = input.Tags ?? [];
  validateTags(tags);
  const rec: UserRecord = {
    userName,
    userId: newUserId(),
    userNameLower: userName.toLowerCase(),
    arn: userArn(d.partition, userName),
    createdAt: d.clock.now(),
  };
  await d.store.transaction(async (tx) => {
    const users = tx.collection(usersSpec);
    const clash = await users.findOne('userNameLower', rec.userNameLower);
    if (clash) throw alreadyExists(userName, clash.value.userName);
    try {
      await users.insert(rec);
    } catch (e) {
      throw isInUse(e) ? alreadyExists(userName, userName) : e;
    }
    if (tags.length > 0) await tx.tags.put(rec.arn, tags);
  });
  return { User: toUserOutput(rec, []) };
}

function alreadyExists(asked: string, existing: string): ResourceInUseError {
  return new ResourceInUseError(
    asked === existing ? `User '${asked}' already exists.` : `User '${asked}' already exists as '${existing}': user names do not differ by case.`,
  );
}

export async function getUser(d: IdentityDeps, input: InputOf<Ops['GetUser']>, ctx: RequestContext): Promise<OutputOf<Ops['GetUser']>> {
  const u = await requireUser(d.store, input.UserName ?? ctx.principal.userName);
  return { User: toUserOutput(u.value, await attachedPolicyNames(d.store, [u.value.userName])) };
}

export async function listUsers(d: IdentityDeps, input: InputOf<Ops['ListUsers']>): Promise<OutputOf<Ops['ListUsers']>> {
  const maxResults = clampMaxResults(input.MaxResults, 100);
  const filters: Filter<UserRecord>[] = input.NameContains ? [{ field: 'userName', op: 'contains', value: input.NameContains }] : [];
  const page = await d.store.collection(usersSpec).list({ filters, maxResults, ...(input.NextToken ? { nextToken: input.NextToken } : {}) });
  const names = page.items.map((u) => u.value.userName);
  const attached = await attachedPolicyNames(d.store, names);
  return {
    Users: page.items.map((u) => toUserOutput(u.value, attached.filter((a) => a.userName === u.value.userName))),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
}

/** Deletes a user with everything that lets it sign in (keys, tokens, sessions, links), its attachments and tags. */
export async function deleteUser(d: IdentityDeps, input: InputOf<Ops['DeleteUser']>, ctx: RequestContext): Promise<OutputOf<Ops['DeleteUser']>> {
  if (input.UserName === ctx.principal.userName) {
    throw new ValidationError(`User '${input.UserName}' cannot delete itself; another administrator must do it.`, [
      { path: '/UserName', message: 'is the calling user' },
    ]);
  }
  await d.store.transaction(async (tx) => {
    const u = await requireUser(tx, input.UserName);
    const mine = [{ field: 'userName' as const, op: 'eq' as const, value: input.UserName }];
    await deleteWhere(tx.collection(accessKeysSpec), mine);
    await deleteWhere(tx.collection(apiTokensSpec), mine);
    await deleteWhere(tx.collection(sessionsSpec), mine);
    await deleteWhere(tx.collection(loginLinksSpec), mine);
    await deleteWhere(tx.collection(userPoliciesSpec), mine);
    await tx.tags.clear(u.value.arn);
    await tx.collection(usersSpec).delete(input.UserName, u.version);
  });
  return {};
}

/** Attachments of these users, as `{ userName, policyName }`, sorted by policy name. */
async function attachedPolicyNames(store: MetadataStore, userNames: readonly string[]): Promise<{ userName: string; policyName: string }[]> {
  if (userNames.length === 0) return [];
  const rows = await listAll(store.collection(userPoliciesSpec), { filters: [{ field: 'userName', op: 'in', value: userNames }] });
  return rows.map((r) => ({ userName: r.value.userName, policyName: r.value.policyName })).sort((a, b) => (a.policyName < b.policyName ? -1 : a.policyName > b.policyName ? 1 : 0));
}

function toUserOutput(u: UserRecord, attached: readonly { policyName: string }[]): UserOut {
  return { UserName: u.userName, UserId: u.userId, Arn: u.arn, CreateDate: toSeconds(u.createdAt), AttachedPolicies: attached.map((a) => a.policyName) };
}
