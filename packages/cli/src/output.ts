/**
 * Prints a result: JSON with `--json` (as the API answered it), else a readable YAML-ish rendering in
 * which epoch timestamps (*Time, *Timestamp, *Date) are ISO 8601.
 */
export function printResult(value: unknown, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  process.stdout.write(render(value, 0) + '\n');
}

/** A field named *Time, *Timestamp or *Date (IAM's CreateDate) holding epoch seconds (or, past 1e11, milliseconds: MLflow's). */
function timestamp(key: string, x: unknown): string | undefined {
  if (typeof x !== 'number' || !/(Time|Timestamp|Date)$/.test(key) || !Number.isFinite(x) || x < 1e8) return undefined;
  const d = new Date(x < 1e11 ? x * 1000 : x);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function render(v: unknown, depth: number): string {
  const pad = '  '.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return `${pad}(none)`;
    return v.map((x) => `${pad}- ${render(x, depth + 1).trimStart()}`).join('\n');
  }
  if (v && typeof v === 'object') {
    // A member left undefined is absent, as in the JSON output (never the word 'undefined').
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    // An empty result (a Delete…) is OK; an empty object under a key is shown as such, under it.
    if (entries.length === 0) return depth === 0 ? 'OK' : `${pad}(empty)`;
    return entries
      .map(([k, x]) => (x && typeof x === 'object' ? `${pad}${k}:\n${render(x, depth + 1)}` : `${pad}${k}: ${timestamp(k, x) ?? String(x)}`))
      .join('\n');
  }
  return `${pad}${String(v)}`;
}

/** One JSON Lines record (`--json` while following a job): an event and its fields. */
export function printRecord(event: string, fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

/**
 * `Error [Code]: message`, with field details under it; JSON on stderr with `--json`. A plain Error
 * without a code (nothing the CLI or the server raised on purpose) is `Error: message`.
 */
export function printError(e: unknown, json: boolean): void {
  const err = e as { code?: string; name?: string; message?: string; fields?: { path: string; message: string }[] };
  const code = typeof err.code === 'string' ? err.code : err.name && err.name !== 'Error' ? err.name : undefined;
  if (json) {
    process.stderr.write(JSON.stringify({ error: { code: code ?? 'Error', message: err.message ?? String(e), fields: err.fields ?? [] } }) + '\n');
    return;
  }
  process.stderr.write(`${code ? `Error [${code}]` : 'Error'}: ${err.message ?? String(e)}\n`);
  for (const f of err.fields ?? []) process.stderr.write(`  ${f.path}: ${f.message}\n`);
}
