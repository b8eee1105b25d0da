import { operationList, pathParams } from '@loam/contracts';

/** One API call this browser made: the Studio's own activity, shown in its log viewer. */
export interface ActivityEntry {
  readonly id: number;
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly operation?: string;
  readonly status: number | 'failed' | 'cancelled';
  readonly ms: number;
}

const routes = operationList.map((op) => ({
  name: op.name,
  method: op.rest.method,
  re: new RegExp(`^${op.rest.path.replace(/\{[A-Za-z0-9]+\}/g, '[^/]+')}$`),
  params: pathParams(op.rest.path).length,
}));

/** `PUT /api/v1/users/ana/policies/x` → `AttachUserPolicy`; the most specific binding wins. */
export function operationFor(method: string, path: string): string | undefined {
  return routes.filter((r) => r.method === method && r.re.test(path)).sort((a, b) => a.params - b.params)[0]?.name;
}

type Listener = () => void;

/** A bounded, subscribable log of API calls (newest last), for `useSyncExternalStore`. */
export function createActivityLog(limit = 500) {
  let entries: readonly ActivityEntry[] = [];
  let next = 1;
  const listeners = new Set<Listener>();
  return {
    add(e: Omit<ActivityEntry, 'id' | 'operation'>): void {
      const op = operationFor(e.method, e.path);
      entries = [...entries.slice(-(limit - 1)), { ...e, id: next++, ...(op ? { operation: op } : {}) }];
      for (const l of listeners) l();
    },
    subscribe(l: Listener): () => void {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    snapshot: (): readonly ActivityEntry[] => entries,
  };
}
