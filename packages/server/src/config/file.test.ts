import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';
import { substitute } from './substitute.js';

const cwd = '/srv/loam-test';

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'loam-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function issuesOf(run: () => unknown): ConfigError['issues'] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

const yaml = [
  '# Loam config',
  'server:',
  '  port: 9000',
  '  allowedHosts:',
  '    - loam.internal',
  '    - localhost',
  '  trustProxy: true',
  'metadata:',
  '  type: postgres',
  '  url: postgres://loam:pw@db:5432/loam',
  'log:',
  '  level: debug',
].join('\n');

const json = JSON.stringify({
  server: { port: 9000, allowedHosts: ['loam.internal', 'localhost'], trustProxy: true },
  metadata: { type: 'postgres', url: 'postgres://loam:pw@db:5432/loam' },
  log: { level: 'debug' },
});

describe('config files', () => {
  it('reads YAML and JSON (by extension or content) to the same config', () => {
    const configs = [
      tempFile('loam.yaml', yaml),
      tempFile('loam.yml', yaml),
      tempFile('loam.json', json),
      tempFile('loam.conf', json), // no known extension, starts with `{`: JSON
      tempFile('loamrc', yaml), // no known extension: YAML
    ].map((file) => loadConfig({ file, env: {}, cwd }).config);
    for (const config of configs) {
      expect(config.server).toEqual({
        host: '127.0.0.1', port: 9000, allowedHosts: ['loam.internal', 'localhost'], bodyLimitBytes: 10_485_760, trustProxy: true, servingWorkers: 0, invocationLane: true,
      });
      expect(config.metadata).toEqual({ type: 'postgres', url: 'postgres://loam:pw@db:5432/loam', schema: 'public', poolSize: 10, statementTimeoutMs: 60_000, answerTimeoutMs: 5_000 });
      expect(config.log.level).toBe('debug');
    }
  });

  it('treats an empty file as no settings', () => {
    const { config } = loadConfig({ file: tempFile('empty.yaml', '# nothing yet\n'), env: {}, cwd });
    expect(config.server.port).toBe(7717);
  });

  it('reports a missing file, invalid YAML/JSON and a non-mapping document with the file as source', () => {
    const missing = join(tmpdir(), 'loam-does-not-exist.yaml');
    expect(issuesOf(() => loadConfig({ file: missing, env: {}, cwd }))).toEqual([
      { path: '', message: 'config file does not exist', source: `file ${missing}` },
    ]);
    const badYaml = tempFile('bad.yaml', 'server:\n  port: 1\n  port: 2\n');
    const [dup] = issuesOf(() => loadConfig({ file: badYaml, env: {}, cwd }));
    expect(dup!.message).toMatch(/^config file is not valid YAML: .*unique/i);
    expect(dup!.source).toBe(`file ${badYaml}`);
    const badJson = tempFile('bad.json', '{"server": {"port": 1,}}');
    expect(issuesOf(() => loadConfig({ file: badJson, env: {}, cwd }))[0]!.message).toMatch(/^config file is not valid JSON/);
    const leaky = tempFile('leaky.json', '{"metadata": {"url": x:hunter2@db}}');
    const leak = issuesOf(() => loadConfig({ file: leaky, env: {}, cwd }))[0]!.message;
    expect(leak).toMatch(/^config file is not valid JSON: /);
    expect(leak).not.toContain('hunter2');
    const at = issuesOf(() => loadConfig({ file: tempFile('pos.json', '{\n  "region": "x",\n}'), env: {}, cwd }))[0]!.message;
    expect(at).toMatch(/at line 3, column 1$/);
    const leakyYaml = tempFile('leaky.yaml', 'metadata:\n  url: postgres://u:hunter2@db\n   - x: [\n');
    const yamlMessages = issuesOf(() => loadConfig({ file: leakyYaml, env: {}, cwd })).map((i) => i.message);
    expect(yamlMessages[0]).toMatch(/^config file is not valid YAML: /);
    expect(yamlMessages.join('\n')).not.toContain('hunter2');
    const list = tempFile('list.yaml', '- a\n- b\n');
    expect(issuesOf(() => loadConfig({ file: list, env: {}, cwd }))[0]!.message).toBe('config file must hold a mapping of keys at the top level');
  });

  it('still reports env and flag errors when the file cannot be parsed', () => {
    const bad = tempFile('bad.json', '{');
    const issues = issuesOf(() => loadConfig({ file: bad, env: { LOAM_SERVER__PORT: 'http' }, cwd }));
    expect(issues.map((i) => i.path)).toEqual(['', 'server.port']);
  });
});

describe('${VAR} substitution', () => {
  it('substitutes from env in string values and coerces the result to the schema type', () => {
    const file = tempFile('sub.yaml', [
      'dataDir: ${HOME_DIR}/loam',
      'server:',
      '  port: ${PORT}',
      '  trustProxy: ${BEHIND_PROXY:-false}',
      '  allowedHosts: ["${PUBLIC_HOST}", localhost]',
      'metadata: { type: postgres, url: "postgres://loam:${PGPASSWORD}@db/loam" }',
      'region: ${REGION:-eu-central-1}',
    ].join('\n'));
    const env = { HOME_DIR: '/data', PORT: '8088', PUBLIC_HOST: 'loam.example.org', PGPASSWORD: 's3cr3t' };
    const { config, sources } = loadConfig({ file, env, cwd });
    expect(config.dataDir).toBe('/data/loam');
    expect(config.server.port).toBe(8088);
    expect(config.server.trustProxy).toBe(false);
    expect(config.server.allowedHosts).toEqual(['loam.example.org', 'localhost']);
    expect(config.metadata).toMatchObject({ url: 'postgres://loam:s3cr3t@db/loam' });
    expect(config.region).toBe('eu-central-1');
    expect(sources['server.port']).toBe(`file ${file}`);
  });

  it('names the path and the variable when ${VAR} is unset and has no default, for every such value', () => {
    const file = tempFile('unset.yaml', 'server:\n  host: ${LOAM_HOST_VAR}\n  allowedHosts: [a, "${NOPE}"]\nregion: ${R:-}-x\n');
    const issues = issuesOf(() => loadConfig({ file, env: {}, cwd }));
    expect(issues).toEqual([
      { path: 'server.host', message: 'uses ${LOAM_HOST_VAR} but LOAM_HOST_VAR is not set and has no default', source: `file ${file}` },
      { path: 'server.allowedHosts[1]', message: 'uses ${NOPE} but NOPE is not set and has no default', source: `file ${file}` },
      { path: 'region', message: "must be a region name such as us-east-1; got '-x'", source: `file ${file}` },
    ]);
  });

  it('follows shell rules for :- and -, and $${ is a literal ${', () => {
    const env = { SET: 'v', EMPTY: '' };
    expect(substitute('${SET}', env)).toEqual({ value: 'v', substituted: true, missing: [] });
    expect(substitute('${EMPTY:-d}', env).value).toBe('d');
    expect(substitute('${EMPTY-d}', env).value).toBe('');
    expect(substitute('${UNSET-d}', env).value).toBe('d');
    expect(substitute('${UNSET:-}', env).value).toBe('');
    expect(substitute('a$${SET}b', env)).toEqual({ value: 'a${SET}b', substituted: false, missing: [] });
    expect(substitute('${A}${B}', env).missing).toEqual(['A', 'B']);
    expect(substitute('plain $HOME text', env)).toEqual({ value: 'plain $HOME text', substituted: false, missing: [] });
  });

  it('substitutes after parsing, so a value cannot inject YAML structure', () => {
    const file = tempFile('inject.yaml', 'region: ${EVIL}\n');
    const issues = issuesOf(() => loadConfig({ file, env: { EVIL: 'us-east-1\nserver:\n  host: 0.0.0.0' }, cwd }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('region');
  });
});
