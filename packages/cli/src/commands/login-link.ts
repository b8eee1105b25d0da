import type { Command } from 'commander';
import { createLoamClient } from '@loam/sdk';
import { printError, printResult } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { wholeNumber } from '../flags.js';

/** `loam login-link [--user-name NAME]`: a fresh one-time Studio sign-in link. */
export function registerLoginLinkCommand(program: Command): void {
  program
    .command('login-link')
    .description('Print a one-time Studio sign-in link (for you, or for --user-name as an admin).')
    .option('--user-name <name>', 'the user to sign in as (default: the owner of the API token)')
    .option('--expires-in-seconds <n>', 'how long the link stays usable', '900')
    .option('--json', 'print the result as JSON')
    .action(async (o: { userName?: string; expiresInSeconds: string; json?: boolean }) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const expires = wholeNumber(o.expiresInSeconds, '--expires-in-seconds');
        const s = clientSettings(global);
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        const out = await client.CreateLoginLink({ ...(o.userName ? { UserName: o.userName } : {}), ExpiresInSeconds: expires });
        if (json) printResult(out, true);
        else process.stdout.write(`${out.AuthorizedUrl}\n`);
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
