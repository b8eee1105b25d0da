import { branch, leaf, setPath, type Branch, type ConfigSource } from './tree.js';

/** The command-line flags that override configuration (`loam up --host --port --data-dir --serving-workers --config`). */
export interface ConfigFlags {
  readonly host?: string | undefined;
  readonly port?: number | string | undefined;
  readonly dataDir?: string | undefined;
  /** `server.servingWorkers` (ADR 0015). */
  readonly servingWorkers?: number | string | undefined;
  /** Path of the config file; same as `LoadConfigOptions.file`. */
  readonly config?: string | undefined;
}

const FLAG_PATHS = {
  host: { path: ['server', 'host'], flag: '--host' },
  port: { path: ['server', 'port'], flag: '--port' },
  dataDir: { path: ['dataDir'], flag: '--data-dir' },
  servingWorkers: { path: ['server', 'servingWorkers'], flag: '--serving-workers' },
} as const;

/** The flags layer, the highest of all. Keys other than the known flags are ignored (commander passes all). */
export function flagLayer(flags: ConfigFlags): Branch {
  const tree = branch('default');
  for (const [key, { path, flag }] of Object.entries(FLAG_PATHS)) {
    const value = (flags as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const source: ConfigSource = `flag ${flag}`;
    setPath(tree, path, leaf(value, source, true));
  }
  return tree;
}
