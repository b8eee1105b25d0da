import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip } from 'node:zlib';

const decoders = { br: promisify(brotliDecompress), gzip: promisify(gunzip) } as const;

/** Files whose check is remembered; past it the memory is dropped whole (a dist holds a few hundred files). */
const REMEMBERED = 4096;

/** What tells one version of a file from another without reading it: a hand edit, a copy or a rebuild changes one of these. */
const versionOf = (s: Stats): string => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

/**
 * Whether a compressed copy beside a file (`x.js.br`, `x.js.gz`) still holds that file: it is sent in the file's place
 * only then. A copy is decoded once and compared with the file, byte for byte; the answer is remembered per copy until
 * the file or the copy changes (device, inode, size, mtime or ctime: what a stat of each, which the request makes
 * anyway, tells), so a request costs two stats. A file edited after the build (`dist/index.html` by hand) is then sent
 * as it is, not as the stale copy, from the next request on; so is one whose copy cannot be read or decoded. Decoding
 * stops past the file's size, so a copy that would expand further is refused without being expanded.
 */
export class PrecompressedCopies {
  private readonly checked = new Map<string, { readonly version: string; readonly matches: Promise<boolean> }>();

  /** Whether `file + ext` is a copy of `file` in `coding`; false when either is not a file. Never throws. */
  async matches(file: string, ext: string, coding: keyof typeof decoders): Promise<boolean> {
    const copy = file + ext;
    let version: string;
    try {
      const [original, compressed] = await Promise.all([stat(file), stat(copy)]);
      if (!original.isFile() || !compressed.isFile()) return false;
      version = `${versionOf(original)}|${versionOf(compressed)}`;
    } catch {
      return false;
    }
    const known = this.checked.get(copy);
    if (known?.version === version) return known.matches;
    const matches = decodesTo(file, copy, coding);
    if (this.checked.size >= REMEMBERED) this.checked.clear();
    this.checked.set(copy, { version, matches });
    return matches;
  }
}

async function decodesTo(file: string, copy: string, coding: keyof typeof decoders): Promise<boolean> {
  try {
    const [original, compressed] = await Promise.all([readFile(file), readFile(copy)]);
    // One byte more than the file may decode: enough to tell a longer content, no more.
    const decoded = await decoders[coding](compressed, { maxOutputLength: original.length + 1 });
    return decoded.equals(original);
  } catch {
    return false;
  }
}
