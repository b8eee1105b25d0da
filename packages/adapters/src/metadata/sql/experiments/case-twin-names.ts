import { sql, type Kysely } from 'kysely';
import { asciiLower, type Logger } from '@loam/core';

/*
 * Names that differ only in the case of ASCII letters ("case twins") are one name to SageMaker (its names are
 * case-insensitive, and Loam's ARNs hold them with ASCII letters lower-cased, `sageMakerArnName`): they shared
 * one ARN, so one IAM resource and one set of tags. Before a unique index on lower(name) can be built, all but
 * one of each group are renamed. Nothing is dropped, and the one kept is the one that was already answering for
 * the ARN, so its tags and policies stay right: before names were case-insensitive, the resolvers looked up the
 * ARN's name exactly first, so the twin named as its ARN (ASCII letters in lower case, others as they are: `lab-É`,
 * not `Lab-É`) answered for it, whatever its age (`rank`). Names differing in a letter beyond ASCII (`Été`,
 * `été`) are no twins: two names, two ARNs (ADR 0009).
 *
 * `lower()` folds ASCII letters only on both dialects (SQLite's built-in lower; PostgreSQL's under the
 * columns' "C" collation), as `asciiLower` does in JavaScript.
 */

interface TwinTable {
  readonly table: 'mlflow_experiments' | 'sm_trials' | 'sm_trial_components';
  /** Columns read for each twin, besides `name`: the first twin by `rank`, then `order`, is kept. */
  readonly order: readonly string[];
  /** Lower ranks first (before `order`); without it, a twin named as its ARN (lower-cased) comes first. */
  readonly rank?: (row: Record<string, unknown>) => number;
  /** The new name of a twin, given the attempt (1, 2, …): must differ in more than case from every name. */
  readonly rename: (row: Record<string, unknown>, attempt: number) => string;
  /** Rows naming the twin elsewhere (trial links), renamed with it. */
  readonly references?: readonly { table: string; column: string }[];
}

/**
 * A twin named as its ARN's name (ASCII letters lower-cased, as `resourceArn` does) ranks first. `toLowerCase`
 * folded every letter, so a twin with a capital beyond ASCII (`lab-É`) never ranked as named as its ARN.
 */
export const namedAsArn = (row: Record<string, unknown>): number => ((row['name'] as string) === asciiLower(row['name'] as string) ? 0 : 1);

/** Renames every case twin but the first (by `rank`, then `order`) in `t.table`; logs each rename. */
export async function renameCaseTwins(db: Kysely<any>, t: TwinTable, log: Logger, label: string): Promise<void> {
  const groups = (await db.selectFrom(t.table).select(sql<string>`lower(name)`.as('folded')).groupBy(sql`lower(name)`).having(sql`count(*)`, '>', 1).execute()) as { folded: string }[];
  for (const { folded } of groups) {
    let q = db.selectFrom(t.table).select(['name', ...t.order]).where(sql`lower(name)`, '=', folded);
    for (const c of t.order) q = q.orderBy(c);
    const rank = t.rank ?? namedAsArn;
    // Array.prototype.sort is stable: `order` decides among twins of one rank.
    const rows = ((await q.execute()) as Record<string, unknown>[]).sort((a, b) => rank(a) - rank(b));
    const kept = rows[0]?.['name'] as string;
    for (const row of rows.slice(1)) {
      const old = row['name'] as string;
      let name = '';
      for (let attempt = 1; ; attempt++) {
        name = t.rename(row, attempt);
        const taken = await db.selectFrom(t.table).select('name').where(sql`lower(name)`, '=', asciiLower(name)).executeTakeFirst();
        if (!taken) break;
      }
      await db.updateTable(t.table).set({ name }).where('name', '=', old).execute();
      for (const r of t.references ?? []) await db.updateTable(r.table).set({ [r.column]: name }).where(r.column, '=', old).execute();
      log.warn({ table: t.table, name: old, renamedTo: name, kept, store: label }, 'renamed a name that differed from another only in letter case (SageMaker names are case-insensitive)');
    }
  }
}

/** `<name>-<n>` within SageMaker's 120 characters for a trial or trial component (n = attempt + 1). */
export const numberedEntityName = (row: Record<string, unknown>, attempt: number): string => {
  const suffix = `-${attempt + 1}`;
  return `${(row['name'] as string).slice(0, 120 - suffix.length)}${suffix}`;
};
