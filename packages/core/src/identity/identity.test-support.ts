import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { ManualClock } from '../kernel/clock.js';
import type { RequestContext } from '../kernel/context.js';
import { LoamError } from '../kernel/errors.js';
import type { SecretBox } from '../ports/secret-box.js';
import { TagService } from '../tags/tag.service.js';
import { identityCollections } from './identity.collections.js';
import { IdentityService } from './identity.service.js';

export const partition = { region: 'us-east-1', accountId: '123456789012' };
export const t0 = Date.UTC(2026, 0, 1);

/** AES-256-GCM, as the server's box; the server's own box is tested in packages/server. */
export function aesBox(): SecretBox {
  const key = randomBytes(32);
  return {
    seal(p) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(p, 'utf8'), c.final()]);
      return [iv, c.getAuthTag(), ct].map((b) => b.toString('base64url')).join('.');
    },
    open(s) {
      const [iv, tag, ct] = s.split('.').map((x) => Buffer.from(x, 'base64url')) as [Buffer, Buffer, Buffer];
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(tag);
      return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
    },
  };
}

export function setup(options: { sessionTtlSeconds?: number; credentialCacheMs?: number } = {}) {
  const clock = new ManualClock(t0);
  const store = createMemoryMetadataStore({ collections: identityCollections });
  const identity = new IdentityService({ store, clock, partition, secretBox: aesBox(), sessionTtlSeconds: options.sessionTtlSeconds ?? 3600, credentialCacheMs: options.credentialCacheMs ?? 0 });
  const tags = new TagService({ store, partition });
  identity.registerTaggables(tags);
  const as = (userName: string): RequestContext => ({
    principal: { userName, userId: 'AIDATEST', arn: `arn:loam:iam::123456789012:user/${userName}`, via: 'token' },
    requestId: 'test',
  });
  return { clock, store, identity, tags, as, ctx: as('root') };
}

export async function error(p: Promise<unknown>): Promise<LoamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LoamError) return e;
    throw e;
  }
  throw new Error('expected an error');
}
