import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ArchiveRefused, extractTarGz } from '../runner/archive-extract.js';
import { parseS3, type Artifacts } from '../runner/artifacts.js';

/** A model archive that cannot be used: missing, or not a readable .tar.gz. The message names the URI. */
export class ModelDataError extends Error {
  override readonly name = 'ModelDataError';
}

async function extract(archive: string, into: string, uri: string): Promise<void> {
  try {
    await extractTarGz(archive, into);
  } catch (e) {
    if (e instanceof ArchiveRefused) throw new ModelDataError(`Model data '${uri}' was refused: ${e.message}.`);
    throw new ModelDataError(`Model data '${uri}' is not a readable .tar.gz archive: ${(e as Error).message}`);
  }
}

async function fetch(store: Artifacts, uri: string, file: string, signal?: AbortSignal): Promise<void> {
  let got;
  try {
    got = await store.get(parseS3(uri), signal ? { signal } : {});
  } catch (e) {
    if ((e as { code?: string }).code === 'ResourceNotFound') throw new ModelDataError(`Model data '${uri}' does not exist.`);
    throw e;
  }
  await pipeline(got.body, createWriteStream(file, { mode: 0o600 }), signal ? { signal } : {});
}

/**
 * Lays out what SageMaker puts in `/opt/ml/model`: `model.tar.gz` from the artifact store, extracted
 * into `<dir>/model` (see extractTarGz: an entry that would leave it, or an archive bomb, refuses the
 * archive; links are skipped), and for script mode the source archive named by
 * `SAGEMAKER_SUBMIT_DIRECTORY` into `<dir>/model/code`. Returns the model directory.
 * @throws ModelDataError naming the URI when an archive is missing, unreadable or refused.
 */
export async function stageModel(store: Artifacts, dir: string, modelDataUrl: string | undefined, submitDirectory?: string, signal?: AbortSignal): Promise<string> {
  const modelDir = join(dir, 'model');
  rmSync(modelDir, { recursive: true, force: true });
  mkdirSync(modelDir, { recursive: true, mode: 0o700 });
  if (modelDataUrl) {
    const archive = join(dir, 'model.tar.gz');
    try {
      await fetch(store, modelDataUrl, archive, signal);
      await extract(archive, modelDir, modelDataUrl);
    } finally {
      rmSync(archive, { force: true });
    }
  }
  if (submitDirectory?.startsWith('s3://')) {
    const code = join(modelDir, 'code');
    mkdirSync(code, { recursive: true, mode: 0o700 });
    const archive = join(dir, 'sourcedir.tar.gz');
    try {
      await fetch(store, submitDirectory, archive, signal);
      await extract(archive, code, submitDirectory);
    } finally {
      rmSync(archive, { force: true });
    }
  }
  return modelDir;
}
