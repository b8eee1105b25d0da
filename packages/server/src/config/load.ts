import { resolve } from 'node:path';
import { CONFIG_FILE_ENV, envLayer } from './env.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { fileLayer } from './file.js';
import { flagLayer, type ConfigFlags } from './flags.js';
import { redact } from './redact.js';
import { ConfigSchema, type Config } from './schema.js';
import { merge, type ConfigSource, type Node } from './tree.js';
import { validate } from './validate.js';

/** Inputs of `loadConfig`; each defaults to the running process's own. */
export interface LoadConfigOptions {
  /** CLI flags (`--host`, `--port`, `--data-dir`, `--config`); the highest layer. */
  readonly argv?: ConfigFlags;
  /** Environment for `LOAM_*` keys and `${VAR}` substitution; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Config file (YAML or JSON); defaults to `argv.config`, then `$LOAM_CONFIG`; none if all are unset. */
  readonly file?: string;
  /** Directory relative paths resolve against; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

/** A validated configuration and where each of its values came from. */
export interface LoadedConfig {
  /** The configuration, deeply frozen: pass it down, never copy it into mutable state. */
  readonly config: Config;
  /** For each leaf path (`server.port`, `metadata.type`, …): `default`, `file <path>`, `env <NAME>` or `flag --<name>`. */
  readonly sources: Readonly<Record<string, ConfigSource>>;
  /** Absolute path of the config file read, if any. */
  readonly file: string | undefined;
  /** `LOAM_*` variables that named no config key and were ignored (worth a warning in `loam doctor`). */
  readonly ignoredEnv: readonly string[];
  /** A mutable copy safe to print or log: secrets are replaced by `***` (a URL keeps all but its password). */
  redacted(): Config;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Loads the configuration: schema defaults < config file < `LOAM_*` environment < CLI flags.
 * This is the only place in Loam that reads `process.env` for configuration.
 * @throws ConfigError listing every issue found (path, message, source), never a secret value.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = resolve(options.cwd ?? process.cwd());
  const argv = options.argv ?? {};
  const issues: ConfigIssue[] = [];

  let tree: Node | undefined;
  let filePath: string | undefined;
  const file = options.file ?? argv.config ?? (env[CONFIG_FILE_ENV] || undefined);
  if (file !== undefined) {
    const layer = fileLayer(file, cwd, env);
    filePath = layer.path;
    issues.push(...layer.issues);
    tree = layer.tree;
  }
  const fromEnv = envLayer(env, ConfigSchema);
  issues.push(...fromEnv.issues);
  tree = merge(merge(tree, fromEnv.tree), flagLayer(argv));

  const result = validate(ConfigSchema, tree, cwd);
  issues.push(...result.issues);
  if (issues.length > 0) throw new ConfigError(issues);

  const config = deepFreeze(result.value as Config);
  return {
    config,
    sources: Object.freeze({ ...result.sources }),
    file: filePath,
    ignoredEnv: Object.freeze([...fromEnv.ignored]),
    redacted: () => redact(ConfigSchema, config) as Config,
  };
}
