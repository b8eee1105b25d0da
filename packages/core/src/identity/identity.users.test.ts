import { describe, expect, it } from 'vitest';
import { authorize, evaluate } from './policy/evaluate.js';
import { error, setup, t0 } from './identity.test-support.js';

describe('users', () => {
  it('creates a user with an IAM-style ARN, id and a timestamp in epoch seconds', async () => {
    const { identity, ctx } = setup();
    const { User } = await identity.CreateUser({ UserName: 'alice' }, ctx);
    expect(User).toEqual({ UserName: 'alice', UserId: expect.stringMatching(/^AIDA[A-Z0-9]{17}$/), Arn: 'arn:loam:iam::123456789012:user/alice', CreateDate: t0 / 1000, AttachedPolicies: [] });
    expect(await identity.GetUser({ UserName: 'alice' }, ctx)).toEqual({ User });
  });

  it('refuses a second user of the same name, in any case', async () => {
    const { identity, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const same = await error(identity.CreateUser({ UserName: 'alice' }, ctx));
    expect([same.code, same.message]).toEqual(['ResourceInUse', "User 'alice' already exists."]);
    const cased = await error(identity.CreateUser({ UserName: 'Alice' }, ctx));
    expect(cased.code).toBe('ResourceInUse');
    expect(cased.message).toContain("as 'alice'");
  });

  it('refuses names outside IAM’s rule', async () => {
    const { identity, ctx } = setup();
    for (const bad of ['bad name', 'a/b', '', 'x'.repeat(65)]) {
      const e = await error(identity.CreateUser({ UserName: bad }, ctx));
      expect(e.code).toBe('ValidationException');
      expect(e.fields[0]?.path).toBe('/UserName');
    }
    await identity.CreateUser({ UserName: 'svc+ci=1,a.b@c-d_e' }, ctx);
  });

  it('stores the Tags of CreateUser, and refuses aws: keys before creating anything', async () => {
    const { identity, tags, ctx } = setup();
    const { User } = await identity.CreateUser({ UserName: 'bob', Tags: [{ Key: 'team', Value: 'ml' }] }, ctx);
    expect((await tags.ListTags({ ResourceArn: User.Arn }, ctx)).Tags).toEqual([{ Key: 'team', Value: 'ml' }]);
    const e = await error(identity.CreateUser({ UserName: 'carol', Tags: [{ Key: 'aws:x', Value: '1' }] }, ctx));
    expect(e.code).toBe('ValidationException');
    expect((await error(identity.GetUser({ UserName: 'carol' }, ctx))).code).toBe('ResourceNotFound');
  });

  it('GetUser without a name describes the caller; an unknown user is ResourceNotFound', async () => {
    const { identity, as } = setup();
    await identity.CreateUser({ UserName: 'alice' }, as('x'));
    expect((await identity.GetUser({}, as('alice'))).User.UserName).toBe('alice');
    const e = await error(identity.GetUser({ UserName: 'ghost' }, as('alice')));
    expect([e.code, e.message]).toEqual(['ResourceNotFound', "User 'ghost' does not exist."]);
  });

  it('lists users by name, filtered case-insensitively and paged', async () => {
    const { identity, ctx } = setup();
    for (const n of ['dave', 'alice', 'Malcolm', 'bob', 'sally']) await identity.CreateUser({ UserName: n }, ctx);
    expect((await identity.ListUsers({ NameContains: 'AL' }, ctx)).Users.map((u) => u.UserName)).toEqual(['Malcolm', 'alice', 'sally']);
    const names: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await identity.ListUsers({ MaxResults: 2, ...(next ? { NextToken: next } : {}) }, ctx);
      names.push(...page.Users.map((u) => u.UserName));
      next = page.NextToken;
      pages++;
    } while (next);
    expect(names).toEqual(['Malcolm', 'alice', 'bob', 'dave', 'sally']);
    expect(pages).toBe(3);
  });

  it('GetCallerIdentity tells the caller who they are', async () => {
    const { identity, as } = setup();
    expect(await identity.GetCallerIdentity({}, as('alice'))).toEqual({ UserName: 'alice', UserId: 'AIDATEST', Arn: 'arn:loam:iam::123456789012:user/alice', Account: '123456789012' });
  });

  it('DeleteUser removes the user with its keys, tokens, sessions, login links, attachments and tags', async () => {
    const { identity, tags, store, ctx } = setup();
    const { User } = await identity.CreateUser({ UserName: 'bob', Tags: [{ Key: 'a', Value: 'b' }] }, ctx);
    await identity.AttachUserPolicy({ UserName: 'bob', PolicyName: 'ReadOnlyAccess' }, ctx);
    const key = await identity.CreateAccessKey({ UserName: 'bob' }, ctx);
    const token = await identity.CreateApiToken({ UserName: 'bob', TokenName: 'laptop' }, ctx);
    const session = await identity.createSession('bob');
    const link = await identity.createLoginLink('bob', 600);
    const link2 = await identity.createLoginLink('bob', 600);
    expect((await identity.resolveAccessKey(key.AccessKey.AccessKeyId))?.principal.userName).toBe('bob');

    await identity.DeleteUser({ UserName: 'bob' }, ctx);
    expect((await error(identity.GetUser({ UserName: 'bob' }, ctx))).code).toBe('ResourceNotFound');
    expect(await identity.resolveAccessKey(key.AccessKey.AccessKeyId)).toBeUndefined();
    expect((await error(identity.authenticateToken(token.ApiToken.Token))).code).toBe('UnrecognizedClientException');
    expect((await error(identity.authenticateSession(session.sessionId))).code).toBe('UnrecognizedClientException');
    expect((await error(identity.consumeLoginLink(link))).code).toBe('UnrecognizedClientException');
    expect((await identity.GetPolicy({ PolicyName: 'ReadOnlyAccess' }, ctx)).Policy.AttachmentCount).toBe(0);
    expect(await store.tags.list(User.Arn)).toEqual([]);
    expect((await error(tags.ListTags({ ResourceArn: User.Arn }, ctx))).code).toBe('ResourceNotFound');
    // A new user of the same name starts clean.
    await identity.CreateUser({ UserName: 'bob' }, ctx);
    expect((await identity.ListAccessKeys({ UserName: 'bob' }, ctx)).AccessKeyMetadata).toEqual([]);
    expect((await identity.GetUser({ UserName: 'bob' }, ctx)).User.AttachedPolicies).toEqual([]);
    // ...and the old bob's credentials do not come back to life with the name.
    expect(await identity.resolveAccessKey(key.AccessKey.AccessKeyId)).toBeUndefined();
    expect((await error(identity.authenticateToken(token.ApiToken.Token))).code).toBe('UnrecognizedClientException');
    expect((await error(identity.authenticateSession(session.sessionId))).code).toBe('UnrecognizedClientException');
    expect((await error(identity.consumeLoginLink(link2))).code).toBe('UnrecognizedClientException');
    expect((await identity.ListApiTokens({ UserName: 'bob' }, ctx)).ApiTokens).toEqual([]);
    expect(await store.tags.list(User.Arn)).toEqual([]);
  });

  it('refuses to delete the calling user, and a missing one', async () => {
    const { identity, as } = setup();
    await identity.CreateUser({ UserName: 'alice' }, as('x'));
    expect((await error(identity.DeleteUser({ UserName: 'alice' }, as('alice')))).code).toBe('ValidationException');
    expect((await error(identity.DeleteUser({ UserName: 'ghost' }, as('alice')))).code).toBe('ResourceNotFound');
  });
});

describe('policies', () => {
  const denyDeletes = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sagemaker:Delete*', Resource: '*' }] });

  it('always has the built-in policies, which cannot be deleted or replaced', async () => {
    const { identity, ctx } = setup();
    const { Policies } = await identity.ListPolicies({}, ctx);
    expect(Policies.map((p) => [p.PolicyName, p.IsBuiltIn, p.Arn])).toEqual([
      ['AdministratorAccess', true, 'arn:loam:iam::123456789012:policy/AdministratorAccess'],
      ['ReadOnlyAccess', true, 'arn:loam:iam::123456789012:policy/ReadOnlyAccess'],
    ]);
    const admin = (await identity.GetPolicy({ PolicyName: 'AdministratorAccess' }, ctx)).Policy;
    expect(JSON.parse(admin.PolicyDocument).Statement[0]).toMatchObject({ Effect: 'Allow', Action: '*', Resource: '*' });
    const del = await error(identity.DeletePolicy({ PolicyName: 'AdministratorAccess' }, ctx));
    expect([del.code, del.message]).toEqual(['ValidationException', "Policy 'AdministratorAccess' is built in and cannot be deleted."]);
    expect((await error(identity.CreatePolicy({ PolicyName: 'ReadOnlyAccess', PolicyDocument: denyDeletes }, ctx))).code).toBe('ResourceInUse');
  });

  it('creates, describes, lists and deletes a policy', async () => {
    const { identity, clock, ctx } = setup();
    clock.advance(1500);
    const { Policy } = await identity.CreatePolicy({ PolicyName: 'NoDeletes', PolicyDocument: denyDeletes, Description: 'guard rail' }, ctx);
    expect(Policy).toEqual({
      PolicyName: 'NoDeletes', Arn: 'arn:loam:iam::123456789012:policy/NoDeletes', Description: 'guard rail', PolicyDocument: denyDeletes,
      CreateDate: (t0 + 1500) / 1000, UpdateDate: (t0 + 1500) / 1000, AttachmentCount: 0, IsBuiltIn: false,
    });
    expect((await identity.GetPolicy({ PolicyName: 'NoDeletes' }, ctx)).Policy).toEqual(Policy);
    const first = await identity.ListPolicies({ MaxResults: 2 }, ctx);
    expect(first.Policies.map((p) => p.PolicyName)).toEqual(['AdministratorAccess', 'NoDeletes']);
    const second = await identity.ListPolicies({ MaxResults: 2, NextToken: first.NextToken as string }, ctx);
    expect(second.Policies.map((p) => p.PolicyName)).toEqual(['ReadOnlyAccess']);
    expect(second.NextToken).toBeUndefined();
    await identity.DeletePolicy({ PolicyName: 'NoDeletes' }, ctx);
    expect((await error(identity.GetPolicy({ PolicyName: 'NoDeletes' }, ctx))).message).toBe("Policy 'NoDeletes' does not exist.");
  });

  it('validates the document, naming the path', async () => {
    const { identity, ctx } = setup();
    const cond = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] });
    const e = await error(identity.CreatePolicy({ PolicyName: 'P', PolicyDocument: cond }, ctx));
    expect(e.code).toBe('ValidationException');
    expect(e.message).toContain('not supported yet');
    expect(e.fields[0]?.path).toBe('/PolicyDocument/Statement/0/Condition');
    expect((await error(identity.CreatePolicy({ PolicyName: 'P', PolicyDocument: '{' }, ctx))).code).toBe('ValidationException');
    expect((await error(identity.GetPolicy({ PolicyName: 'P' }, ctx))).code).toBe('ResourceNotFound');
  });

  it('attaches and detaches policies; an attached policy cannot be deleted', async () => {
    const { identity, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    await identity.CreateUser({ UserName: 'bob' }, ctx);
    await identity.CreatePolicy({ PolicyName: 'NoDeletes', PolicyDocument: denyDeletes }, ctx);
    await identity.AttachUserPolicy({ UserName: 'alice', PolicyName: 'ReadOnlyAccess' }, ctx);
    await identity.AttachUserPolicy({ UserName: 'alice', PolicyName: 'NoDeletes' }, ctx);
    await identity.AttachUserPolicy({ UserName: 'alice', PolicyName: 'NoDeletes' }, ctx); // twice is fine
    await identity.AttachUserPolicy({ UserName: 'bob', PolicyName: 'NoDeletes' }, ctx);
    expect(await identity.ListAttachedUserPolicies({ UserName: 'alice' }, ctx)).toEqual({
      AttachedPolicies: [
        { PolicyName: 'NoDeletes', PolicyArn: 'arn:loam:iam::123456789012:policy/NoDeletes' },
        { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:loam:iam::123456789012:policy/ReadOnlyAccess' },
      ],
    });
    expect((await identity.GetUser({ UserName: 'alice' }, ctx)).User.AttachedPolicies).toEqual(['NoDeletes', 'ReadOnlyAccess']);
    expect((await identity.GetPolicy({ PolicyName: 'NoDeletes' }, ctx)).Policy.AttachmentCount).toBe(2);
    expect((await identity.ListPolicies({}, ctx)).Policies.map((p) => p.AttachmentCount)).toEqual([0, 2, 1]);

    const inUse = await error(identity.DeletePolicy({ PolicyName: 'NoDeletes' }, ctx));
    expect([inUse.code, inUse.message]).toEqual(['ResourceInUse', "Policy 'NoDeletes' is attached to 2 users; detach it first."]);
    await identity.DetachUserPolicy({ UserName: 'alice', PolicyName: 'NoDeletes' }, ctx);
    await identity.DetachUserPolicy({ UserName: 'bob', PolicyName: 'NoDeletes' }, ctx);
    const notAttached = await error(identity.DetachUserPolicy({ UserName: 'bob', PolicyName: 'NoDeletes' }, ctx));
    expect([notAttached.code, notAttached.message]).toEqual(['ResourceNotFound', "Policy 'NoDeletes' is not attached to user 'bob'."]);
    await identity.DeletePolicy({ PolicyName: 'NoDeletes' }, ctx);
    expect((await error(identity.AttachUserPolicy({ UserName: 'ghost', PolicyName: 'ReadOnlyAccess' }, ctx))).message).toBe("User 'ghost' does not exist.");
    expect((await error(identity.AttachUserPolicy({ UserName: 'bob', PolicyName: 'Nope' }, ctx))).message).toBe("Policy 'Nope' does not exist.");
  });

  it('policiesOf feeds authorization, and a detach takes effect at once', async () => {
    const { identity, ctx, as } = setup();
    const { User } = await identity.CreateUser({ UserName: 'alice' }, ctx);
    const alice = as('alice').principal;
    const job = 'arn:loam:sagemaker:us-east-1:123456789012:training-job/j';
    expect(await identity.policiesOf('alice')).toEqual([]);
    await identity.AttachUserPolicy({ UserName: 'alice', PolicyName: 'AdministratorAccess' }, ctx);
    await identity.CreatePolicy({ PolicyName: 'NoDeletes', PolicyDocument: denyDeletes }, ctx);
    await identity.AttachUserPolicy({ UserName: 'alice', PolicyName: 'NoDeletes' }, ctx);
    const policies = await identity.policiesOf('alice');
    expect(evaluate(policies, 'sagemaker:CreateTrainingJob', job)).toBe('Allow');
    expect(() => authorize(alice, policies, 'sagemaker:DeleteModel', '*')).toThrow(`User: ${User.Arn} is not authorized to perform: sagemaker:DeleteModel on resource: * with an explicit deny`);
    await identity.DetachUserPolicy({ UserName: 'alice', PolicyName: 'AdministratorAccess' }, ctx);
    expect(evaluate(await identity.policiesOf('alice'), 'sagemaker:CreateTrainingJob', job)).toBe('ImplicitDeny');
    expect(await identity.policiesOf('ghost')).toEqual([]);
  });

  it('makes users and policies taggable', async () => {
    const { identity, tags, ctx } = setup();
    await identity.CreateUser({ UserName: 'alice' }, ctx);
    const userArn = 'arn:loam:iam::123456789012:user/alice';
    const policyArn = 'arn:loam:iam::123456789012:policy/ReadOnlyAccess';
    await tags.AddTags({ ResourceArn: userArn, Tags: [{ Key: 'k', Value: 'u' }] }, ctx);
    await tags.AddTags({ ResourceArn: policyArn, Tags: [{ Key: 'k', Value: 'p' }] }, ctx);
    expect((await tags.ListTags({ ResourceArn: userArn }, ctx)).Tags).toEqual([{ Key: 'k', Value: 'u' }]);
    expect((await tags.ListTags({ ResourceArn: policyArn }, ctx)).Tags).toEqual([{ Key: 'k', Value: 'p' }]);
    for (const missing of ['arn:loam:iam::123456789012:user/ghost', 'arn:loam:iam::123456789012:policy/Nope', 'arn:loam:iam::123456789012:role/alice']) {
      const e = await error(tags.AddTags({ ResourceArn: missing, Tags: [{ Key: 'k', Value: 'v' }] }, ctx));
      expect([e.code, e.message]).toEqual(['ResourceNotFound', `Resource '${missing}' does not exist.`]);
    }
  });
});

describe('bootstrapAdmin', () => {
  it('creates admin with AdministratorAccess, a key and a token on the first start only', async () => {
    const { identity, ctx } = setup();
    const admin = await identity.bootstrapAdmin();
    expect(admin).toEqual({
      userName: 'admin',
      accessKeyId: expect.stringMatching(/^LKIA[A-Z0-9]{16}$/),
      secretAccessKey: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
      apiToken: expect.stringMatching(/^loam_[A-Za-z0-9]{55}$/),
    });
    const principal = await identity.authenticateToken(admin!.apiToken);
    expect(principal).toMatchObject({ userName: 'admin', arn: 'arn:loam:iam::123456789012:user/admin', via: 'token' });
    const key = await identity.resolveAccessKey(admin!.accessKeyId);
    expect(key).toMatchObject({ secretAccessKey: admin!.secretAccessKey, status: 'Active', principal: { userName: 'admin', via: 'sigv4' } });
    expect((await identity.GetUser({ UserName: 'admin' }, ctx)).User.AttachedPolicies).toEqual(['AdministratorAccess']);
    expect(evaluate(await identity.policiesOf('admin'), 'iam:CreateUser', '*')).toBe('Allow');
    expect(await identity.bootstrapAdmin()).toBeUndefined();
  });

  it('does nothing when a user already exists', async () => {
    const { identity, ctx } = setup();
    await identity.CreateUser({ UserName: 'someone' }, ctx);
    expect(await identity.bootstrapAdmin()).toBeUndefined();
    expect((await identity.ListUsers({}, ctx)).Users.map((u) => u.UserName)).toEqual(['someone']);
  });
});
