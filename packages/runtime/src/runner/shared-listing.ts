import { createHash } from 'node:crypto';
import { createWriteStream, linkSync, mkdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** One object a channel stages: where it is and the path it takes below the channel directory. */
export interface Planned {
  readonly bucket: string;
  readonly key: string;
  readonly rel: string;
}

/**
 * The file in `dir` that holds the listing of channel `name`: named by the name's SHA-256, as any name
 * fits in a file name that way (a processing input's name of 256 characters, base64-encoded, did not: ENAMETOOLONG).
 */
function fileOf(dir: string, name: string): string {
  return join(dir, `channel-${createHash('sha256').update(name).digest('hex')}.jsonl`);
}

async function readListing(file: string): Promise<Planned[] | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const out: Planned[] = [];
  try {
    const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8', autoClose: false }), crlfDelay: Infinity });
    for await (const line of lines) if (line !== '') out.push(JSON.parse(line) as Planned);
  } finally {
    await handle.close();
  }
  return out;
}

/** The listing as JSON lines, in chunks of about 64 KiB. */
function* linesOf(planned: readonly Planned[]): Generator<string> {
  let chunk = '';
  for (const p of planned) {
    chunk += `${JSON.stringify({ bucket: p.bucket, key: p.key, rel: p.rel })}\n`;
    if (chunk.length >= 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * Writes the listing to `file` (new): resolves once it is all written and closed, rejects with the write's
 * error (ENOSPC on a full disk). A write stream fails by 'error' then 'close' at once, so waiting for
 * 'drain' and then 'close' by hand hung forever on a refused write.
 */
async function writeLines(file: string, planned: readonly Planned[]): Promise<void> {
  await pipeline(Readable.from(linesOf(planned)), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
}

/**
 * The listing every host of one attempt deals a channel from: the first host to finish listing writes it
 * to `dir` (a directory all of them share), one JSON line per object, and every host, itself included,
 * deals from that file. So hosts that list while objects are being written under the prefix still agree
 * on one list, and no object lands on two hosts or on none. The file appears whole or not at all (written
 * aside, then hard-linked into place, which fails if another host's is there already); a host that finds
 * it does not list at all. The executor empties `dir` before each attempt, so a RetryStrategy attempt
 * lists again (it sees the data as it is then, like a new job would).
 */
export async function sharedListing(dir: string, name: string, plan: () => Promise<Planned[]>): Promise<Planned[]> {
  const file = fileOf(dir, name);
  const found = await readListing(file);
  if (found) return found;
  const planned = await plan();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.tmp`;
  rmSync(aside, { force: true });
  try {
    await writeLines(aside, planned);
    try {
      linkSync(aside, file);
      return planned;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } finally {
    rmSync(aside, { force: true });
  }
  // Another host's listing came first: deal from it, not from this one.
  const first = await readListing(file);
  if (!first) throw new Error(`The shared listing ${file} is gone: it was there a moment ago.`);
  return first;
}
