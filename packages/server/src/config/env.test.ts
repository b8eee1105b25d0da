import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const cwd = '/srv/loam-test';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('LOAM_* environment', () => {
  it('maps segments to camelCase and nests on __', () => {
    const { config, sources } = loadConfig({
      env: {
        LOAM_DATA_DIR: '/var/lib/loam',
        LOAM_ACCOUNT_ID: '123456789012',
        LOAM_SERVER__BODY_LIMIT_BYTES: '1024',
        LOAM_SERVER__PUBLIC_URL: 'https://loam.example.org',
        LOAM_AUTH__SESSION_TTL_SECONDS: '60',
        LOAM_ARTIFACTS__TYPE: 's3',
        LOAM_ARTIFACTS__ACCESS_KEY_ID: 'AKIAEXAMPLE',
        LOAM_ARTIFACTS__FORCE_PATH_STYLE: 'false',
        LOAM_ARTIFACTS__IDLE_TIMEOUT_MS: '5000',
      },
      cwd,
    });
    expect(config.dataDir).toBe('/var/lib/loam');
    expect(config.accountId).toBe('123456789012'); // a string of digits stays a string
    expect(config.server.bodyLimitBytes).toBe(1024);
    expect(config.server.publicUrl).toBe('https://loam.example.org');
    expect(config.auth.sessionTtlSeconds).toBe(60);
    expect(config.artifacts).toEqual({ type: 's3', accessKeyId: 'AKIAEXAMPLE', forcePathStyle: false, connectTimeoutMs: 5000, socketWaitTimeoutMs: 5000, idleTimeoutMs: 5000, maxAttempts: 2, maxSockets: 50 });
    expect(sources['artifacts.forcePathStyle']).toBe('env LOAM_ARTIFACTS__FORCE_PATH_STYLE');
    expect(sources['dataDir']).toBe('env LOAM_DATA_DIR');
  });

  it("takes the S3 backend's socket-wait limit, and refuses one that is not a positive whole number of ms", () => {
    const s3 = { LOAM_ARTIFACTS__TYPE: 's3' };
    expect(loadConfig({ env: { ...s3, LOAM_ARTIFACTS__SOCKET_WAIT_TIMEOUT_MS: '750' }, cwd }).config.artifacts).toMatchObject({ socketWaitTimeoutMs: 750 });
    for (const bad of ['0', '2.5', 'soon']) {
      expect(messageOf(() => loadConfig({ env: { ...s3, LOAM_ARTIFACTS__SOCKET_WAIT_TIMEOUT_MS: bad }, cwd }))).toContain(
        `artifacts.socketWaitTimeoutMs must be a whole number of milliseconds, at least 1; got ${bad === 'soon' ? "'soon'" : bad} (from env LOAM_ARTIFACTS__SOCKET_WAIT_TIMEOUT_MS)`,
      );
    }
  });

  it('takes the stalled-client limit of either store, and refuses one that is not a whole number of ms from 1 to a day', () => {
    expect(loadConfig({ env: {}, cwd }).config.artifacts).toMatchObject({ stalledClientTimeoutMs: 120_000 });
    expect(loadConfig({ env: { LOAM_ARTIFACTS__STALLED_CLIENT_TIMEOUT_MS: '600000' }, cwd }).config.artifacts).toMatchObject({ stalledClientTimeoutMs: 600_000 });
    const s3 = { LOAM_ARTIFACTS__TYPE: 's3' };
    // Not set on an S3 backend: the idle limit is used (stalledClientLimit).
    expect(loadConfig({ env: s3, cwd }).config.artifacts).not.toHaveProperty('stalledClientTimeoutMs');
    expect(loadConfig({ env: { ...s3, LOAM_ARTIFACTS__STALLED_CLIENT_TIMEOUT_MS: '30000' }, cwd }).config.artifacts).toMatchObject({ stalledClientTimeoutMs: 30_000 });
    for (const env of [{}, s3]) {
      for (const bad of ['0', '2.5', 'soon', '86400001']) {
        expect(messageOf(() => loadConfig({ env: { ...env, LOAM_ARTIFACTS__STALLED_CLIENT_TIMEOUT_MS: bad }, cwd }))).toContain(
          `artifacts.stalledClientTimeoutMs must be a whole number of milliseconds from 1 to 86400000; got ${bad === 'soon' ? "'soon'" : bad} (from env LOAM_ARTIFACTS__STALLED_CLIENT_TIMEOUT_MS)`,
        );
      }
    }
  });

  it('coerces booleans, numbers and string lists', () => {
    for (const [text, value] of [['true', true], ['1', true], ['YES', true], ['on', true], ['false', false], ['0', false], ['No', false]] as const) {
      expect(loadConfig({ env: { LOAM_SERVER__TRUST_PROXY: text }, cwd }).config.server.trustProxy).toBe(value);
    }
    expect(loadConfig({ env: { LOAM_SERVER__PORT: ' 0 ' }, cwd }).config.server.port).toBe(0);
    expect(loadConfig({ env: { LOAM_SERVER__ALLOWED_HOSTS: 'a.example, b.example,,' }, cwd }).config.server.allowedHosts)
      .toEqual(['a.example', 'b.example']);
    expect(loadConfig({ env: { LOAM_SERVER__ALLOWED_HOSTS: '["x,y", "z"]' }, cwd }).config.server.allowedHosts).toEqual(['x,y', 'z']);
    expect(loadConfig({ env: { LOAM_IMAGES__PROCESS__t__COMMAND: 'c', LOAM_IMAGES__PROCESS__t__ARGS: '-u,train.py' }, cwd })
      .config.images.process['t']).toEqual({ command: 'c', args: ['-u', 'train.py'] });
  });

  it('rejects text that does not coerce, showing the text and the variable', () => {
    const message = messageOf(() => loadConfig({ env: { LOAM_SERVER__PORT: '80a', LOAM_SERVER__TRUST_PROXY: 'maybe', LOAM_SERVER__BODY_LIMIT_BYTES: '1.5' }, cwd }));
    expect(message).toContain("server.port must be an integer; got '80a' (from env LOAM_SERVER__PORT)");
    expect(message).toContain("server.bodyLimitBytes must be an integer; got 1.5 (from env LOAM_SERVER__BODY_LIMIT_BYTES)");
    expect(message).toContain("server.trustProxy must be true or false; got 'maybe' (from env LOAM_SERVER__TRUST_PROXY)");
  });

  it('treats empty values as unset', () => {
    const { config, sources } = loadConfig({ env: { LOAM_SERVER__PORT: '' }, cwd });
    expect(config.server.port).toBe(7717);
    expect(sources['server.port']).toBe('default');
  });

  it('ignores unrelated LOAM_ names and other prefixes, but rejects unknown nested keys', () => {
    const loaded = loadConfig({
      env: { LOAM_TEST_POSTGRES_URL: 'postgres://x', LOAM_TOKEN: 't', LOAM_ENDPOINT: 'http://h', LOAM_VERBOSE: '1', PORT: '1', LOAM_CONFIG: '' },
      cwd,
    });
    // Loam's own client and test variables are known not to be config; anything else is listed.
    expect(loaded.ignoredEnv).toEqual(['LOAM_VERBOSE']);
    expect(loaded.config.server.port).toBe(7717);
    const message = messageOf(() => loadConfig({ env: { LOAM_SERVR__PORT: '1', LOAM_SERVER__PORT__X: '2' }, cwd }));
    expect(message).toContain('servr is not a known key; valid keys are dataDir, server, region');
    expect(message).toContain('(from env LOAM_SERVR__PORT)');
    expect(message).toContain('server.port must be an integer; got a mapping (from env LOAM_SERVER__PORT__X)');
  });

  it('points out a single _ typed for __ after a section name', () => {
    const message = messageOf(() => loadConfig({ env: { LOAM_SERVER_PORT: '1', LOAM_LOG_LEVEL: 'debug' }, cwd }));
    expect(message).toContain('LOAM_LOG_LEVEL names no config key; did you mean LOAM_LOG__LEVEL? (from env LOAM_LOG_LEVEL)');
    expect(message).toContain('LOAM_SERVER_PORT names no config key; did you mean LOAM_SERVER__PORT?');
  });

  it('reports a value that blocks a nested one, and malformed names', () => {
    const message = messageOf(() => loadConfig({ env: { LOAM_SERVER: 'x', LOAM_SERVER__PORT: '1', LOAM_AUTH__: '1' }, cwd }));
    expect(message).toContain('server.port conflicts with the value set by env LOAM_SERVER (from env LOAM_SERVER__PORT)');
    expect(message).toContain("server must be a mapping of keys; got 'x' (from env LOAM_SERVER)");
    expect(message).toContain('LOAM_AUTH__ is not a valid config variable name');
  });
});
