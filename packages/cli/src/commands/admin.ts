import type { Command } from 'commander';
import { forgetUnreadableAccessKeys, type ConfigFlags } from '@loam/server';
import { printError } from '../output.js';
import type { ClientFlags } from '../settings.js';

/**
 * `loam admin …`: maintenance run on a data directory while its server is stopped, with no API call (the
 * server may be unable to start). Honours the global `--data-dir` and `--json` as well as its own.
 */
export function registerAdminCommand(program: Command): void {
  const admin = program.command('admin').description('Maintenance on a data directory whose server is stopped (no API call).');
  admin
    .command('forget-unreadable-access-keys')
    .description("Delete the stored access keys this data directory's server.key cannot open (it was lost and replaced), so the server starts again; keys it opens are kept, and the [loam] profile of <data-dir>/credentials loses a deleted key's lines. On a database shared by several servers, only when no server holds the key that sealed them.")
    .option('--config <file>', 'a YAML or JSON config file')
    .option('--data-dir <dir>', 'data directory (default: the global --data-dir, $LOAM_DATA_DIR, then ./.loam)')
    .option('--json', 'print the deleted keys as JSON')
    .action(async (o: { config?: string; dataDir?: string; json?: boolean }) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const flags: ConfigFlags = { config: o.config, dataDir: o.dataDir ?? global.dataDir };
        const r = await forgetUnreadableAccessKeys(flags);
        const keys = r.forgotten.map((k) => ({ AccessKeyId: k.accessKeyId, UserName: k.userName, Status: k.status }));
        const c = r.credentials;
        const profile = c && { File: c.file, Profile: c.profile, RemovedAccessKeyId: c.accessKeyId };
        if (json) process.stdout.write(JSON.stringify({ DataDir: r.dataDir, DeletedAccessKeys: keys, ...(profile ? { UpdatedCredentialsProfile: profile } : {}) }, null, 2) + '\n');
        else if (keys.length === 0) {
          // A profile naming a key an earlier run deleted (it was killed before it rewrote the file).
          if (c) process.stdout.write(`removed ${c.accessKeyId}, which the server no longer holds, from profile [${c.profile}] in ${c.file} (its API token, region and endpoint are kept; other profiles are untouched)\n`);
          process.stdout.write(`Every stored access key opens with ${r.dataDir}/server.key: nothing deleted.\n`);
        } else {
          for (const k of keys) process.stdout.write(`deleted ${k.AccessKeyId} (user ${k.UserName}, ${k.Status})\n`);
          if (c) process.stdout.write(`removed ${c.accessKeyId} from profile [${c.profile}] in ${c.file} (its API token, region and endpoint are kept; other profiles are untouched)\n`);
          process.stdout.write(`Deleted ${keys.length} access key${keys.length === 1 ? '' : 's'} no key can open. Start the server (\`loam up\`), then give each user a new key: \`loam create-access-key --user-name <name>\` (with an API token: they still work).\n`);
        }
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
