import type { Command } from 'commander';
import { startLoam } from '@loam/server';
import { keepRunningOnBrokenPipe } from '../broken-pipe.js';
import { printError } from '../output.js';
import { runDemo } from '../demo/run-demo.js';
import { readCredentialsProfile } from '../settings.js';

/** `loam up`: starts everything on the configured (default: embedded) backends and keeps serving. */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('Start Loam: API, Studio and job execution, on embedded defaults (SQLite, local files, local processes).')
    .option('--host <host>', 'interface to bind', undefined)
    .option('--port <port>', 'port to listen on (0 = any free port)', undefined)
    .option('--data-dir <dir>', 'where Loam keeps its data', undefined)
    .option('--serving-workers <n>', 'extra processes answering InvokeEndpoint for built-in models (default 0; e.g. cores − 1)', undefined)
    .option('--config <file>', 'a YAML or JSON config file')
    .option('--json', 'print the startup record as JSON')
    .option('--demo', 'on a fresh data directory, run `loam demo` once the server is up (npm start does this)')
    .action(async (o: { host?: string; port?: string; dataDir?: string; servingWorkers?: string; config?: string; json?: boolean; demo?: boolean }) => {
      // A server whose stdout reader went away (`loam up | head`) keeps serving; its banner lines are dropped.
      keepRunningOnBrokenPipe();
      try {
        const loam = await startLoam({
          flags: { host: o.host, port: o.port, dataDir: o.dataDir, servingWorkers: o.servingWorkers, config: o.config },
          // Request logs (stderr) would bury the demo's progress on a terminal; LOAM_LOG__LEVEL still wins.
          ...(o.demo ? { env: { LOAM_LOG__LEVEL: 'warn', ...process.env } } : {}),
        });
        const info = { url: loam.url, studioLoginUrl: loam.loginUrl, credentialsFile: loam.credentialsFile, dataDir: loam.dataDir, adminCreated: loam.adminCreated };
        if (o.json) process.stdout.write(JSON.stringify(info) + '\n');
        else {
          process.stdout.write(`Loam is up at ${loam.url}\n`);
          process.stdout.write(`  Studio sign-in (one-time link): ${loam.loginUrl}\n`);
          process.stdout.write(`  Credentials (AWS INI, profile [loam]): ${loam.credentialsFile}\n`);
          process.stdout.write(`  Data directory: ${loam.dataDir}\n`);
          if (loam.adminCreated) process.stdout.write('  Created the admin user; its access key and API token are in the credentials file.\n');
          process.stdout.write('Press Ctrl+C to stop.\n');
        }
        const stop = (signal: string) => {
          process.stdout.write(`\nStopping (${signal})…\n`);
          loam.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
        // Only a fresh data dir gets the tour, so restarting `npm start` never piles up demo objects.
        if (o.demo && !loam.adminCreated) process.stdout.write('This data directory is not new: skipping the demo (run `loam demo` to run it again).\n');
        if (o.demo && loam.adminCreated) {
          const token = readCredentialsProfile(loam.credentialsFile)?.['loam_api_token'];
          await runDemo({ endpoint: loam.url, token, json: Boolean(o.json) }).then(
            () => process.stdout.write(`Loam keeps serving at ${loam.url}. Press Ctrl+C to stop.\n`),
            (e: unknown) => printError(e, Boolean(o.json)),
          );
        }
      } catch (e) {
        printError(e, Boolean(o.json));
        process.exit(1);
      }
    });
}
