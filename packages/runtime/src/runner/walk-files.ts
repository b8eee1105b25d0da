import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sortByBytes } from './byte-order.js';

/**
 * Files under a directory (regular files only; links are not followed), as relative paths with `/`,
 * sorted by their UTF-8 bytes: never the file system's listing order, so whatever reads them in this
 * order (a built-in algorithm's channel rows) reads them the same on every machine.
 */
export function walkFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  visit(root);
  return sortByBytes(out, (f) => f);
}
