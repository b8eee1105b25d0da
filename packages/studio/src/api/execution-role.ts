/**
 * The execution role Studio's create forms propose. Loam records a job's `RoleArn` (a model's
 * `ExecutionRoleArn`) but has no roles yet: a job reads and writes with its caller's own permissions
 * (ADR 0019). So the proposal is a name, not a lookup: `LoamExecution` (the role `loam train` and `loam
 * tune` record by default) in the signed-in user's partition and account, or the role this user last
 * submitted from Studio in this account. The user may type any other.
 */

/** The role name `loam train --role` and `loam tune --role` default to. */
export const executionRoleName = 'LoamExecution';

interface Who {
  readonly arn?: string | undefined;
  readonly accountId?: string | undefined;
}

/** `arn:<partition>:iam::<account>:role/LoamExecution`, partition and account from the session. */
export function defaultExecutionRole(who: Who): string {
  const m = /^arn:([^:]+):[^:]*:[^:]*:(\d{12}):/.exec(who.arn ?? '');
  const partition = m?.[1] ?? 'loam';
  const account = who.accountId ?? m?.[2] ?? '000000000000';
  return `arn:${partition}:iam::${account}:role/${executionRoleName}`;
}

/** Whether a form leaf (a dotted path) names an execution role: `RoleArn`, `TrainingJobDefinition.RoleArn`, `ExecutionRoleArn`. */
export function isRoleLeaf(name: string): boolean {
  return /(^|\.)(Execution)?RoleArn$/.test(name);
}

/**
 * Whether a form proposes a role for a leaf left empty: the API needs it (training, processing, a tuning
 * job's definition), or the leaf is a model's `ExecutionRoleArn`, which SageMaker's console and Python
 * SDK ask for on every model although the API leaves it optional.
 */
export function proposesRole(operation: string, leaf: { readonly name: string; readonly required: boolean }): boolean {
  if (!isRoleLeaf(leaf.name)) return false;
  return leaf.required || (operation === 'CreateModel' && leaf.name === 'ExecutionRoleArn');
}

const recentKey = (who: Who) => `loam.studio.roles.${who.arn ?? who.accountId ?? 'anonymous'}`;
const keep = 5;

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    // Storage refused (a sandboxed frame, privacy settings): nothing is remembered.
    return undefined;
  }
}

/** Roles this user submitted from Studio, most recent first (kept in this browser only). */
export function recentRoles(who: Who, store: Pick<Storage, 'getItem'> | undefined = storage()): string[] {
  try {
    const v: unknown = JSON.parse(store?.getItem(recentKey(who)) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, keep) : [];
  } catch {
    return [];
  }
}

/** Remembers roles a form was submitted with, so the next form proposes the last one. */
export function rememberRoles(who: Who, roles: readonly string[], store: Pick<Storage, 'getItem' | 'setItem'> | undefined = storage()): void {
  const used = roles.map((r) => r.trim()).filter((r) => r !== '');
  if (used.length === 0 || !store) return;
  const next = [...new Set([...used, ...recentRoles(who, store)])].slice(0, keep);
  try {
    store.setItem(recentKey(who), JSON.stringify(next));
  } catch {
    // Full or refused: the proposal falls back to the account's default role.
  }
}

/** What a form offers: the role it fills in, and the choices its field lists (the default always among them). */
export function roleChoices(who: Who, recent: readonly string[]): { proposed: string; choices: string[] } {
  const fallback = defaultExecutionRole(who);
  return { proposed: recent[0] ?? fallback, choices: [...new Set([...recent, fallback])] };
}

/** Fills each role leaf the form proposes a role for and the page left empty; everything else is kept. */
export function withProposedRole<V>(operation: string, leaves: readonly { readonly name: string; readonly required: boolean }[], values: Readonly<Record<string, V | string>>, role: string): Record<string, V | string> {
  const out: Record<string, V | string> = { ...values };
  for (const f of leaves) {
    const v = out[f.name];
    if (proposesRole(operation, f) && (v === undefined || v === '')) out[f.name] = role;
  }
  return out;
}
