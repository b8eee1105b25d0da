import { LoamError } from '../kernel/errors.js';
import type { Collection, Filter, ListQuery, Versioned } from '../ports/metadata-store.js';

/** Every record matching `query`, following NextToken to the end. For small sets (a user's keys). */
export async function listAll<T>(c: Collection<T>, query: Omit<ListQuery<T>, 'nextToken' | 'maxResults'> = {}): Promise<Versioned<T>[]> {
  const out: Versioned<T>[] = [];
  let nextToken: string | undefined;
  do {
    const page = await c.list({ ...query, maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
    out.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** Deletes every record matching `filters`; returns how many went. */
export async function deleteWhere<T>(c: Collection<T>, filters: readonly Filter<T>[]): Promise<number> {
  let n = 0;
  for (const r of await listAll(c, { filters })) {
    if (await c.delete(String(r.value[c.spec.key]))) n++;
  }
  return n;
}

/**
 * Read-modify-write under optimistic concurrency: re-reads and re-applies `change` when another
 * writer got in first. Returns undefined when the record does not exist (or vanished meanwhile).
 */
export async function updateWith<T>(c: Collection<T>, key: string, change: (current: T) => T, attempts = 5): Promise<Versioned<T> | undefined> {
  for (let i = 0; ; i++) {
    const cur = await c.get(key);
    if (!cur) return undefined;
    try {
      return await c.update(key, cur.version, change(cur.value));
    } catch (e) {
      if (e instanceof LoamError && e.code === 'ConflictException' && i + 1 < attempts) continue;
      if (e instanceof LoamError && e.code === 'ResourceNotFound') return undefined;
      throw e;
    }
  }
}

/** True for the error a store throws when a write lost an optimistic-concurrency race. */
export function isConflict(e: unknown): boolean {
  return e instanceof LoamError && e.code === 'ConflictException';
}

/**
 * The store cannot write now (a full disk, a database restarting). Bookkeeping a read-only request
 * does on the side (a token's LastUsedDate, a session's sliding expiry) is skipped then, so the
 * request itself is still served.
 */
export function isUnavailable(e: unknown): boolean {
  return e instanceof LoamError && e.code === 'ServiceUnavailable';
}

export function isInUse(e: unknown): boolean {
  return e instanceof LoamError && e.code === 'ResourceInUse';
}
