import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ArchiveRefused, extractTarGz } from '../runner/archive-extract.js';
import { sortByBytes } from '../runner/byte-order.js';

/** Unpacks a .tar.gz into `into` (see extractTarGz: entries may not leave it, bombs are refused, links are skipped). */
export async function extractArchive(archive: string, into: string): Promise<void> {
  await extractTarGz(archive, into);
}

/** A failed extraction as a FailureReason: refused (naming the entry or the limit) or unreadable. */
export function archiveProblem(what: string, e: unknown): string {
  return e instanceof ArchiveRefused ? `${what} was refused: ${e.message}.` : `${what} is not a readable .tar.gz archive: ${(e as Error).message}`;
}

/** The single file a channel staged (the model or source archive), if any. */
export function onlyFile(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile());
  return files.length > 0 ? join(dir, (files[0] as { name: string }).name) : undefined;
}

/**
 * Every file under `dir`, as paths relative to it, sorted by their UTF-8 bytes (the order outputs are
 * produced in): S3's key order, which staging lists the input in.
 */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else if (d.isFile()) out.push(r);
    }
  };
  walk('');
  return sortByBytes(out, (f) => f);
}
