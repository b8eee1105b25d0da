import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { diagnose, loadConfig, type ConfigFlags, type Diagnosis } from '@loam/server';
import { printError } from '../output.js';
import type { ClientFlags } from '../settings.js';

interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** Not run: it would have had to create the data directory or its stores. */
  readonly skipped?: boolean;
}

/**
 * The report for a data directory that does not exist yet (or holds no Loam data): opening the
 * stores would create it (loam.db, experiments.db, server.key, artifacts/, jobs/), and a check must
 * change nothing, so they are reported as not checked. `loam up` creates it; that is not a failure.
 */
function notCreatedYet(flags: ConfigFlags): Diagnosis | undefined {
  let loaded;
  try {
    loaded = loadConfig({ argv: flags });
  } catch {
    return undefined; // diagnose reports the configuration's problems without opening anything
  }
  const { config } = loaded;
  const dirMissing = !existsSync(config.dataDir);
  const dbMissing = config.metadata.type === 'sqlite' && !existsSync(config.metadata.path);
  if (!dirMissing && !dbMissing) return undefined;
  const why = dirMissing ? `${config.dataDir} does not exist` : `${config.dataDir} holds no Loam data yet (no ${config.metadata.type === 'sqlite' ? config.metadata.path : 'loam.db'})`;
  const notChecked = `not checked: ${why}, and checking would create it`;
  const python = config.images.python;
  const checks: DoctorCheck[] = [
    { name: 'config', ok: true, detail: loaded.file ? `read ${loaded.file}` : 'defaults and environment (no config file)' },
    ...loaded.ignoredEnv.map((name) => ({ name: 'config', ok: false, detail: `${name} names no configuration key and was ignored` })),
    { name: 'data directory', ok: true, detail: `${why}: \`loam up --data-dir ${config.dataDir}\` will create it (doctor created nothing)` },
    { name: 'metadata store', ok: true, skipped: true, detail: `${config.metadata.type}: ${notChecked}` },
    { name: 'artifact store', ok: true, skipped: true, detail: `${config.artifacts.type}: ${notChecked}` },
    { name: 'python (script mode)', ok: existsSync(python), detail: existsSync(python) ? python : `${python} not found: script-mode jobs will fail (apt-get install python3)` },
  ];
  return { ok: checks.every((c) => c.ok), checks, config: loaded.redacted(), sources: loaded.sources as Record<string, string> };
}

/**
 * `loam doctor`: checks the configuration and every configured backend, changing nothing: on a data
 * directory that does not exist yet it says so instead of opening (and so creating) the stores.
 * Honours the global `--data-dir` and `--json` as well as its own.
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check the configuration and that every configured backend answers (creates nothing).')
    .option('--config <file>', 'a YAML or JSON config file')
    .option('--data-dir <dir>', 'data directory (default: the global --data-dir, $LOAM_DATA_DIR, then ./.loam)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { config?: string; dataDir?: string; json?: boolean }) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const flags: ConfigFlags = { config: o.config, dataDir: o.dataDir ?? global.dataDir };
        const d = notCreatedYet(flags) ?? (await diagnose(flags));
        if (json) process.stdout.write(JSON.stringify(d, null, 2) + '\n');
        else for (const c of d.checks as readonly DoctorCheck[]) process.stdout.write(`${c.skipped ? '--  ' : c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
        if (!d.ok) process.exitCode = 1;
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
