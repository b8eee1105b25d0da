import { sql, type RawBuilder } from 'kysely';
import { isStorableText, type NumericOp, type StringOp } from '@loam/core';
import type { SqlDialect } from '../dialects/sql-dialect.js';

/**
 * How this database spells MLflow's LIKE (case-sensitive, no escape character) and ILIKE. Probed
 * once at open, so no code asks which database it is: where `'a' LIKE 'A'` holds (SQLite), LIKE
 * becomes GLOB; where a backslash escapes in LIKE (PostgreSQL), `ESCAPE ''` turns that off.
 */
export interface SqlTraits {
  readonly likeIgnoresCase: boolean;
  readonly likeHasDefaultEscape: boolean;
  /** How bind parameters are written in raw SQL: `?` or `$1`. */
  readonly placeholders: 'question' | 'dollar';
}

export async function probeTraits(d: SqlDialect): Promise<SqlTraits> {
  const r = await sql<{ ci: unknown; esc: unknown }>`select (case when 'a' like 'A' then 1 else 0 end) as ci, (case when 'a_' like 'a\\_' then 1 else 0 end) as esc`.execute(d.db);
  const row = r.rows[0]!;
  const placeholders = sql`select ${1}`.compile(d.db).sql.includes('$1') ? 'dollar' : 'question';
  return { likeIgnoresCase: Number(row.ci) === 1, likeHasDefaultEscape: Number(row.esc) === 1, placeholders };
}

function glob(pattern: string): string {
  let out = '';
  for (const ch of pattern) out += ch === '%' ? '*' : ch === '_' ? '?' : ch === '*' || ch === '?' || ch === '[' ? `[${ch}]` : ch;
  return out;
}

/**
 * Whether `s` holds U+0000 or an unpaired surrogate. No stored text does (the store refuses both;
 * PostgreSQL cannot bind NUL, and each database would turn a surrogate into U+FFFD and match that), so a
 * condition on such a string is decided here instead of being sent to the database.
 */
export const unstorable = (s: string): boolean => !isStorableText(s);

/** A condition no row meets. */
export const NEVER = sql`1 = 0`;

/** A string comparison on `col` (=, !=, LIKE, ILIKE). */
export function stringCondition(d: SqlDialect, traits: SqlTraits, col: RawBuilder<unknown>, op: StringOp, value: string): RawBuilder<unknown> {
  // Every stored value differs from such a string and matches no pattern holding it.
  if (unstorable(value)) return op === '!=' ? sql`${col} is not null` : NEVER;
  const esc = traits.likeHasDefaultEscape ? sql` escape ''` : sql``;
  switch (op) {
    case '=':
      return sql`${col} = ${value}`;
    case '!=':
      return sql`${col} <> ${value}`;
    case 'LIKE':
      return traits.likeIgnoresCase ? sql`${col} glob ${glob(value)}` : sql`${col} like ${value}${esc}`;
    case 'ILIKE':
      return sql`${d.caseFold(col)} like ${d.caseFold(sql`${value}`)}${esc}`;
  }
}

const NUMERIC_SQL: Record<NumericOp, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

export function numericCondition(col: RawBuilder<unknown>, op: NumericOp, value: number): RawBuilder<unknown> {
  return sql`${col} ${sql.raw(NUMERIC_SQL[op])} ${value}`;
}
