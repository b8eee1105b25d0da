import type { BootstrappedAdmin, IdentityService } from '@loam/core';
import type { LockTiming } from './credentials-lock.js';
import { withCredentialsFile } from './credentials-file.js';

/** What a start's credentials step did. */
export interface BootstrapResult {
  /** The admin the first start created (its secrets written to `file`); undefined on a later start. */
  readonly admin: BootstrappedAdmin | undefined;
  /** The access key written to the file, also when another server's bootstrap won the race and it was not committed. */
  readonly written: string | undefined;
  /** `<data-dir>/credentials`. */
  readonly file: string;
}

/**
 * A start's credentials step, under the credentials file's lock: on the very first start bootstraps the admin, whose
 * transaction commits only once its secrets are written to the file (IdentityService.bootstrapAdmin); on a later start
 * updates the profile's endpoint. The lock is taken before the transaction opens: waiting for it (another process
 * writing the file, up to credentialsLockTiming.waitMs) inside the transaction held off every other writer of the
 * store (SQLite's one write lock) all that time, the server's own requests included.
 */
export async function bootstrapCredentials(
  identity: Pick<IdentityService, 'bootstrapAdmin'>,
  dataDir: string,
  details: { readonly region: string; readonly endpoint: string },
  options: { readonly timing?: LockTiming } = {},
): Promise<BootstrapResult> {
  return withCredentialsFile(
    dataDir,
    async (credentials) => {
      let written: string | undefined;
      let file = `${dataDir}/credentials`;
      const admin = await identity.bootstrapAdmin(async (a) => {
        written = a.accessKeyId;
        file = await credentials.write({ accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey, apiToken: a.apiToken, region: details.region, endpoint: details.endpoint });
      });
      if (!admin) await credentials.updateEndpoint(details.endpoint);
      return { admin, written, file };
    },
    options,
  );
}
