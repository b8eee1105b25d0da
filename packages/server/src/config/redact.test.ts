import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl } from './index.js';

const cwd = '/srv/loam-test';

describe('secrets', () => {
  const env = {
    LOAM_METADATA__TYPE: 'postgres',
    LOAM_METADATA__URL: 'postgresql://loam:Sup3r%40Secret@db.internal:5432/loam?sslmode=require&sslpassword=KeyPass9',
    LOAM_ARTIFACTS__TYPE: 's3',
    LOAM_ARTIFACTS__ENDPOINT: 'http://127.0.0.1:9000',
    LOAM_ARTIFACTS__ACCESS_KEY_ID: 'AKIAEXAMPLE',
    LOAM_ARTIFACTS__SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
  };

  it('redacted() replaces the secret access key and the URL password, and leaves the config intact', () => {
    const loaded = loadConfig({ env, cwd });
    const copy = loaded.redacted();
    expect(copy.metadata).toEqual({
      type: 'postgres',
      url: 'postgresql://loam:***@db.internal:5432/loam?sslmode=require&sslpassword=***',
      schema: 'public',
      poolSize: 10,
      statementTimeoutMs: 60_000,
      answerTimeoutMs: 5_000,
    });
    expect(copy.artifacts).toEqual({
      type: 's3', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: '***', forcePathStyle: true, connectTimeoutMs: 5000, socketWaitTimeoutMs: 5000, idleTimeoutMs: 15_000, maxAttempts: 2, maxSockets: 50,
    });
    const text = JSON.stringify(copy);
    expect(text).not.toContain('Sup3r');
    expect(text).not.toContain('KeyPass9');
    expect(text).not.toContain('wJalrXUtnFEMI');
    // The real config keeps the secrets; the copy is not frozen so callers may annotate it.
    expect(loaded.config.artifacts).toMatchObject({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' });
    expect(Object.isFrozen(copy)).toBe(false);
    expect({ ...copy, metadata: loaded.config.metadata, artifacts: loaded.config.artifacts }).toEqual(loaded.config);
  });

  it('redacts a URL without password to itself, and an unparsable one entirely', () => {
    expect(redactUrl('postgres://loam@db/loam')).toBe('postgres://loam@db/loam');
    expect(redactUrl('not a url with secret')).toBe('***');
    expect(redactUrl('postgres://u:p@h/db?password=x&application_name=loam')).toBe('postgres://u:***@h/db?password=***&application_name=loam');
  });

  it('never puts a secret in an error message', () => {
    let error: unknown;
    try {
      loadConfig({
        env: { ...env, LOAM_METADATA__URL: 'mysql://loam:Sup3rSecret@db/loam', LOAM_ARTIFACTS__SECRET_ACCESS_KEY: ' ', LOAM_ARTIFACTS__ENDPOINT: 'ftp://x' },
        cwd,
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, issues } = error as ConfigError;
    expect(issues.map((i) => i.path)).toEqual(['metadata.url', 'artifacts.endpoint']);
    expect(message).toContain('metadata.url must be a postgres:// or postgresql:// URL (from env LOAM_METADATA__URL)');
    expect(message).not.toContain('Sup3rSecret');
    expect(JSON.stringify(issues)).not.toContain('Sup3rSecret');
  });

  it('never shows a secret of a file value either', () => {
    let message = '';
    try {
      loadConfig({ env: { LOAM_ARTIFACTS__TYPE: 's3', LOAM_ARTIFACTS__SECRET_ACCESS_KEY__X: 'leak-me' }, cwd });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('artifacts.secretAccessKey must be a string; got a mapping');
    expect(message).not.toContain('leak-me');
  });
});
