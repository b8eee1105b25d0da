import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type LoadConfigOptions } from './index.js';

const cwd = '/srv/loam-test';

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'loam-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function fail(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig({ cwd, env: {}, ...options });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('validation', () => {
  it('rejects an unknown backend type naming the valid ones and the source', () => {
    const err = fail({ env: { LOAM_METADATA__TYPE: 'mysql' } });
    expect(err.issues).toEqual([
      { path: 'metadata.type', message: "must be one of sqlite, postgres, memory; got 'mysql'", source: 'env LOAM_METADATA__TYPE' },
    ]);
    expect(err.message).toBe(
      "Invalid configuration (1 issue):\n  - metadata.type must be one of sqlite, postgres, memory; got 'mysql' (from env LOAM_METADATA__TYPE)",
    );
    expect(err.code).toBe('ValidationException');
    expect(err.name).toBe('ConfigError');
    expect(fail({ argv: {}, env: { LOAM_ARTIFACTS__TYPE: 'gcs', LOAM_EXECUTOR__TYPE: 'kubernetes' } }).issues.map((i) => i.message)).toEqual([
      "must be one of local, s3; got 'gcs'",
      "must be one of local; got 'kubernetes'",
    ]);
  });

  it('validates only the chosen backend branch: keys of another branch are unknown there', () => {
    const file = tempFile('mixed.yaml', 'metadata:\n  type: sqlite\n  poolSize: 5\n  pasword: hunter2\n');
    const err = fail({ file });
    expect(err.issues).toEqual([
      { path: 'metadata.poolSize', message: 'is not a known key when metadata.type is sqlite; valid keys are type, path', source: `file ${file}` },
      { path: 'metadata.pasword', message: 'is not a known key when metadata.type is sqlite; valid keys are type, path', source: `file ${file}` },
    ]);
    // An unknown key's value is never shown: it may be a mistyped secret.
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects unknown keys at every level, including inside declared images', () => {
    const file = tempFile('typos.yaml', [
      'sever: { port: 1 }',
      'server: { prot: 2 }',
      'auth: { sessionTtl: 3 }',
      'images: { process: { t: { command: x, argz: [] } } }',
    ].join('\n'));
    const err = fail({ file });
    expect(err.issues.map((i) => i.path)).toEqual(['sever', 'server.prot', 'auth.sessionTtl', 'images.process.t.argz']);
    expect(err.issues[0]!.message).toBe(
      'is not a known key; valid keys are dataDir, server, region, accountId, metadata, artifacts, executor, auth, log, images, dataEngine',
    );
  });

  it('rejects bad types and out-of-range values with the value and its source', () => {
    const file = tempFile('types.yaml', [
      'accountId: 123456789012',
      'server:',
      '  port: 70000',
      '  host: ""',
      '  allowedHosts: [localhost, 7]',
      '  trustProxy: "yes"',
      '  publicUrl: loam.example.org',
      'auth: { loginLinkTtlSeconds: 0 }',
      'log: { level: verbose }',
      'metadata: sqlite',
    ].join('\n'));
    const src = `(from file ${file})`;
    const lines = fail({ file }).message.split('\n').slice(1);
    expect(lines).toEqual([
      `  - server.host must not be empty; got '' ${src}`,
      `  - server.port must be at most 65535; got 70000 ${src}`,
      `  - server.allowedHosts must be a string (item 1); got ["localhost",7] ${src}`,
      `  - server.publicUrl must be an http:// or https:// URL; got 'loam.example.org' ${src}`,
      `  - server.trustProxy must be true or false; got 'yes' ${src}`,
      `  - accountId must be a string of 12 digits; got 123456789012 (quote it in the file) ${src}`,
      `  - metadata must be a mapping of keys; got 'sqlite' ${src}`,
      `  - auth.loginLinkTtlSeconds must be at least 1; got 0 ${src}`,
      `  - log.level must be one of fatal, error, warn, info, debug, trace, silent; got 'verbose' ${src}`,
    ]);
  });

  it('requires a backend\'s keys without defaults, naming where the backend was chosen', () => {
    const err = fail({ env: { LOAM_METADATA__TYPE: 'postgres' } });
    expect(err.issues).toEqual([
      { path: 'metadata.url', message: 'is required when metadata.type is postgres', source: 'env LOAM_METADATA__TYPE' },
    ]);
    const file = tempFile('img.yaml', 'images: { process: { t: { args: [a] } } }');
    expect(fail({ file }).issues).toEqual([{ path: 'images.process.t.command', message: 'is required', source: `file ${file}` }]);
  });

  it('reports every error from every layer at once', () => {
    const file = tempFile('many.yaml', 'region: "US East"\nserver: { port: -1 }\nmetadata: { type: postgres }\n');
    const err = fail({
      file,
      env: { LOAM_ARTIFACTS__TYPE: 'ftp', LOAM_AUTH__SESSION_TTL_SECONDS: 'forever' },
      argv: { port: 'abc', dataDir: '' },
    });
    expect(err.issues.map((i) => `${i.path} <- ${i.source}`)).toEqual([
      'dataDir <- flag --data-dir',
      'server.port <- flag --port',
      `region <- file ${file}`,
      `metadata.url <- file ${file}`,
      'artifacts.type <- env LOAM_ARTIFACTS__TYPE',
      'auth.sessionTtlSeconds <- env LOAM_AUTH__SESSION_TTL_SECONDS',
    ]);
    expect(err.message.split('\n')[0]).toBe('Invalid configuration (6 issues):');
  });
});
