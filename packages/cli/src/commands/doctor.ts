import type { Command } from 'commander';
import { diagnose, type ConfigFlags } from '@loam/server';
import { printError } from '../output.js';
import type { ClientFlags } from '../settings.js';

/**
 * `loam doctor`: checks the configuration, every configured backend and each store's schema, changing
 * nothing (no migration, directory, key or database file; see `diagnose`). Honours the global
 * `--data-dir` and `--json` as well as its own.
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check the configuration, that every configured backend answers, whether migrations are pending and (PostgreSQL) whether the indexes built online are valid (read-only: creates and migrates nothing).')
    .option('--config <file>', 'a YAML or JSON config file')
    .option('--data-dir <dir>', 'data directory (default: the global --data-dir, $LOAM_DATA_DIR, then ./.loam)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { config?: string; dataDir?: string; json?: boolean }) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const flags: ConfigFlags = { config: o.config, dataDir: o.dataDir ?? global.dataDir };
        const d = await diagnose(flags);
        if (json) process.stdout.write(JSON.stringify(d, null, 2) + '\n');
        else for (const c of d.checks) process.stdout.write(`${c.skipped ? '--  ' : c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
        if (!d.ok) process.exitCode = 1;
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
