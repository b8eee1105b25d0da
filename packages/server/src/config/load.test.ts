import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';

const cwd = '/srv/loam-test';

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'loam-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig defaults', () => {
  it('gives the documented defaults with paths under <cwd>/.loam', () => {
    const { config, sources } = loadConfig({ env: {}, cwd });
    expect(config).toEqual({
      dataDir: '/srv/loam-test/.loam',
      server: {
        host: '127.0.0.1',
        port: 7717,
        allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
        bodyLimitBytes: 10_485_760,
        trustProxy: false,
        servingWorkers: 0,
        invocationLane: true,
      },
      region: 'us-east-1',
      accountId: '000000000000',
      metadata: { type: 'sqlite', path: '/srv/loam-test/.loam/loam.db' },
      artifacts: { type: 'local', root: '/srv/loam-test/.loam/artifacts', stalledClientTimeoutMs: 120_000 },
      executor: { type: 'local', stopGraceSeconds: 120, workDir: '/srv/loam-test/.loam/jobs', sandbox: 'required' },
      auth: { sessionTtlSeconds: 43_200, loginLinkTtlSeconds: 900 },
      log: { level: 'info' },
      images: { python: '/usr/bin/python3', process: {} },
      dataEngine: { memoryLimit: '1GB', stagingCacheSize: '10GB' },
    });
    expect(Object.values(sources).every((s) => s === 'default')).toBe(true);
    expect(Object.keys(sources)).toContain('metadata.path');
  });

  it('takes the data engine memory limit from LOAM_DATA_ENGINE__MEMORY_LIMIT and refuses a bad one', () => {
    expect(loadConfig({ env: { LOAM_DATA_ENGINE__MEMORY_LIMIT: '25%' }, cwd }).config.dataEngine).toEqual({ memoryLimit: '25%', stagingCacheSize: '10GB' });
    expect(loadConfig({ env: { LOAM_DATA_ENGINE__MEMORY_LIMIT: '512MiB' }, cwd }).config.dataEngine).toEqual({ memoryLimit: '512MiB', stagingCacheSize: '10GB' });
    expect(() => loadConfig({ env: { LOAM_DATA_ENGINE__MEMORY_LIMIT: 'lots' }, cwd })).toThrow(/dataEngine\.memoryLimit must be a size such as 1GB/);
  });

  it('takes the staging cache budget from LOAM_DATA_ENGINE__STAGING_CACHE_SIZE and refuses a share of RAM', () => {
    expect(loadConfig({ env: { LOAM_DATA_ENGINE__STAGING_CACHE_SIZE: '2GiB' }, cwd }).config.dataEngine.stagingCacheSize).toBe('2GiB');
    expect(() => loadConfig({ env: { LOAM_DATA_ENGINE__STAGING_CACHE_SIZE: '25%' }, cwd })).toThrow(/dataEngine\.stagingCacheSize must be a size such as 10GB/);
  });

  it('refuses a PostgreSQL answer timeout under 1 s, which would take a loaded server for a silent one', () => {
    const env = { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: 'postgres://loam@db/loam' };
    expect(loadConfig({ env: { ...env, LOAM_METADATA__ANSWER_TIMEOUT_MS: '1000' }, cwd }).config.metadata).toMatchObject({ answerTimeoutMs: 1000 });
    expect(() => loadConfig({ env: { ...env, LOAM_METADATA__ANSWER_TIMEOUT_MS: '200' }, cwd })).toThrow(/answerTimeoutMs/);
  });

  it('returns a deeply frozen config that cannot be changed', () => {
    const { config } = loadConfig({ env: {}, cwd });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.server.allowedHosts)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (config.server.allowedHosts as string[]).push('evil.example')).toThrow(TypeError);
    // Freezing must not leak into the schema's own default array: a second load is unaffected.
    const again = loadConfig({ env: {}, cwd });
    expect(again.config.server.allowedHosts).not.toBe(config.server.allowedHosts);
  });
});

describe('layering: defaults < file < env < flags', () => {
  const file = () => tempFile('loam.yaml', [
    'dataDir: ./from-file',
    'server:',
    '  host: 0.0.0.0',
    '  port: 8001',
    '  bodyLimitBytes: 2048',
    'region: eu-west-1',
    '',
  ].join('\n'));

  it('takes each value from the highest layer that sets it and records that layer', () => {
    const path = file();
    const { config, sources } = loadConfig({
      file: path,
      env: { LOAM_SERVER__PORT: '8002', LOAM_REGION: 'ap-south-1', LOAM_DATA_DIR: '/var/env-data' },
      argv: { port: '8003', dataDir: 'flag-data', servingWorkers: '2' },
      cwd,
    });
    expect(config.server.port).toBe(8003);
    expect(config.server.servingWorkers).toBe(2);
    expect(sources['server.servingWorkers']).toBe('flag --serving-workers');
    expect(sources['server.port']).toBe('flag --port');
    expect(config.dataDir).toBe('/srv/loam-test/flag-data');
    expect(sources['dataDir']).toBe('flag --data-dir');
    expect(config.region).toBe('ap-south-1');
    expect(sources['region']).toBe('env LOAM_REGION');
    expect(config.server.host).toBe('0.0.0.0');
    expect(sources['server.host']).toBe(`file ${path}`);
    expect(config.server.bodyLimitBytes).toBe(2048);
    expect(config.server.trustProxy).toBe(false);
    expect(sources['server.trustProxy']).toBe('default');
  });

  it('lets env override the file when no flag is given', () => {
    const path = file();
    const { config, sources } = loadConfig({ file: path, env: { LOAM_SERVER__PORT: '8002' }, cwd });
    expect(config.server.port).toBe(8002);
    expect(sources['server.port']).toBe('env LOAM_SERVER__PORT');
    expect(config.dataDir).toBe('/srv/loam-test/from-file');
  });

  it('maps the host flag to server.host', () => {
    const { config, sources } = loadConfig({ env: { LOAM_SERVER__HOST: '10.0.0.1' }, argv: { host: '::1' }, cwd });
    expect(config.server.host).toBe('::1');
    expect(sources['server.host']).toBe('flag --host');
  });

  it('finds the file from argv.config or LOAM_CONFIG, argv first', () => {
    const a = tempFile('a.yaml', 'region: eu-north-1\n');
    const b = tempFile('b.json', '{"region": "sa-east-1"}');
    expect(loadConfig({ env: { LOAM_CONFIG: b }, cwd }).config.region).toBe('sa-east-1');
    const both = loadConfig({ env: { LOAM_CONFIG: b }, argv: { config: a }, cwd });
    expect(both.config.region).toBe('eu-north-1');
    expect(both.file).toBe(a);
  });

  it('switching backend type in a higher layer drops the lower layer\'s backend keys', () => {
    const path = tempFile('pg.yaml', 'metadata:\n  type: postgres\n  url: postgres://loam@db/loam\n  poolSize: 4\n');
    const { config, sources } = loadConfig({ file: path, env: { LOAM_METADATA__TYPE: 'memory' }, cwd });
    expect(config.metadata).toEqual({ type: 'memory' });
    expect(sources['metadata.type']).toBe('env LOAM_METADATA__TYPE');
    // Same type: keys merge across layers.
    const merged = loadConfig({ file: path, env: { LOAM_METADATA__POOL_SIZE: '20' }, cwd });
    expect(merged.config.metadata).toEqual({ type: 'postgres', url: 'postgres://loam@db/loam', schema: 'public', poolSize: 20, statementTimeoutMs: 60_000, answerTimeoutMs: 5_000 });
    expect(merged.sources['metadata.url']).toBe(`file ${path}`);
    expect(merged.sources['metadata.poolSize']).toBe('env LOAM_METADATA__POOL_SIZE');
  });
});

describe('relative paths', () => {
  it('resolves dataDir against cwd and data paths against dataDir; absolute paths stay', () => {
    const path = tempFile('paths.yaml', [
      'dataDir: data',
      'metadata: { type: sqlite, path: db/meta.sqlite }',
      'artifacts: { type: local, root: /mnt/artifacts }',
      'executor: { type: local, workDir: ../scratch, maxConcurrentJobs: 3 }',
    ].join('\n'));
    const { config } = loadConfig({ file: path, env: {}, cwd: '/home/u/proj' });
    expect(config.dataDir).toBe('/home/u/proj/data');
    expect(config.metadata).toEqual({ type: 'sqlite', path: '/home/u/proj/data/db/meta.sqlite' });
    expect(config.artifacts).toEqual({ type: 'local', root: '/mnt/artifacts', stalledClientTimeoutMs: 120_000 });
    expect(config.executor).toEqual({ type: 'local', workDir: '/home/u/proj/scratch', maxConcurrentJobs: 3, stopGraceSeconds: 120, sandbox: 'required' });
  });

  it('keeps sqlite :memory: as is', () => {
    const { config } = loadConfig({ env: { LOAM_METADATA__PATH: ':memory:' }, cwd });
    expect(config.metadata).toEqual({ type: 'sqlite', path: ':memory:' });
  });

  it('resolves a relative config file path against cwd', () => {
    const path = tempFile('rel.yaml', 'region: eu-west-3\n');
    const { config, file } = loadConfig({ file: 'rel.yaml', env: {}, cwd: join(path, '..') });
    expect(config.region).toBe('eu-west-3');
    expect(file).toBe(path);
  });
});

describe('process images', () => {
  it('accepts images declared in the file and in env, keeping image names and env names as written', () => {
    const path = tempFile('images.yaml', [
      'images:',
      '  python: /opt/py/bin/python3',
      '  process:',
      '    echo-server:',
      '      command: /usr/bin/node',
      '      args: [server.js, --port, "8080"]',
      '      env: { NODE_ENV: production }',
    ].join('\n'));
    const { config, sources } = loadConfig({
      file: path,
      env: { LOAM_IMAGES__PROCESS__trainer__COMMAND: '/bin/train', LOAM_IMAGES__PROCESS__trainer__ENV__OMP_NUM_THREADS: '2' },
      cwd,
    });
    expect(config.images).toEqual({
      python: '/opt/py/bin/python3',
      process: {
        'echo-server': { command: '/usr/bin/node', args: ['server.js', '--port', '8080'], env: { NODE_ENV: 'production' } },
        trainer: { command: '/bin/train', env: { OMP_NUM_THREADS: '2' } },
      },
    });
    expect(sources['images.process.echo-server.args']).toBe(`file ${path}`);
    expect(sources['images.process.trainer.env.OMP_NUM_THREADS']).toBe('env LOAM_IMAGES__PROCESS__trainer__ENV__OMP_NUM_THREADS');
  });
});
