import type { Command } from 'commander';
import { diagnose } from '@loam/server';
import { printError } from '../output.js';

/** `loam doctor`: checks the configuration and every configured backend. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check the configuration and that every configured backend answers.')
    .option('--config <file>', 'a YAML or JSON config file')
    .option('--data-dir <dir>', 'data directory')
    .option('--json', 'print the report as JSON')
    .action(async (o: { config?: string; dataDir?: string; json?: boolean }) => {
      try {
        const d = await diagnose({ config: o.config, dataDir: o.dataDir });
        if (o.json) process.stdout.write(JSON.stringify(d, null, 2) + '\n');
        else for (const c of d.checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
        if (!d.ok) process.exitCode = 1;
      } catch (e) {
        printError(e, Boolean(o.json));
        process.exitCode = 1;
      }
    });
}
