import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Starts slow-put-writer.ts, a job runner's put of `key` into bucket `bkt` of the store at `root` whose body
 * stops after 1 KiB, and resolves once that KiB is in its temp file. `wrapper` runs it under another command
 * (`unshare --pid …`). The caller kills the writer.
 */
export async function startSlowPutWriter(root: string, key: string, wrapper: readonly string[] = []): Promise<ChildProcess> {
  const node = [process.execPath, '--conditions=loam-src', '--import', 'tsx', join(here, 'slow-put-writer.ts'), root, key];
  const [command, ...args] = [...wrapper, ...node] as [string, ...string[]];
  const child = spawn(command, args, { cwd: join(here, '../../../../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the writer did not start within 30 s: ${err}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('writing')) resolve(), clearTimeout(timer);
      });
      child.once('exit', (c) => reject(new Error(`the writer exited with ${c}: ${err}`)));
    });
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return child;
}
