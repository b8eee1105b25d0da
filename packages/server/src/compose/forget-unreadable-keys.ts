import pino from 'pino';
import { IdentityService, systemClock, type ForgottenAccessKey, type Logger } from '@loam/core';
import { openSqlMetadataStore } from '@loam/adapters';
import { lockDataDir } from '@loam/adapters/data-dir/data-dir-lock';
import { openSecretBox } from '../auth/secret-box.js';
import { loadConfig, type ConfigFlags } from '../config/index.js';
import { repairCredentialsKey, type ForgottenCredentialsKey } from './credentials-file.js';
import { allCollections, metadataUrl } from './platform.js';

export interface ForgetUnreadableKeysResult {
  readonly dataDir: string;
  /** The access keys deleted, each logged as it was. */
  readonly forgotten: readonly ForgottenAccessKey[];
  /** The `[loam]` profile of `<data-dir>/credentials`, when it named a deleted key (its key lines are removed). */
  readonly credentials?: ForgottenCredentialsKey;
}

/**
 * Whether `accessKeyId`, named by the credentials profile with `apiToken`, may still be a key to keep: false only
 * when it is one of the keys `deleted` now, or when the store does not hold it while it does hold the profile's API
 * token, which proves the profile was written for this store (a key deleted here). A key of another store (the
 * data directory's server pointed at another database, whose admin is not this one) is not this store's to judge,
 * nor is one the store cannot tell about (sealed with another server.key meanwhile, a store error): the
 * credentials file is then left as it is.
 */
export async function knownKey(identity: IdentityService, deleted: ReadonlySet<string>, accessKeyId: string, apiToken: string | undefined): Promise<boolean> {
  if (deleted.has(accessKeyId)) return false;
  if (await identity.resolveAccessKey(accessKeyId).then((k) => k !== undefined, () => true)) return true;
  if (apiToken === undefined) return true;
  return identity.authenticateToken(apiToken).then(() => false, () => true);
}

/**
 * `loam admin forget-unreadable-access-keys`: deletes the stored access keys whose secrets this data
 * directory's server.key cannot open, so a server whose key file is lost for good (no backup) starts again;
 * their users create new keys. Keys it can open are untouched; API tokens, sessions and login links are
 * hashes, not sealed, and stay valid. Takes the data directory's lock (refused while its server runs) and
 * opens the metadata store as `loam up` does (migrating it). On a database shared by several servers, run
 * it only when no server holds the key that sealed them: a server with another key would lose its keys.
 * The `[loam]` profile `loam up` wrote to `<data-dir>/credentials` loses its key lines when it named a
 * deleted key, or a key the store no longer holds (repairCredentialsKey); other profiles are kept.
 */
export async function forgetUnreadableAccessKeys(flags: ConfigFlags, options: { readonly env?: NodeJS.ProcessEnv; readonly logger?: Logger } = {}): Promise<ForgetUnreadableKeysResult> {
  const { config } = loadConfig({ argv: flags, ...(options.env ? { env: options.env } : {}) });
  // Logged as `loam up` logs (stderr, log.level): each deleted key is a line an operator keeps.
  const logger = options.logger ?? pino({ level: config.log.level }, pino.destination(2));
  const lock = await lockDataDir(config.dataDir);
  try {
    const store = await openSqlMetadataStore({
      url: metadataUrl(config),
      collections: allCollections,
      ...(config.metadata.type === 'postgres' ? { schema: config.metadata.schema, poolSize: 1 } : {}),
      logger,
    });
    try {
      const partition = { region: config.region, accountId: config.accountId };
      const identity = new IdentityService({ store, clock: systemClock, partition, secretBox: openSecretBox(config.dataDir), sessionTtlSeconds: config.auth.sessionTtlSeconds });
      const forgotten = await identity.forgetAccessKeysSealedElsewhere();
      for (const k of forgotten) logger.warn({ accessKeyId: k.accessKeyId, userName: k.userName, status: k.status }, 'access key deleted: its secret was sealed with another server.key');
      // After the store's change: a file naming a key that is not yet deleted would be wrong the other way. A run
      // killed in between left the file naming a key deleted then: checked against the store, this run repairs it.
      const deleted = new Set(forgotten.map((k) => k.accessKeyId));
      const credentials = await repairCredentialsKey(config.dataDir, (id, token) => knownKey(identity, deleted, id, token));
      if (credentials) logger.warn({ file: credentials.file, profile: credentials.profile, accessKeyId: credentials.accessKeyId }, 'credentials profile no longer names the deleted access key');
      return { dataDir: config.dataDir, forgotten, ...(credentials ? { credentials } : {}) };
    } finally {
      await store.close();
    }
  } finally {
    lock.release();
  }
}
