import { rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The subdirectory of a host's directory where its runner keeps scratch files: the model and output archives
 * it builds (`model.tar.gz`, and `model.tar.gz.partial` while it writes one) and keeps while their upload
 * waits for space. Nothing in it outlives the runner, so the executor removes it as soon as the runner is
 * gone: a runner killed while a cut-short archive took the disk's last free bytes left them taken, and the
 * store could not record the job's end until something else freed space (2026-11-29).
 */
export const RUNNER_SCRATCH_DIR = 'scratch';

/** Where runners before 2026-11-29 wrote their archives: the host's directory itself. */
const legacyArchives = ['model.tar.gz', 'model.tar.gz.partial', 'output.tar.gz', 'output.tar.gz.partial'];

/** Removes a gone runner's scratch files (and archives an older runner left in the host directory). */
export function removeRunnerScratch(hostDir: string): void {
  rmSync(join(hostDir, RUNNER_SCRATCH_DIR), { recursive: true, force: true });
  for (const f of legacyArchives) rmSync(join(hostDir, f), { force: true });
}
