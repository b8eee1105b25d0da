import type { OnlineIndexInspection, OnlineIndexState, SqlStoreInspection } from '@loam/adapters';

/** One online index in `loam doctor`'s report (its JSON lists each). */
export interface OnlineIndexReport {
  readonly store: string;
  readonly name: string;
  readonly table: string;
  readonly state: OnlineIndexState;
}

const SAYS: Record<Exclude<OnlineIndexState, 'valid'>, string> = {
  building: 'building (an online build is running: a Loam server starting, or by hand; progress in pg_stat_progress_create_index)',
  missing: 'missing',
  invalid: 'INVALID (a build was interrupted; queries do not use it)',
};

/**
 * The indexes PostgreSQL builds online (CREATE INDEX CONCURRENTLY after the migrations, ADR 0003) of the stores
 * that have them, as one finding: a missing or INVALID index fails it (lists and searches read whole tables
 * without it) with the next step, a restart, which builds it online, or the statements to run by hand; one being
 * built is information. Undefined where no store reports any (SQLite, an empty store).
 */
export function onlineIndexFinding(type: string, stores: readonly { readonly store: string; readonly inspection: SqlStoreInspection }[]) {
  const all: (OnlineIndexInspection & { store: string })[] = stores.flatMap((s) => (s.inspection.onlineIndexes ?? []).map((x) => ({ ...x, store: s.store })));
  if (stores.every((s) => s.inspection.onlineIndexes === undefined)) return undefined;
  const indexes: OnlineIndexReport[] = all.map((x) => ({ store: x.store, name: x.name, table: x.table, state: x.state }));
  const valid = all.filter((x) => x.state === 'valid').length;
  const others = all.filter((x) => x.state !== 'valid');
  const broken = others.filter((x) => x.sql !== undefined);
  const parts = [`${type}: ${valid} of ${all.length} valid`];
  for (const x of others) parts.push(`${x.name} (${x.store}, table ${x.table}): ${SAYS[x.state as Exclude<OnlineIndexState, 'valid'>]}`);
  let detail = parts.join('; ');
  if (broken.length > 0) {
    detail += `. Restart a Loam server (\`loam up\`): its start builds ${broken.length === 1 ? 'it' : 'them'} online (writes go on), ` +
      `or run, each outside a transaction: ${broken.flatMap((x) => x.sql ?? []).join(' ')}`;
  }
  return { name: 'online indexes', ok: broken.length === 0, detail, indexes };
}
