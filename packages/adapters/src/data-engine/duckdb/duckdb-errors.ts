import { ValidationError } from '@loam/core';

/**
 * DuckDB's messages are long (a dialect dump and "possible fixes"); the first lines say what went
 * wrong and where. Paths inside are local staging paths, which mean nothing to a caller: `label`
 * replaces them.
 */
export function engineError(e: unknown, paths: readonly string[], labels: readonly string[]): ValidationError {
  let text = e instanceof Error ? e.message : String(e);
  paths.forEach((p, i) => {
    text = text.split(p).join(labels[i] ?? 'the source');
  });
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const kept: string[] = [];
  for (const l of lines) {
    if (/^Possible (fixes|Solution)/i.test(l) || /^(file|delimiter|quote|escape|new_line|header|skip_rows|comment|strict_mode|date_format|timestamp_format|null_padding|sample_size|ignore_errors|all_varchar) =/.test(l)) break;
    if (/^LINE \d+:/.test(l)) break;
    kept.push(l.length > 300 ? `${l.slice(0, 300)}…` : l);
    if (kept.length >= 4) break;
  }
  const message = kept.join(' ').replace(/^(Invalid Input|Binder|Conversion|Parser|Catalog) Error: /, '');
  return new ValidationError(`Data engine: ${message}`);
}
