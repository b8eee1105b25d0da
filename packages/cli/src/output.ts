/** Prints a result: JSON with `--json`, else a readable YAML-ish rendering. */
export function printResult(value: unknown, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  process.stdout.write(render(value, 0) + '\n');
}

function render(v: unknown, depth: number): string {
  const pad = '  '.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return '(none)';
    return v.map((x) => `${pad}- ${render(x, depth + 1).trimStart()}`).join('\n');
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return 'OK';
    return entries
      .map(([k, x]) => (x && typeof x === 'object' ? `${pad}${k}:\n${render(x, depth + 1)}` : `${pad}${k}: ${String(x)}`))
      .join('\n');
  }
  return `${pad}${String(v)}`;
}

/** `Error [Code]: message`, with field details under it; JSON on stderr with `--json`. */
export function printError(e: unknown, json: boolean): void {
  const err = e as { code?: string; name?: string; message?: string; fields?: { path: string; message: string }[] };
  const code = err.code ?? err.name ?? 'Error';
  if (json) {
    process.stderr.write(JSON.stringify({ error: { code, message: err.message, fields: err.fields ?? [] } }) + '\n');
    return;
  }
  process.stderr.write(`Error [${code}]: ${err.message ?? String(e)}\n`);
  for (const f of err.fields ?? []) process.stderr.write(`  ${f.path}: ${f.message}\n`);
}
