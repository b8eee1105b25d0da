import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { systemPrincipal, type BootstrappedAdmin, type IdentityService } from '@loam/core';
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
 * store (SQLite's one write lock) all that time, the server's own requests included. A later start with no file
 * has nothing to write and takes no lock (a link into a directory that is gone would refuse the start).
 */
export async function bootstrapCredentials(
  identity: Pick<IdentityService, 'bootstrapAdmin' | 'ListUsers'>,
  dataDir: string,
  details: { readonly region: string; readonly endpoint: string },
  options: { readonly timing?: LockTiming } = {},
): Promise<BootstrapResult> {
  const file = join(dataDir, 'credentials');
  if (!existsSync(file) && (await identity.ListUsers({ MaxResults: 1 }, { principal: systemPrincipal, requestId: 'bootstrap' })).Users.length > 0) {
    return { admin: undefined, written: undefined, file };
  }
  return withCredentialsFile(
    dataDir,
    async (credentials) => {
      let written: string | undefined;
      let path = file;
      const admin = await identity.bootstrapAdmin(async (a) => {
        written = a.accessKeyId;
        path = await credentials.write({ accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey, apiToken: a.apiToken, region: details.region, endpoint: details.endpoint });
      });
      if (!admin) await credentials.updateEndpoint(details.endpoint);
      return { admin, written, file: path };
    },
    options,
  );
}
