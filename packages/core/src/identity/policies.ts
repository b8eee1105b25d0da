import type { InputOf, OutputOf, operations } from '@loam/contracts';
import { LoamError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { assertResourceName } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import type { MetadataStore, Versioned } from '../ports/metadata-store.js';
import { builtInPolicies } from './builtin-policies.js';
import { iamNamePattern, policyArn, requireUser, toSeconds, type IdentityDeps } from './identity-deps.js';
import { policiesSpec, userPoliciesSpec, type PolicyRecord } from './identity.collections.js';
import { parsePolicyDocument, type PolicyDocument } from './policy/policy-document.js';
import { isInUse, listAll } from './store-helpers.js';

type Ops = typeof operations;

type PolicyOut = OutputOf<Ops['GetPolicy']>['Policy'];

/**
 * Stores the built-in policies, or brings them back to their shipped form. Idempotent and safe when
 * several servers start at once.
 */
export async function ensureBuiltInPolicies(d: IdentityDeps): Promise<void> {
  const policies = d.store.collection(policiesSpec);
  for (const b of builtInPolicies) {
    const now = d.clock.now();
    const want: PolicyRecord = { policyName: b.name, arn: policyArn(d.partition, b.name), description: b.description, document: b.document, builtIn: true, createdAt: now, updatedAt: now };
    const cur = await policies.get(b.name);
    if (!cur) {
      await policies.insert(want).catch((e: unknown) => {
        if (!isInUse(e)) throw e;
      });
    } else if (!cur.value.builtIn || cur.value.document !== b.document || cur.value.description !== b.description) {
      await policies.update(b.name, cur.version, { ...want, createdAt: cur.value.createdAt });
    }
  }
}

export async function createPolicy(d: IdentityDeps, input: InputOf<Ops['CreatePolicy']>): Promise<OutputOf<Ops['CreatePolicy']>> {
  const name = assertResourceName('PolicyName', input.PolicyName, iamNamePattern, 128);
  parsePolicyDocument(input.PolicyDocument);
  const now = d.clock.now();
  const rec: PolicyRecord = {
    policyName: name,
    arn: policyArn(d.partition, name),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    document: input.PolicyDocument,
    builtIn: false,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await d.store.collection(policiesSpec).insert(rec);
  } catch (e) {
    throw isInUse(e) ? new ResourceInUseError(`Policy '${name}' already exists.`) : e;
  }
  return { Policy: toPolicyOutput(rec, 0) };
}

export async function getPolicy(d: IdentityDeps, input: InputOf<Ops['GetPolicy']>): Promise<OutputOf<Ops['GetPolicy']>> {
  const p = await requirePolicy(d.store, input.PolicyName);
  const n = await d.store.collection(userPoliciesSpec).count([{ field: 'policyName', op: 'eq', value: p.value.policyName }]);
  return { Policy: toPolicyOutput(p.value, n) };
}

export async function listPolicies(d: IdentityDeps, input: InputOf<Ops['ListPolicies']>): Promise<OutputOf<Ops['ListPolicies']>> {
  const maxResults = clampMaxResults(input.MaxResults, 100);
  const page = await d.store.collection(policiesSpec).list({ maxResults, ...(input.NextToken ? { nextToken: input.NextToken } : {}) });
  const names = page.items.map((p) => p.value.policyName);
  const counts = new Map<string, number>();
  if (names.length > 0) {
    for (const a of await listAll(d.store.collection(userPoliciesSpec), { filters: [{ field: 'policyName', op: 'in', value: names }] })) {
      counts.set(a.value.policyName, (counts.get(a.value.policyName) ?? 0) + 1);
    }
  }
  return {
    Policies: page.items.map((p) => toPolicyOutput(p.value, counts.get(p.value.policyName) ?? 0)),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
}

export async function deletePolicy(d: IdentityDeps, input: InputOf<Ops['DeletePolicy']>): Promise<OutputOf<Ops['DeletePolicy']>> {
  await d.store.transaction(async (tx) => {
    const p = await requirePolicy(tx, input.PolicyName);
    if (p.value.builtIn) {
      throw new ValidationError(`Policy '${input.PolicyName}' is built in and cannot be deleted.`, [{ path: '/PolicyName', message: 'is a built-in policy' }]);
    }
    const n = await tx.collection(userPoliciesSpec).count([{ field: 'policyName', op: 'eq', value: input.PolicyName }]);
    if (n > 0) throw new ResourceInUseError(`Policy '${input.PolicyName}' is attached to ${n} user${n === 1 ? '' : 's'}; detach it first.`);
    await tx.collection(policiesSpec).delete(input.PolicyName, p.version);
    await tx.tags.clear(p.value.arn);
  });
  return {};
}

export async function attachUserPolicy(d: IdentityDeps, input: InputOf<Ops['AttachUserPolicy']>): Promise<OutputOf<Ops['AttachUserPolicy']>> {
  await d.store.transaction(async (tx) => {
    await requireUser(tx, input.UserName);
    await requirePolicy(tx, input.PolicyName);
    const links = tx.collection(userPoliciesSpec);
    const id = attachmentId(input.UserName, input.PolicyName);
    // Attaching twice is not an error in IAM either.
    if (!(await links.get(id))) await links.insert({ id, userName: input.UserName, policyName: input.PolicyName, attachedAt: d.clock.now() });
  });
  return {};
}

export async function detachUserPolicy(d: IdentityDeps, input: InputOf<Ops['DetachUserPolicy']>): Promise<OutputOf<Ops['DetachUserPolicy']>> {
  await d.store.transaction(async (tx) => {
    await requireUser(tx, input.UserName);
    await requirePolicy(tx, input.PolicyName);
    if (!(await tx.collection(userPoliciesSpec).delete(attachmentId(input.UserName, input.PolicyName)))) {
      throw new LoamError('ResourceNotFound', `Policy '${input.PolicyName}' is not attached to user '${input.UserName}'.`);
    }
  });
  return {};
}

export async function listAttachedUserPolicies(d: IdentityDeps, input: InputOf<Ops['ListAttachedUserPolicies']>): Promise<OutputOf<Ops['ListAttachedUserPolicies']>> {
  await requireUser(d.store, input.UserName);
  const rows = await listAll(d.store.collection(userPoliciesSpec), { filters: [{ field: 'userName', op: 'eq', value: input.UserName }] });
  return { AttachedPolicies: rows.map((r) => ({ PolicyName: r.value.policyName, PolicyArn: policyArn(d.partition, r.value.policyName) })) };
}

/** The parsed documents of every policy attached to a user; none for an unknown user. */
export async function policiesOf(d: IdentityDeps, userName: string): Promise<PolicyDocument[]> {
  const rows = await listAll(d.store.collection(userPoliciesSpec), { filters: [{ field: 'userName', op: 'eq', value: userName }] });
  const policies = d.store.collection(policiesSpec);
  const out: PolicyDocument[] = [];
  for (const r of rows) {
    const p = await policies.get(r.value.policyName);
    if (p) out.push(parsePolicyDocument(p.value.document));
  }
  return out;
}

async function requirePolicy(store: MetadataStore, name: string): Promise<Versioned<PolicyRecord>> {
  const p = await store.collection(policiesSpec).get(name);
  if (!p) throw new NotFoundError('Policy', name);
  return p;
}

function attachmentId(userName: string, policyName: string): string {
  return `${userName}/${policyName}`;
}

function toPolicyOutput(p: PolicyRecord, attachments: number): PolicyOut {
  return {
    PolicyName: p.policyName,
    Arn: p.arn,
    ...(p.description !== undefined ? { Description: p.description } : {}),
    PolicyDocument: p.document,
    CreateDate: toSeconds(p.createdAt),
    UpdateDate: toSeconds(p.updatedAt),
    AttachmentCount: attachments,
    IsBuiltIn: p.builtIn,
  };
}
