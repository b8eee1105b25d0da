import { isStorableText, type ExperimentOrderClause, type ExperimentPosition, type ExperimentRecord } from '../ports/experiment-store.js';
import { decodeKeysetToken, encodeKeysetToken, type KeysetPageStart } from './keyset-page-token.js';
import { refusePageToken } from './tracking-rules.js';

const KEY = '(name|experiment_id|creation_time|last_update_time):(asc|desc)';
const ORDER = new RegExp(`^${KEY}(,${KEY})*$`);
const orderText = (orderBy: readonly ExperimentOrderClause[]) => orderBy.map((o) => `${o.key}:${o.ascending ? 'asc' : 'desc'}`).join(',');

const valueOf = (e: ExperimentRecord, key: ExperimentOrderClause['key']): string | number =>
  key === 'name' ? e.name : key === 'experiment_id' ? Number(e.experimentId) : key === 'creation_time' ? e.creationTime : e.lastUpdateTime;

/**
 * search_experiments' (and ListExperiments') page token, a keyset token (keyset-page-token.ts): the last
 * experiment's value of each order key, then its id. MLflow pages by an offset, so an experiment deleted (or
 * leaving the view) from a page read moved the next page a row on; MLflow's own tokens are still served.
 */
export function encodeExperimentPageToken(orderBy: readonly ExperimentOrderClause[], last: ExperimentRecord): string {
  return encodeKeysetToken(orderText(orderBy), [...orderBy.map((o) => valueOf(last, o.key)), Number(last.experimentId)]);
}

/** An experiment's keyset position in the order, as its page token holds it: its value of each order key, then its id. */
export function experimentPosition(orderBy: readonly ExperimentOrderClause[], e: ExperimentRecord): ExperimentPosition {
  return { values: orderBy.map((o) => valueOf(e, o.key)), experimentId: e.experimentId };
}

/**
 * Where a page of experiments starts.
 * @throws what `refuse` throws (by default MLflow's INVALID_PARAMETER_VALUE naming page_token) when the token is not
 *   one a search issued, or was issued for another order_by.
 */
export function decodeExperimentPageToken(token: string | undefined, orderBy: readonly ExperimentOrderClause[], refuse = refusePageToken(token ?? '')): KeysetPageStart<ExperimentPosition> {
  return decodeKeysetToken(token, {
    order: orderText(orderBy), isOrder: (o) => ORDER.test(o), refuse,
    read: (v) => {
      if (!Array.isArray(v) || v.length !== orderBy.length + 1) return undefined;
      const id: unknown = v[orderBy.length];
      const fits = orderBy.every((o, i) => (o.key === 'name' ? typeof v[i] === 'string' && isStorableText(v[i]) : Number.isSafeInteger(v[i])));
      if (!fits || !Number.isSafeInteger(id) || (id as number) < 0) return undefined;
      return { values: v.slice(0, orderBy.length) as (string | number)[], experimentId: String(id) };
    },
  });
}
