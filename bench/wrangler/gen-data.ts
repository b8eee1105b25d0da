/**
 * Writes bench/.data/wrangler_<rows>.csv with DuckDB (deterministic: every value is a hash of the row
 * number). Columns: id, a (10 % missing), b, c (heavy-tailed), cat (5 values + 5 % missing), txt, y.
 * Run: node_modules/.bin/tsx bench/wrangler/gen-data.ts [ROWS=10000000]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbDataEngine } from '../../packages/adapters/src/data-engine/duckdb/duckdb-data-engine.js';

const rows = Number(process.argv[2] ?? 10_000_000);
const dir = join(import.meta.dirname, '../.data');
mkdirSync(dir, { recursive: true });
const path = join(dir, `wrangler_${rows}.csv`);
if (existsSync(path)) {
  console.log(path);
  process.exit(0);
}
const u = (salt: number) => `(hash(i * 7919 + ${salt}) % 1000000)::DOUBLE / 1000000`;
const sql = `SELECT i AS id,
  CASE WHEN ${u(1)} < 0.1 THEN NULL ELSE round(${u(2)} * 200 - 100, 4) END AS a,
  round(${u(3)} * 10, 4) AS b,
  round(pow(${u(4)} + 0.001, -1.5), 4) AS c,
  CASE WHEN ${u(5)} < 0.05 THEN NULL ELSE ['Red','Green','Blue','Black','White'][1 + (hash(i + 11) % 5)::INT] END AS cat,
  'Item-' || (hash(i + 13) % 1000)::VARCHAR || '-ABC' AS txt,
  (hash(i + 17) % 2)::INT AS y
FROM range(${rows}) t(i)`;
const engine = new DuckDbDataEngine();
await engine.copyTo(sql, {}, { path, format: 'csv' });
console.log(path);
