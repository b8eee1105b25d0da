import type { InputOf, OutputOf, operations } from '@loam/contracts';
import { systemClock, type Clock } from '../kernel/clock.js';
import { systemPrincipal, type Principal, type RequestContext } from '../kernel/context.js';
import type { Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { SecretBox } from '../ports/secret-box.js';
import type { TagService } from '../tags/tag.service.js';
import * as keys from './access-keys.js';
import * as tokens from './api-tokens.js';
import { administratorAccess } from './builtin-policies.js';
import type { IdentityDeps } from './identity-deps.js';
import { policiesSpec, usersSpec } from './identity.collections.js';
import * as policies from './policies.js';
import type { PolicyDocument } from './policy/policy-document.js';
import * as sessions from './sessions.js';
import { isInUse } from './store-helpers.js';
import * as users from './users.js';
import { TtlCache } from './ttl-cache.js';

export interface IdentityServiceOptions {
  readonly store: MetadataStore;
  readonly partition: Partition;
  /** Seals access-key secrets at rest. */
  readonly secretBox: SecretBox;
  /** How long a Studio session lives after its last use (config `auth.sessionTtlSeconds`). */
  readonly sessionTtlSeconds: number;
  readonly clock?: Clock;
  /**
   * How long a resolved token, access key or user's policies may be reused without asking the store
   * (default 5000 ms; 0 disables). Changes made through this server apply at once; another server's
   * change (a revoked token, a detached policy) within this time.
   */
  readonly credentialCacheMs?: number;
}

/** The admin's credentials from the first start; the caller writes them to `<data-dir>/credentials`. */
export interface BootstrappedAdmin {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly apiToken: string;
}

/** The name of the user `bootstrapAdmin` creates. */
export const bootstrapAdminName = 'admin';

type Op<K extends keyof typeof operations> = (typeof operations)[K];

/**
 * Loam's IAM: users, access keys (SigV4), API tokens (bearer), managed policies, Studio sessions and
 * one-time login links. Methods named after operations serve them (the dispatcher binds them by name
 * and has already authorized the caller); the others are for the transports' authentication.
 */
export class IdentityService {
  private readonly d: IdentityDeps;
  private ready: Promise<void> | undefined;
  /** Moves on with every change to users, keys, tokens or policies; cached credentials of older generations are not used. */
  private generation = 0;
  private readonly tokenCache: TtlCache<Principal>;
  private readonly policyCache: TtlCache<PolicyDocument[]>;
  private readonly keyCache: TtlCache<keys.ResolvedAccessKey | undefined>;

  constructor(options: IdentityServiceOptions) {
    this.d = {
      store: options.store,
      clock: options.clock ?? systemClock,
      partition: options.partition,
      secretBox: options.secretBox,
      sessionTtlMs: options.sessionTtlSeconds * 1000,
    };
    const ttl = options.credentialCacheMs ?? 5000;
    this.tokenCache = new TtlCache(this.d.clock, ttl);
    this.policyCache = new TtlCache(this.d.clock, ttl);
    this.keyCache = new TtlCache(this.d.clock, ttl);
  }

  /** Changes with every change to users, keys, tokens or policies: caches of credentials elsewhere (serving workers) key on it. */
  get credentialGeneration(): number {
    return this.generation;
  }

  private async changing<T>(p: Promise<T>): Promise<T> {
    this.generation++;
    try {
      return await p;
    } finally {
      this.generation++;
    }
  }

  /** Stores the built-in policies. Called on first use; the server may call it at start to fail early. */
  init(): Promise<void> {
    this.ready ??= policies.ensureBuiltInPolicies(this.d).catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  /** Makes users and policies taggable with AddTags / ListTags / DeleteTags. */
  registerTaggables(tags: TagService): void {
    const base = `arn:loam:iam::${this.d.partition.accountId}:`;
    tags.registerResolver(`${base}user/`, async (arn) => (await this.d.store.collection(usersSpec).get(arn.slice(base.length + 5)))?.value.arn === arn);
    tags.registerResolver(`${base}policy/`, async (arn) => {
      await this.init();
      return (await this.d.store.collection(policiesSpec).get(arn.slice(base.length + 7)))?.value.arn === arn;
    });
  }

  CreateUser(input: InputOf<Op<'CreateUser'>>, _ctx: RequestContext): Promise<OutputOf<Op<'CreateUser'>>> {
    return users.createUser(this.d, input);
  }
  GetUser(input: InputOf<Op<'GetUser'>>, ctx: RequestContext): Promise<OutputOf<Op<'GetUser'>>> {
    return users.getUser(this.d, input, ctx);
  }
  async GetCallerIdentity(_input: InputOf<Op<'GetCallerIdentity'>>, ctx: RequestContext): Promise<OutputOf<Op<'GetCallerIdentity'>>> {
    const p = ctx.principal;
    return { UserName: p.userName, UserId: p.userId, Arn: p.arn, Account: this.d.partition.accountId };
  }
  ListUsers(input: InputOf<Op<'ListUsers'>>, _ctx: RequestContext): Promise<OutputOf<Op<'ListUsers'>>> {
    return users.listUsers(this.d, input);
  }
  DeleteUser(input: InputOf<Op<'DeleteUser'>>, ctx: RequestContext): Promise<OutputOf<Op<'DeleteUser'>>> {
    return this.changing(users.deleteUser(this.d, input, ctx));
  }

  CreateAccessKey(input: InputOf<Op<'CreateAccessKey'>>, ctx: RequestContext): Promise<OutputOf<Op<'CreateAccessKey'>>> {
    return this.changing(keys.createAccessKey(this.d, input, ctx));
  }
  ListAccessKeys(input: InputOf<Op<'ListAccessKeys'>>, ctx: RequestContext): Promise<OutputOf<Op<'ListAccessKeys'>>> {
    return keys.listAccessKeys(this.d, input, ctx);
  }
  UpdateAccessKey(input: InputOf<Op<'UpdateAccessKey'>>, ctx: RequestContext): Promise<OutputOf<Op<'UpdateAccessKey'>>> {
    return this.changing(keys.updateAccessKey(this.d, input, ctx));
  }
  DeleteAccessKey(input: InputOf<Op<'DeleteAccessKey'>>, ctx: RequestContext): Promise<OutputOf<Op<'DeleteAccessKey'>>> {
    return this.changing(keys.deleteAccessKey(this.d, input, ctx));
  }

  CreateApiToken(input: InputOf<Op<'CreateApiToken'>>, ctx: RequestContext): Promise<OutputOf<Op<'CreateApiToken'>>> {
    return tokens.createApiToken(this.d, input, ctx);
  }
  ListApiTokens(input: InputOf<Op<'ListApiTokens'>>, ctx: RequestContext): Promise<OutputOf<Op<'ListApiTokens'>>> {
    return tokens.listApiTokens(this.d, input, ctx);
  }
  DeleteApiToken(input: InputOf<Op<'DeleteApiToken'>>, ctx: RequestContext): Promise<OutputOf<Op<'DeleteApiToken'>>> {
    return this.changing(tokens.deleteApiToken(this.d, input, ctx));
  }

  async CreatePolicy(input: InputOf<Op<'CreatePolicy'>>, _ctx: RequestContext): Promise<OutputOf<Op<'CreatePolicy'>>> {
    await this.init();
    return policies.createPolicy(this.d, input);
  }
  async GetPolicy(input: InputOf<Op<'GetPolicy'>>, _ctx: RequestContext): Promise<OutputOf<Op<'GetPolicy'>>> {
    await this.init();
    return policies.getPolicy(this.d, input);
  }
  async ListPolicies(input: InputOf<Op<'ListPolicies'>>, _ctx: RequestContext): Promise<OutputOf<Op<'ListPolicies'>>> {
    await this.init();
    return policies.listPolicies(this.d, input);
  }
  async DeletePolicy(input: InputOf<Op<'DeletePolicy'>>, _ctx: RequestContext): Promise<OutputOf<Op<'DeletePolicy'>>> {
    await this.init();
    return this.changing(policies.deletePolicy(this.d, input));
  }
  async AttachUserPolicy(input: InputOf<Op<'AttachUserPolicy'>>, _ctx: RequestContext): Promise<OutputOf<Op<'AttachUserPolicy'>>> {
    await this.init();
    return this.changing(policies.attachUserPolicy(this.d, input));
  }
  async DetachUserPolicy(input: InputOf<Op<'DetachUserPolicy'>>, _ctx: RequestContext): Promise<OutputOf<Op<'DetachUserPolicy'>>> {
    await this.init();
    return this.changing(policies.detachUserPolicy(this.d, input));
  }
  ListAttachedUserPolicies(input: InputOf<Op<'ListAttachedUserPolicies'>>, _ctx: RequestContext): Promise<OutputOf<Op<'ListAttachedUserPolicies'>>> {
    return policies.listAttachedUserPolicies(this.d, input);
  }

  /** The parsed policies attached to a user, for authorization (cached briefly; a detach through this server applies at once). */
  async policiesOf(userName: string): Promise<PolicyDocument[]> {
    await this.init();
    return this.policyCache.get(userName, this.generation, () => policies.policiesOf(this.d, userName));
  }

  /** For the SigV4 verifier: the key's owner, plaintext secret and status; undefined when unknown. */
  resolveAccessKey(accessKeyId: string): Promise<keys.ResolvedAccessKey | undefined> {
    return this.keyCache.get(accessKeyId, this.generation, () => keys.resolveAccessKey(this.d, accessKeyId));
  }
  /** Call after a signature verified: updates the key's LastUsedDate (at most once a minute). */
  recordAccessKeyUse(accessKeyId: string): Promise<void> {
    return keys.recordAccessKeyUse(this.d, accessKeyId);
  }
  /** @throws UnauthenticatedError for an unknown, revoked or expired token. */
  authenticateToken(token: string): Promise<Principal> {
    return this.tokenCache.get(token, this.generation, () => tokens.authenticateToken(this.d, token));
  }

  /** @throws ResourceNotFound when the user does not exist. */
  createSession(userName: string): Promise<sessions.NewSession> {
    return sessions.createSession(this.d, userName);
  }
  /** @throws UnauthenticatedError for an unknown, ended or expired session. */
  authenticateSession(sessionId: string): Promise<sessions.AuthenticatedSession> {
    return sessions.authenticateSession(this.d, sessionId);
  }
  deleteSession(sessionId: string): Promise<void> {
    return sessions.deleteSession(this.d, sessionId);
  }
  /** A one-time sign-in token. @throws ResourceNotFound when the user does not exist. */
  createLoginLink(userName: string, ttlSeconds: number): Promise<string> {
    return sessions.createLoginLink(this.d, userName, ttlSeconds);
  }
  /** The user a login link signs in, the link left unused. @throws UnauthenticatedError when the link is unknown, used or expired. */
  inspectLoginLink(token: string): Promise<{ userName: string }> {
    return sessions.inspectLoginLink(this.d, token);
  }
  /** @throws UnauthenticatedError when the link is unknown, used or expired. */
  consumeLoginLink(token: string): Promise<sessions.NewSession> {
    return sessions.consumeLoginLink(this.d, token);
  }
  /** Deletes lapsed sessions and login links. */
  purgeExpired(): Promise<number> {
    return sessions.purgeExpired(this.d);
  }

  /**
   * The id of a stored access key whose secret this server's SecretBox cannot open, or undefined. Such a
   * key was sealed under another server key: a second server on the same database with a key of its own,
   * or a replaced key file. Every SigV4 request signed with it would fail, so the server checks at start.
   */
  async accessKeySealedElsewhere(): Promise<string | undefined> {
    return keys.accessKeySealedElsewhere(this.d);
  }

  /**
   * Deletes the stored access keys whose secrets this server's SecretBox cannot open, and returns them;
   * the keys it opens are untouched. For a server whose key file is lost for good (`loam admin
   * forget-unreadable-access-keys`): a server with another key on the same database would lose its keys.
   */
  async forgetAccessKeysSealedElsewhere(): Promise<keys.ForgottenAccessKey[]> {
    return keys.deleteAccessKeysSealedElsewhere(this.d);
  }

  /**
   * On the very first start (no user at all): creates `admin` with AdministratorAccess, one access key
   * and one API token, hands their secrets to `keep` (the caller writes them to the credentials file)
   * and returns them — the only time they are shown. Otherwise undefined. There is no default password.
   * It is one transaction, committed only once `keep` has returned: a crash before leaves no user, and
   * the next start bootstraps again, so the admin is never stored without its secrets having been kept.
   */
  async bootstrapAdmin(keep: (admin: BootstrappedAdmin) => void | Promise<void> = () => {}): Promise<BootstrappedAdmin | undefined> {
    await this.init();
    const ctx: RequestContext = { principal: systemPrincipal, requestId: 'bootstrap' };
    try {
      return await this.changing(this.d.store.transaction(async (store) => {
        if ((await store.collection(usersSpec).count()) > 0) return undefined;
        const d: IdentityDeps = { ...this.d, store };
        await users.createUser(d, { UserName: bootstrapAdminName });
        await policies.attachUserPolicy(d, { UserName: bootstrapAdminName, PolicyName: administratorAccess.name });
        const key = await keys.createAccessKey(d, { UserName: bootstrapAdminName }, ctx);
        const token = await tokens.createApiToken(d, { UserName: bootstrapAdminName, TokenName: 'bootstrap' }, ctx);
        const admin = { userName: bootstrapAdminName, accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey, apiToken: token.ApiToken.Token };
        await keep(admin);
        return admin;
      }));
    } catch (e) {
      // Another server bootstrapped at the same moment.
      if (isInUse(e)) return undefined;
      throw e;
    }
  }
}
