import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import * as tar from 'tar';

/** Unpacks a .tar.gz into `into`; entries may not leave it and links are skipped (as stage-model does). */
export async function extractArchive(archive: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  const root = resolve(into) + sep;
  await tar.x({
    file: archive, cwd: into, strict: true, preservePaths: false, preserveOwner: false,
    filter: (path, entry) => {
      const type = (entry as { type?: string }).type;
      if (type === 'SymbolicLink' || type === 'Link') return false;
      return resolve(into, path).startsWith(root);
    },
  });
}

/** The single file a channel staged (the model or source archive), if any. */
export function onlyFile(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile());
  return files.length > 0 ? join(dir, (files[0] as { name: string }).name) : undefined;
}

/** Every file under `dir`, as paths relative to it, sorted (the order outputs are produced in). */
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
  return out.sort();
}
