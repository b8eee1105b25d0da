import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inspectSqlExperimentStore, inspectSqlMetadataStore, openArtifactStore, type SqlStoreInspection } from '@loam/adapters';
import { forgetUnreadableKeysCommand, serverKeyFile } from '../auth/secret-box.js';
import { ConfigError, loadConfig, type Config, type ConfigFlags } from '../config/index.js';
import { onlineIndexFinding, type OnlineIndexReport } from './doctor-online-indexes.js';
import { allCollections } from './platform.js';

export interface DiagnosisCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** Nothing to check yet (`loam up` creates it); not a failure. */
  readonly skipped?: boolean;
  /** `online indexes` (PostgreSQL): each index built online and its state. */
  readonly indexes?: readonly OnlineIndexReport[];
}

export interface Diagnosis {
  readonly ok: boolean;
  readonly checks: readonly DiagnosisCheck[];
  /** The configuration with secrets redacted, and where each value came from. */
  readonly config?: unknown;
  readonly sources?: Readonly<Record<string, string>>;
}

const firstStart = (dataDir: string) => `\`loam up --data-dir ${dataDir}\` creates it`;

/** A directory Loam creates on first start: there and writable, or reported missing (never created here). */
function directory(name: string, dir: string, dataDir: string): DiagnosisCheck {
  if (!existsSync(dir)) return { name, ok: true, skipped: true, detail: `${dir} does not exist yet: ${firstStart(dataDir)}` };
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    return { name, ok: true, detail: dir };
  } catch {
    return { name, ok: false, detail: `${dir} is not writable by this user` };
  }
}

/** `1 migration`, `2 migrations`. */
const migrations = (n: number) => `${n} migration${n === 1 ? '' : 's'}`;

const listed = (names: readonly string[]) => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;

/** A SQL store's state against this Loam's migrations, as one finding. */
function storeFinding(name: string, type: string, s: SqlStoreInspection, dataDir: string): DiagnosisCheck {
  if (s.empty) return { name, ok: true, skipped: true, detail: `${type}: empty (${s.emptyBecause}); ${migrations(s.pending.length)} pending, which ${firstStart(dataDir).replace(' creates it', ' applies')}` };
  if (s.conflicts.length > 0) return { name, ok: false, detail: `${type}: this Loam cannot open it: ${s.conflicts.join(' ')}` };
  const parts = [`${type} answers`];
  if (s.pending.length > 0) parts.push(`schema older than this Loam: ${migrations(s.pending.length)} pending (${listed(s.pending)}), which this Loam's \`loam up\` applies (servers of the older Loam on this database should be stopped first)`);
  // What a start refuses (a newer Loam's migrations of what it opens), in its words; migrations of collections
  // it does not open are another process's (or a newer Loam's), which a start leaves as they are.
  if (s.unknown.length > 0) parts.push(`upgraded by a newer Loam: ${migrations(s.unknown.length)} this Loam does not know (${listed(s.unknown)}), so \`loam up\` refuses it; run that newer Loam (or a later one), or restore the backup taken before the upgrade`);
  if (parts.length === 1) parts.push('migrations are current');
  if (s.compatible.length > 0) parts.push(`${migrations(s.compatible.length)} of a newer Loam that it recorded as compatible with older ones (${listed(s.compatible)}), which \`loam up\` runs beside`);
  if (s.elsewhere.length > 0) parts.push(`${migrations(s.elsewhere.length)} of collections this Loam does not open (${listed(s.elsewhere)}), which \`loam up\` leaves as they are`);
  return { name, ok: s.unknown.length === 0, detail: parts.join('; ') };
}

async function checkStores(config: Config, checks: DiagnosisCheck[]): Promise<boolean> {
  const m = config.metadata;
  if (m.type === 'memory') {
    checks.push({ name: 'metadata store', ok: true, detail: 'memory: nothing is kept between starts' });
    return true;
  }
  const pg = m.type === 'postgres' ? { schema: m.schema } : {};
  const url = m.type === 'postgres' ? m.url : `sqlite:${m.path}`;
  const experimentsUrl = m.type === 'postgres' ? m.url : `sqlite:${join(dirname(m.path), 'experiments.db')}`;
  let holdsData = false;
  try {
    const s = await inspectSqlMetadataStore({ url, collections: allCollections, ...pg });
    holdsData = !s.empty;
    checks.push(storeFinding('metadata store', m.type, s, config.dataDir));
    const e = await inspectSqlExperimentStore({ url: experimentsUrl, ...pg });
    checks.push(storeFinding('experiment store', m.type, e, config.dataDir));
    const online = onlineIndexFinding(m.type, [{ store: 'metadata store', inspection: s }, { store: 'experiment store', inspection: e }]);
    if (online !== undefined) checks.push(online);
  } catch (e) {
    checks.push({ name: 'metadata store', ok: false, detail: `${m.type}: ${(e as Error).message}` });
  }
  return holdsData;
}

function checkServerKey(dataDir: string, storeHoldsData: boolean): DiagnosisCheck {
  const file = join(dataDir, serverKeyFile);
  if (!existsSync(file)) {
    return storeHoldsData
      ? { name: 'server key', ok: false, detail: `${file} is missing but the metadata store holds data: stored secrets (access keys) cannot be read without it; restore it from a backup of the data directory (if it is lost for good, \`${forgetUnreadableKeysCommand}\` deletes them so the server starts)` }
      : { name: 'server key', ok: true, skipped: true, detail: `${file} does not exist yet: ${firstStart(dataDir)}` };
  }
  const st = statSync(file);
  if (st.size !== 32) return { name: 'server key', ok: false, detail: `${file} holds ${st.size} bytes, not 32` };
  return { name: 'server key', ok: (st.mode & 0o077) === 0, detail: `${file}${st.mode & 0o077 ? ' (others can read it: chmod 600)' : ''}` };
}

/**
 * An error's message, followed by its causes' for the operator reading the report: the S3 adapter's own
 * message is safe for API answers ("The S3 backend failed (Error).") and keeps "connect ECONNREFUSED …" in `cause`.
 */
function failureText(e: unknown): string {
  let text = e instanceof Error ? e.message : String(e);
  let cause = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 3; depth++) {
    const c = cause as { message?: unknown; code?: unknown; errors?: unknown; cause?: unknown };
    const inner = Array.isArray(c.errors) ? c.errors[0] as { message?: unknown } | undefined : undefined;
    const why = [c.message, inner?.message, c.code].find((v): v is string => typeof v === 'string' && v !== '');
    if (why !== undefined && !text.includes(why)) text = `${text.replace(/\.$/, '')}: ${why}`;
    cause = c.cause;
  }
  return text;
}

/**
 * `loam doctor`: is the configuration valid, does every configured backend answer, and is each store's
 * schema the one this Loam expects? Read-only: it opens no store the way a server does (that would
 * migrate it, and a newer doctor would migrate a production database under older running servers),
 * creates no directory, key or database file, and reports what is missing or pending instead.
 */
export async function diagnose(flags: ConfigFlags = {}, env?: NodeJS.ProcessEnv): Promise<Diagnosis> {
  const checks: DiagnosisCheck[] = [];
  let loaded;
  try {
    loaded = loadConfig({ argv: flags, ...(env ? { env } : {}) });
    checks.push({ name: 'config', ok: true, detail: loaded.file ? `read ${loaded.file}` : 'defaults and environment (no config file)' });
    for (const name of loaded.ignoredEnv) checks.push({ name: 'config', ok: false, detail: `${name} names no configuration key and was ignored` });
  } catch (e) {
    const detail = e instanceof ConfigError ? e.message : String(e);
    return { ok: false, checks: [{ name: 'config', ok: false, detail }] };
  }
  const { config } = loaded;
  const dir = config.dataDir;
  if (existsSync(dir)) {
    try {
      accessSync(dir, constants.W_OK);
      const mode = statSync(dir).mode & 0o777;
      checks.push({ name: 'data directory', ok: (mode & 0o077) === 0, detail: `${dir} (mode ${mode.toString(8)}${mode & 0o077 ? '; others can read it: chmod 700' : ''})` });
    } catch {
      checks.push({ name: 'data directory', ok: false, detail: `${dir} is not writable` });
    }
  } else checks.push({ name: 'data directory', ok: true, skipped: true, detail: `${dir} does not exist: ${firstStart(dir)} (doctor created nothing)` });

  const holdsData = await checkStores(config, checks);
  checks.push(checkServerKey(dir, holdsData));

  if (config.artifacts.type === 'local') {
    checks.push(directory('artifact store', config.artifacts.root, dir));
  } else {
    try {
      const artifacts = await openArtifactStore(config.artifacts);
      await artifacts.ping({ signal: AbortSignal.timeout(3000) });
      checks.push({ name: 'artifact store', ok: true, detail: `${config.artifacts.type} answers` });
    } catch (e) {
      checks.push({ name: 'artifact store', ok: false, detail: `${config.artifacts.type}: ${failureText(e)}` });
    }
  }
  checks.push(directory('jobs directory', config.executor.workDir, dir));
  const python = config.images.python;
  checks.push({ name: 'python (script mode)', ok: existsSync(python), detail: existsSync(python) ? python : `${python} not found: script-mode jobs will fail (apt-get install python3)` });
  return { ok: checks.every((c) => c.ok), checks, config: loaded.redacted(), sources: loaded.sources as Record<string, string> };
}
