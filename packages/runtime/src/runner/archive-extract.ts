import { createReadStream, mkdirSync, statfsSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';

/**
 * An archive Loam will not unpack: an entry that would land outside the target directory (absolute
 * name, `..` segment), or an archive bomb (too many entries, or more bytes than the limits allow).
 * Checked over the whole archive before anything is written.
 */
export class ArchiveRefused extends Error {
  override readonly name = 'ArchiveRefused';
}

/** Bounds on what one archive may expand to. */
export interface ArchiveLimits {
  /** Most entries (files, directories, links) one archive may hold. */
  readonly maxEntries: number;
  /** Expanded bytes above which the compression ratio is checked (below it anything goes). */
  readonly ratioFloorBytes: number;
  /** Above `ratioFloorBytes`, the most expanded bytes per archive byte (a gzip bomb reaches ~1000). */
  readonly maxRatio: number;
  /** Bytes to leave free on the target's filesystem. */
  readonly reserveBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 100_000, ratioFloorBytes: 1024 ** 3, maxRatio: 100, reserveBytes: 256 * 1024 ** 2 };

const LINK_TYPES = new Set(['SymbolicLink', 'Link']);

/** Why a name (an entry's path or a link's target) could leave the directory, or undefined. */
function escapes(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL character';
  if (/^[/\\]/.test(name) || /^[a-zA-Z]:/.test(name)) return 'is an absolute path';
  if (name.split(/[/\\]/).includes('..')) return "has a '..' segment";
  return undefined;
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/**
 * The most bytes `compressed` bytes may expand to in `dir`: `maxRatio` times as many (anything up to
 * `ratioFloorBytes`), and never more than the free space there less `reserveBytes`.
 */
export function expansionCap(compressed: number, dir: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): number {
  return Math.min(Math.max(limits.ratioFloorBytes, compressed * limits.maxRatio), Math.max(0, freeBytes(dir) - limits.reserveBytes));
}

/** How a refused expansion reads: which bound it passed — the archive's ratio, or the disk's free space. */
export function expansionRefusal(cap: number, compressed: number, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): string {
  const byRatio = Math.max(limits.ratioFloorBytes, compressed * limits.maxRatio);
  if (cap < byRatio) return `it expands to more than the ${cap} bytes the disk can take (free space less ${limits.reserveBytes} bytes kept free); free disk space, or use a larger volume`;
  return `it expands to more than ${cap} bytes (from ${compressed}: at most ${limits.maxRatio}× the archive above ${limits.ratioFloorBytes} bytes)`;
}

/** Reads every header of a .tar.gz (not its data) and throws ArchiveRefused at the first violation. */
function inspect(archive: string, into: string, limits: ArchiveLimits): Promise<void> {
  const compressed = statSync(archive).size;
  const byteCap = expansionCap(compressed, into, limits);
  return new Promise((resolve, reject) => {
    let entries = 0;
    let bytes = 0;
    let settled = false;
    const source = createReadStream(archive);
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      if (e) {
        source.destroy();
        reject(e);
      } else resolve();
    };
    const parser = new tar.Parser({
      strict: true,
      onReadEntry: (entry) => {
        entry.resume();
        if (settled) return;
        const type = String(entry.type);
        const why = escapes(entry.path);
        if (why) return finish(new ArchiveRefused(`entry '${entry.path}' ${why}`));
        if (LINK_TYPES.has(type)) return; // never written (see extractTarGz), wherever it points
        if (++entries > limits.maxEntries) return finish(new ArchiveRefused(`it has more than ${limits.maxEntries} entries`));
        bytes += entry.size ?? 0;
        if (bytes > byteCap) {
          return finish(new ArchiveRefused(expansionRefusal(byteCap, compressed, limits)));
        }
      },
    });
    parser.on('error', (e: Error) => finish(e));
    parser.on('end', () => finish());
    source.on('error', (e) => finish(e));
    source.pipe(parser);
  });
}

/** Whether a .tar.gz holds no entry at all: nothing, or only the zero blocks that end a tar (read up to the first other byte). */
function isEmptyTar(archive: string): Promise<boolean> {
  return new Promise((resolve) => {
    const source = createReadStream(archive);
    const gunzip = createGunzip();
    let done = false;
    const finish = (empty: boolean) => {
      if (done) return;
      done = true;
      source.destroy();
      gunzip.destroy();
      resolve(empty);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (chunk.some((b) => b !== 0)) finish(false);
    });
    gunzip.on('end', () => finish(true));
    gunzip.on('error', () => finish(false));
    source.on('error', () => finish(false));
    source.pipe(gunzip);
  });
}

/**
 * Unpacks a .tar.gz into `into` after checking all of it: any entry that would land outside `into`
 * (absolute, `..`) or an archive over the limits refuses the whole archive before a byte is written.
 * Links are skipped wherever they point, as they always were (listed by nobody: a source directory
 * with a virtualenv's `bin/python -> /usr/bin/python3` still unpacks); files are written owner-only
 * (directories 0700, files 0600 or 0700). An archive with no entry (an empty model directory's
 * model.tar.gz) unpacks to nothing.
 * @throws ArchiveRefused naming the entry or the limit; tar's own error when the archive is unreadable.
 */
export async function extractTarGz(archive: string, into: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<void> {
  mkdirSync(into, { recursive: true, mode: 0o700 });
  try {
    await inspect(archive, into, limits);
  } catch (e) {
    if ((e as { code?: string }).code === 'TAR_BAD_ARCHIVE' && (await isEmptyTar(archive))) return;
    throw e;
  }
  await tar.x({
    file: archive, cwd: into, strict: true, preservePaths: false, preserveOwner: false, dmode: 0o700,
    filter: (_path, entry) => {
      const e = entry as { type?: string; mode?: number };
      if (LINK_TYPES.has(String(e.type))) return false;
      e.mode = ((e.mode ?? 0o600) & 0o700) | 0o600;
      return true;
    },
  });
}
