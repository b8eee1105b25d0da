// Loam's configuration: one TypeBox schema, layered sources, every error at once, secrets redacted.
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './load.js';
export { ConfigError, formatIssue, type ConfigIssue } from './errors.js';
export type { ConfigFlags } from './flags.js';
export type { ConfigSource } from './tree.js';
export { REDACTED, redactUrl } from './redact.js';
export {
  ConfigSchema,
  LogLevels,
  type Config,
  type ServerConfig,
  type MetadataConfig,
  type ArtifactsConfig,
  type ExecutorConfig,
  type LogLevel,
  type ProcessImage,
} from './schema.js';
