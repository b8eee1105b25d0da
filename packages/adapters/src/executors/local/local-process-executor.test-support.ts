import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The runner from TypeScript sources (the runtime's `runnerCommand()` does the same; adapters may not import it). */
export function sourceRunner(): { command: string; args: string[] } {
  const root = fileURLToPath(new URL('../../../../../', import.meta.url));
  return {
    command: process.execPath,
    args: ['--conditions=loam-src', '--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href, join(root, 'packages/runtime/src/runner/bin.ts')],
  };
}
