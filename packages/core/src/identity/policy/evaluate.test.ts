import { describe, expect, it } from 'vitest';
import type { Principal } from '../../kernel/context.js';
import { LoamError } from '../../kernel/errors.js';
import { administratorAccess, readOnlyAccess } from '../builtin-policies.js';
import { authorize, evaluate, type Decision } from './evaluate.js';
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';

const admin = parsePolicyDocument(administratorAccess.document);
const readOnly = parsePolicyDocument(readOnlyAccess.document);
const p = (...Statement: object[]): PolicyDocument => parsePolicyDocument({ Version: '2012-10-17', Statement });

const job = 'arn:loam:sagemaker:us-east-1:000000000000:training-job/j1';
const prodEp = 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/prod-1';
const devEp = 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/dev-1';
const denyDeletes = p({ Effect: 'Deny', Action: 'sagemaker:Delete*', Resource: '*' });
const jobsOnly = p({ Effect: 'Allow', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:training-job/*' });
const allButIam = p({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
const protectProd = p({ Effect: 'Deny', Action: 'sagemaker:*', NotResource: 'arn:loam:sagemaker:*:*:endpoint/dev-*' });

describe('evaluate', () => {
  it.each<[string, PolicyDocument[], string, string, Decision]>([
    ['no policy denies by default', [], 'sagemaker:ListModels', '*', 'ImplicitDeny'],
    ['admin allows anything', [admin], 'sagemaker:CreateTrainingJob', job, 'Allow'],
    ['admin allows IAM too', [admin], 'iam:CreateUser', 'arn:loam:iam::000000000000:user/bob', 'Allow'],
    ['read-only allows Describe*', [readOnly], 'sagemaker:DescribeTrainingJob', job, 'Allow'],
    ['read-only allows List*', [readOnly], 'sagemaker:ListTrainingJobs', '*', 'Allow'],
    ['read-only allows Search exactly', [readOnly], 'sagemaker:Search', '*', 'Allow'],
    ['read-only does not allow SearchSuggestions', [readOnly], 'sagemaker:SearchSuggestions', '*', 'ImplicitDeny'],
    ['read-only allows iam:List*', [readOnly], 'iam:ListUsers', '*', 'Allow'],
    ['read-only allows GetCallerIdentity', [readOnly], 'sts:GetCallerIdentity', '*', 'Allow'],
    ['read-only refuses creates', [readOnly], 'sagemaker:CreateTrainingJob', job, 'ImplicitDeny'],
    ['read-only refuses AddTags', [readOnly], 'sagemaker:AddTags', job, 'ImplicitDeny'],
    ['read-only refuses iam:CreateAccessKey', [readOnly], 'iam:CreateAccessKey', '*', 'ImplicitDeny'],
    ['actions compare case-insensitively', [readOnly], 'SageMaker:describetrainingjob', job, 'Allow'],
    ['an explicit deny beats admin', [admin, denyDeletes], 'sagemaker:DeleteEndpoint', prodEp, 'ExplicitDeny'],
    ['the order of policies does not matter', [denyDeletes, admin], 'sagemaker:DeleteEndpoint', prodEp, 'ExplicitDeny'],
    ['a deny on deletes leaves creates allowed', [admin, denyDeletes], 'sagemaker:CreateEndpoint', prodEp, 'Allow'],
    ['a deny alone never allows', [denyDeletes], 'sagemaker:CreateEndpoint', prodEp, 'ImplicitDeny'],
    ['a resource-scoped allow matches its resources', [jobsOnly], 'sagemaker:StopTrainingJob', job, 'Allow'],
    ['a resource-scoped allow does not reach others', [jobsOnly], 'sagemaker:DeleteEndpoint', prodEp, 'ImplicitDeny'],
    ['a resource-scoped allow does not match *', [jobsOnly], 'sagemaker:ListTrainingJobs', '*', 'ImplicitDeny'],
    ['NotAction allows what it does not name', [allButIam], 'sagemaker:CreateModel', '*', 'Allow'],
    ['NotAction leaves what it names unallowed', [allButIam], 'iam:CreateUser', '*', 'ImplicitDeny'],
    ['NotResource deny hits the resources it does not name', [admin, protectProd], 'sagemaker:DeleteEndpoint', prodEp, 'ExplicitDeny'],
    ['NotResource deny spares the ones it names', [admin, protectProd], 'sagemaker:DeleteEndpoint', devEp, 'Allow'],
    ['NotResource deny ignores other services', [admin, protectProd], 'iam:ListUsers', '*', 'Allow'],
    [
      'a statement inside one policy denies against an allow in the same policy',
      [p({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:Delete*', Resource: 'arn:loam:iam::*:user/admin' })],
      'iam:DeleteUser',
      'arn:loam:iam::000000000000:user/admin',
      'ExplicitDeny',
    ],
    [
      'that deny is scoped to its resource',
      [p({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:Delete*', Resource: 'arn:loam:iam::*:user/admin' })],
      'iam:DeleteUser',
      'arn:loam:iam::000000000000:user/bob',
      'Allow',
    ],
  ])('%s', (_, policies, action, resource, expected) => {
    expect(evaluate(policies, action, resource)).toBe(expected);
  });
});

describe('authorize', () => {
  const bob: Principal = { userName: 'bob', userId: 'AIDABOB', arn: 'arn:loam:iam::000000000000:user/bob', via: 'token' };
  const denied = (policies: PolicyDocument[], action: string, resource: string): LoamError => {
    try {
      authorize(bob, policies, action, resource);
    } catch (e) {
      if (e instanceof LoamError) return e;
      throw e;
    }
    throw new Error('expected AccessDeniedException');
  };

  it('returns quietly when allowed', () => {
    expect(authorize(bob, [admin], 'sagemaker:CreateModel', '*')).toBeUndefined();
  });

  it("uses AWS's message for an implicit deny", () => {
    const e = denied([readOnly], 'sagemaker:CreateTrainingJob', job);
    expect(e.code).toBe('AccessDeniedException');
    expect(e.message).toBe(`User: arn:loam:iam::000000000000:user/bob is not authorized to perform: sagemaker:CreateTrainingJob on resource: ${job}`);
  });

  it('says "with an explicit deny" when a Deny matched', () => {
    const e = denied([admin, denyDeletes], 'sagemaker:DeleteEndpoint', prodEp);
    expect(e.message).toBe(`User: arn:loam:iam::000000000000:user/bob is not authorized to perform: sagemaker:DeleteEndpoint on resource: ${prodEp} with an explicit deny`);
  });
});
