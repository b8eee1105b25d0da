import { lstat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '@loam/core';
import { FILE_MODE } from './local-fs-paths.js';
import { tempName } from './local-fs-temp-names.js';

/**
 * Refuses a root on a file system that folds case (vfat/exFAT, macOS's default APFS, Windows shares,
 * ext4 or tmpfs directories with casefold): S3 keys are case-sensitive, so `Model.bin` and `model.bin`
 * would be one file there, and a put of one would overwrite, and a delete remove, the other. Probed
 * where the objects go: a temp file (lower-case name) is made in the root, and looked up under its
 * upper-case name. A kill between the two leaves a temp of a dead writer in the root, which the owner's
 * next start walks past like any other (the root holds one entry per bucket).
 * @throws ValidationException naming the root and why.
 */
export async function refuseCaseInsensitive(root: string): Promise<void> {
  const name = tempName();
  const probe = join(root, name);
  await writeFile(probe, '', { flag: 'wx', mode: FILE_MODE });
  try {
    const [lower, upper] = await Promise.all([lstat(probe, { bigint: true }), lstat(join(root, name.toUpperCase()), { bigint: true }).catch(() => undefined)]);
    if (upper !== undefined && upper.ino === lower.ino && upper.dev === lower.dev) {
      throw new ValidationError(
        `The artifact root '${root}' is on a file system that ignores case in file names: object keys that differ only in case ` +
          `('Model.bin' and 'model.bin') would be one file there, and writing one would overwrite the other. ` +
          'Put the data directory on a case-sensitive file system (ext4, xfs, btrfs, tmpfs; on macOS a case-sensitive APFS volume).',
      );
    }
  } finally {
    await unlink(probe).catch(() => {});
  }
}
