import type { TestLoam } from '../compose/loam.test-support.js';

export interface ScopedUsers {
  /** Each user's API token, by user name. */
  readonly tokens: Record<string, string>;
  /** Creates IAM user `name` with one attached policy of `statements`, and an API token for it. */
  userWith(name: string, statements: unknown[]): Promise<void>;
  /** Calls the REST API as `user` ('admin' is the Loam's admin); the body is parsed JSON, if any. */
  as(user: string, method: 'POST' | 'GET' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any }>;
}

/**
 * Users scoped by an IAM policy, for tests of what a policy lets a caller do. `loam` is read on each call,
 * so it may be assigned in beforeAll.
 */
export function scopedUsers(loam: () => TestLoam): ScopedUsers {
  const tokens: Record<string, string> = {};
  return {
    tokens,
    async userWith(name, statements) {
      const id = loam().platform.identity;
      const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
      await id.CreateUser({ UserName: name }, ctx);
      await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, ctx);
      await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, ctx);
      tokens[name] = (await id.CreateApiToken({ UserName: name, TokenName: 't' }, ctx)).ApiToken.Token;
    },
    async as(user, method, url, payload) {
      const token = user === 'admin' ? loam().adminToken : tokens[user] as string;
      const r = await loam().app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
      return { status: r.statusCode, body: r.body ? r.json() : undefined };
    },
  };
}
