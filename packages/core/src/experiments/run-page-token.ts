import { isStorableText, type RunInfoRecord, type RunOrderClause, type RunPosition, type RunRecord, type RunSortValue } from '../ports/experiment-store.js';
import { decodeKeysetToken, encodeKeysetToken, type KeysetPageStart } from './keyset-page-token.js';
import { refusePageToken } from './tracking-rules.js';
import type { TokenRefusal } from './keyset-page-token.js';

const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time']);

/** A run's attribute by MLflow's name (`run_id`, `start_time`, …), as search_runs orders and filters by it. */
export function runAttribute(info: RunInfoRecord, key: string): string | number | undefined {
  switch (key) {
    case 'run_id': return info.runId;
    case 'run_name': return info.runName;
    case 'status': return info.status;
    case 'user_id': return info.userId;
    case 'artifact_uri': return info.artifactUri;
    case 'start_time': return info.startTime;
    case 'end_time': return info.endTime;
    default: return undefined;
  }
}

/** A run's value of one order term, as the store orders it (a metric's is its latest value). */
function sortValue(r: RunRecord, o: RunOrderClause): RunSortValue {
  const v = o.kind === 'metric' ? r.metrics.find((m) => m.key === o.key)?.value
    : o.kind === 'param' ? r.params.find((p) => p.key === o.key)?.value
      : o.kind === 'tag' ? r.tags.find((t) => t.key === o.key)?.value : runAttribute(r.info, o.key);
  if (v === undefined) return { absent: true };
  if (typeof v === 'number' && Number.isNaN(v)) return { nan: true };
  return { value: v };
}

// JSON holds no ±Infinity (a metric may be): those are written as ['inf', ±1].
const encodeValue = (v: RunSortValue): unknown[] => ('nan' in v ? ['nan'] : 'absent' in v ? ['absent'] : typeof v.value === 'number' && !Number.isFinite(v.value) ? ['inf', Math.sign(v.value)] : ['v', v.value]);

function decodeValue(x: unknown, o: RunOrderClause): RunSortValue | undefined {
  if (!Array.isArray(x)) return undefined;
  const numeric = o.kind === 'metric' || (o.kind === 'attribute' && NUMERIC_ATTRIBUTES.has(o.key));
  if (x.length === 1 && x[0] === 'absent') return { absent: true };
  if (x.length === 1 && x[0] === 'nan') return o.kind === 'metric' ? { nan: true } : undefined;
  if (x.length === 2 && x[0] === 'inf' && (x[1] === 1 || x[1] === -1)) return o.kind === 'metric' ? { value: x[1] * Infinity } : undefined;
  if (x.length !== 2 || x[0] !== 'v') return undefined;
  const v: unknown = x[1];
  // A start or end time is a whole millisecond (an integer column: PostgreSQL's bigint refuses '1.5' with a database error).
  if (numeric) return typeof v === 'number' && (o.kind === 'metric' ? Number.isFinite(v) : Number.isSafeInteger(v)) ? { value: v } : undefined;
  return typeof v === 'string' && isStorableText(v) ? { value: v } : undefined;
}

const orderText = (orderBy: readonly RunOrderClause[]) => JSON.stringify(orderBy.map((o) => [o.kind, o.key, o.ascending]));
const isOrder = (text: string): boolean => {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((t) => Array.isArray(t) && t.length === 3 && typeof t[0] === 'string' && typeof t[1] === 'string' && typeof t[2] === 'boolean');
  } catch {
    return false;
  }
};

/**
 * search_runs' page token, a keyset token (keyset-page-token.ts): the last run's value of each order_by term (a
 * value, NaN or none: runs without one sort last either way), then its start time and id (the tie-breaks). MLflow
 * pages by an offset, so a run deleted (or leaving the view) from a page read moved the next page a run on.
 */
export function encodeRunPageToken(orderBy: readonly RunOrderClause[], last: RunRecord): string {
  return encodeKeysetToken(orderText(orderBy), { values: orderBy.map((o) => encodeValue(sortValue(last, o))), startTime: last.info.startTime, runId: last.info.runId });
}

/** A run's keyset position in the order, as its page token holds it: its value of each order_by term, its start time and id. */
export function runPosition(orderBy: readonly RunOrderClause[], r: RunRecord): RunPosition {
  return { values: orderBy.map((o) => sortValue(r, o)), startTime: r.info.startTime, runId: r.info.runId };
}

/**
 * Where a page of runs starts; MLflow's own offset tokens are served once.
 * @throws what `refuse` throws (by default MLflow's INVALID_PARAMETER_VALUE naming page_token) when the token is not
 *   one a search issued, or was issued for another order_by.
 */
export function decodeRunPageToken(token: string | undefined, orderBy: readonly RunOrderClause[], refuse: (why: TokenRefusal) => never = refusePageToken(token ?? '')): KeysetPageStart<RunPosition> {
  return decodeKeysetToken(token, {
    order: orderText(orderBy), isOrder, refuse,
    read: (v) => {
      const a = v as { values?: unknown; startTime?: unknown; runId?: unknown } | null;
      if (typeof a !== 'object' || a === null || !Array.isArray(a.values) || a.values.length !== orderBy.length) return undefined;
      const values = orderBy.map((o, i) => decodeValue((a.values as unknown[])[i], o));
      if (values.some((x) => x === undefined) || !Number.isSafeInteger(a.startTime) || typeof a.runId !== 'string' || a.runId === '' || !isStorableText(a.runId)) return undefined;
      return { values: values as RunSortValue[], startTime: a.startTime as number, runId: a.runId };
    },
  });
}
