import type { CollectionSpec } from '../ports/metadata-store.js';

/** A user. Timestamps are epoch milliseconds here; operations answer epoch seconds. */
export interface UserRecord {
  readonly userName: string;
  /** Unique, as IAM's `AIDA…` ids. */
  readonly userId: string;
  /** Lower-cased name: IAM does not tell names apart by case, so neither do we (no `Admin` beside `admin`). */
  readonly userNameLower: string;
  readonly arn: string;
  readonly createdAt: number;
}

export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly status: 'Active' | 'Inactive';
  /** The secret, sealed by the SecretBox: SigV4 verification needs the plaintext back. */
  readonly secretSealed: string;
  readonly createdAt: number;
  readonly lastUsedAt?: number;
}

export interface ApiTokenRecord {
  /** The public prefix of the token, used to find the record; also the TokenId operations show. */
  readonly tokenId: string;
  readonly tokenName: string;
  readonly userName: string;
  /** sha256 of the whole token, hex. The token itself is never stored. */
  readonly tokenHash: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly lastUsedAt?: number;
}

export interface PolicyRecord {
  readonly policyName: string;
  readonly arn: string;
  readonly description?: string;
  /** The document as the caller gave it (validated). */
  readonly document: string;
  readonly builtIn: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One managed policy attached to one user. */
export interface UserPolicyRecord {
  /** `<userName>/<policyName>`: neither name may hold a slash. */
  readonly id: string;
  readonly userName: string;
  readonly policyName: string;
  readonly attachedAt: number;
}

export interface SessionRecord {
  /** sha256 of the session id, hex: a stolen database holds no usable cookie. */
  readonly sessionHash: string;
  readonly userName: string;
  /** sha256 of the CSRF token, hex; the transport compares the header's hash with it. */
  readonly csrfTokenHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface LoginLinkRecord {
  /** sha256 of the link token, hex. */
  readonly linkHash: string;
  readonly userName: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Set when the link was exchanged for a session; a link works once. */
  readonly usedAt?: number;
}

export const usersSpec: CollectionSpec<UserRecord> = {
  name: 'users',
  key: 'userName',
  indexes: { createdAt: 'integer' },
  unique: ['userId', 'userNameLower'],
};

export const accessKeysSpec: CollectionSpec<AccessKeyRecord> = {
  name: 'access_keys',
  key: 'accessKeyId',
  indexes: { userName: 'text', createdAt: 'integer' },
};

export const apiTokensSpec: CollectionSpec<ApiTokenRecord> = {
  name: 'api_tokens',
  key: 'tokenId',
  indexes: { userName: 'text', createdAt: 'integer', expiresAt: 'integer' },
};

export const policiesSpec: CollectionSpec<PolicyRecord> = {
  name: 'policies',
  key: 'policyName',
  indexes: { createdAt: 'integer' },
  unique: ['arn'],
};

export const userPoliciesSpec: CollectionSpec<UserPolicyRecord> = {
  name: 'user_policies',
  key: 'id',
  indexes: { userName: 'text', policyName: 'text' },
};

export const sessionsSpec: CollectionSpec<SessionRecord> = {
  name: 'sessions',
  key: 'sessionHash',
  indexes: { userName: 'text', expiresAt: 'integer' },
};

export const loginLinksSpec: CollectionSpec<LoginLinkRecord> = {
  name: 'login_links',
  key: 'linkHash',
  indexes: { userName: 'text', expiresAt: 'integer' },
};

/** Every collection the identity capability keeps; the metadata store migrates them on open. */
export const identityCollections: readonly CollectionSpec<never>[] = [
  usersSpec,
  accessKeysSpec,
  apiTokensSpec,
  policiesSpec,
  userPoliciesSpec,
  sessionsSpec,
  loginLinksSpec,
];
