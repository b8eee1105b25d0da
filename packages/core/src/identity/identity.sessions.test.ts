import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loginLinksSpec, sessionsSpec } from './identity.collections.js';
import { error, setup, t0 } from './identity.test-support.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const minute = 60_000;

describe('Studio sessions', () => {
  it('issues a session and a CSRF token, and stores only their hashes', async () => {
    const { identity, store, ctx } = setup({ sessionTtlSeconds: 3600 });
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const s = await identity.createSession('alice');
    expect(s.expiresAt).toBe(t0 + 3_600_000);
    expect(s.sessionId).not.toBe(s.csrfToken);
    expect(Buffer.from(s.sessionId, 'base64url')).toHaveLength(32);
    const stored = (await store.collection(sessionsSpec).list()).items;
    expect(stored.map((r) => r.value.sessionHash)).toEqual([sha256(s.sessionId)]);
    expect(JSON.stringify(stored)).not.toContain(s.sessionId);
    expect(JSON.stringify(stored)).not.toContain(s.csrfToken);
    const auth = await identity.authenticateSession(s.sessionId);
    expect(auth.principal).toEqual({ userName: 'alice', userId: expect.stringMatching(/^AIDA/), arn: 'arn:loam:iam::123456789012:user/alice', via: 'session' });
    expect(auth.csrfTokenHash).toBe(sha256(s.csrfToken));
    expect((await error(identity.createSession('ghost'))).code).toBe('ResourceNotFound');
  });

  it('slides expiry on use and lapses after a full TTL idle', async () => {
    const { identity, clock, ctx } = setup({ sessionTtlSeconds: 3600 });
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const s = await identity.createSession('alice');
    clock.advance(50 * minute);
    expect((await identity.authenticateSession(s.sessionId)).expiresAt).toBe(t0 + 110 * minute);
    // Past the first expiry, still alive because it was used.
    clock.advance(50 * minute);
    expect((await identity.authenticateSession(s.sessionId)).expiresAt).toBe(t0 + 160 * minute);
    // Uses within a minute of each other do not move it (no write per request).
    clock.advance(30_000);
    expect((await identity.authenticateSession(s.sessionId)).expiresAt).toBe(t0 + 160 * minute);
    clock.set(t0 + 160 * minute);
    const e = await error(identity.authenticateSession(s.sessionId));
    expect([e.code, e.message]).toEqual(['UnrecognizedClientException', 'The Studio session has expired; sign in again.']);
    expect((await error(identity.authenticateSession(s.sessionId))).message).toMatch(/not valid/);
  });

  it('ends a session on sign-out, and refuses unknown ids', async () => {
    const { identity, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const s = await identity.createSession('alice');
    const other = await identity.createSession('alice');
    await identity.deleteSession(s.sessionId);
    expect((await error(identity.authenticateSession(s.sessionId))).code).toBe('UnrecognizedClientException');
    expect((await identity.authenticateSession(other.sessionId)).principal.userName).toBe('alice');
    await identity.deleteSession('never-existed');
    expect((await error(identity.authenticateSession('never-existed'))).code).toBe('UnrecognizedClientException');
  });
});

describe('login links', () => {
  it('exchanges a link for a session once', async () => {
    const { identity, store, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const link = await identity.createLoginLink('alice', 900);
    expect(JSON.stringify((await store.collection(loginLinksSpec).list()).items)).not.toContain(link);
    const s = await identity.consumeLoginLink(link);
    expect((await identity.authenticateSession(s.sessionId)).principal.userName).toBe('alice');
    const again = await error(identity.consumeLoginLink(link));
    expect([again.code, again.message]).toEqual(['UnrecognizedClientException', 'This sign-in link has already been used; each link works once.']);
  });

  it('lets exactly one of two simultaneous uses win', async () => {
    const { identity, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const link = await identity.createLoginLink('alice', 900);
    const results = await Promise.allSettled([identity.consumeLoginLink(link), identity.consumeLoginLink(link), identity.consumeLoginLink(link)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses expired and unknown links with a clear message', async () => {
    const { identity, clock, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const link = await identity.createLoginLink('alice', 60);
    clock.advance(60_000);
    expect((await error(identity.consumeLoginLink(link))).message).toBe('This sign-in link has expired.');
    expect((await error(identity.consumeLoginLink('bogus'))).message).toBe('This sign-in link is not valid.');
    expect((await error(identity.createLoginLink('ghost', 60))).code).toBe('ResourceNotFound');
    expect((await error(identity.createLoginLink('alice', 0))).code).toBe('ValidationException');
  });

  it('purges lapsed sessions and links', async () => {
    const { identity, clock, store, ctx } = setup({ sessionTtlSeconds: 60 });
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    await identity.createSession('alice');
    await identity.createLoginLink('alice', 30);
    const lasting = await identity.createLoginLink('alice', 3600);
    clock.advance(61_000);
    expect(await identity.purgeExpired()).toBe(2);
    expect(await store.collection(sessionsSpec).count()).toBe(0);
    expect(await store.collection(loginLinksSpec).count()).toBe(1);
    await identity.consumeLoginLink(lasting);
  });
});
