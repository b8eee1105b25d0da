import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Files under a directory (regular files only; links are not followed), as relative paths with `/`. */
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
  return out.sort();
}
