import { describe, expect, it } from 'vitest';
import type { Principal } from '../../kernel/context.js';
import { LoamError } from '../../kernel/errors.js';
import { administratorAccess, readOnlyAccess } from '../builtin-policies.js';
import { authorize, authorizeAny, authorizeData, evaluate, evaluateAny, evaluatePrefix, type Decision } from './evaluate.js';
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

describe('evaluatePrefix (every object under an S3 prefix, without listing them)', () => {
  const team = p({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:loam:s3:::team/*' });
  const noSecret = p({ Effect: 'Deny', Action: 's3:*', Resource: 'arn:loam:s3:::team/secret/*' });
  const oneObject = p({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:loam:s3:::team/data/train.csv' });
  const split = p({ Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:loam:s3:::team/a*', 'arn:loam:s3:::team/b*'] });
  const allButOther = p({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:loam:s3:::other/*' });
  const denyOutsideTeam = p({ Effect: 'Deny', Action: 's3:*', NotResource: 'arn:loam:s3:::team/*' });
  const readOnlyS3 = p({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
  it.each<[string, PolicyDocument[], string, string, Decision]>([
    ['an Allow covering the prefix', [team], 's3:GetObject', 'arn:loam:s3:::team/data/', 'Allow'],
    ['another bucket', [team], 's3:GetObject', 'arn:loam:s3:::other/data/', 'ImplicitDeny'],
    ['a Deny reaching part of the prefix', [team, noSecret], 's3:GetObject', 'arn:loam:s3:::team/', 'ExplicitDeny'],
    ['a Deny beside the prefix', [team, noSecret], 's3:GetObject', 'arn:loam:s3:::team/data/', 'Allow'],
    ['an Allow of one object only covers the object, not the prefix', [oneObject], 's3:GetObject', 'arn:loam:s3:::team/data/train.csv', 'ImplicitDeny'],
    ['Allows that cover the prefix only together do not count', [split], 's3:GetObject', 'arn:loam:s3:::team/', 'ImplicitDeny'],
    ['another action', [readOnlyS3], 's3:PutObject', 'arn:loam:s3:::team/out/', 'ImplicitDeny'],
    ['NotResource Allow away from the prefix', [allButOther], 's3:PutObject', 'arn:loam:s3:::team/out/', 'Allow'],
    ['NotResource Allow over the prefix', [allButOther], 's3:PutObject', 'arn:loam:s3:::other/out/', 'ImplicitDeny'],
    ['NotResource Allow that excludes part of the prefix', [allButOther], 's3:GetObject', 'arn:loam:s3:::ot', 'ImplicitDeny'],
    ['NotResource Deny whose exception covers the prefix', [admin, denyOutsideTeam], 's3:GetObject', 'arn:loam:s3:::team/x/', 'Allow'],
    ['NotResource Deny whose exception covers part of it', [admin, denyOutsideTeam], 's3:GetObject', 'arn:loam:s3:::te', 'ExplicitDeny'],
    ['AdministratorAccess', [admin], 's3:DeleteObject', 'arn:loam:s3:::anything/', 'Allow'],
    // A SageMaker ARN's path in any case, as evaluate: the Deny refuses dataset protected-ds, so also a prefix reaching it.
    ['a Deny on SageMaker resources written with capitals', [admin, p({ Effect: 'Deny', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:dataset/Protected*' })], 'sagemaker:DescribeDataset', 'arn:loam:sagemaker:us-east-1:000000000000:dataset/prot', 'ExplicitDeny'],
  ])('%s', (_, policies, action, resource, expected) => {
    expect(evaluatePrefix(policies, action, resource)).toBe(expected);
  });

  it('names the prefix with a trailing * and the input field when refusing', () => {
    const bob: Principal = { userName: 'bob', userId: 'AIDABOB', arn: 'arn:loam:iam::000000000000:user/bob', via: 'token' };
    expect(() => authorizeData(bob, [team, noSecret], 's3:GetObject', 'arn:loam:s3:::team/', 'prefix', '/InputDataConfig/0/DataSource/S3DataSource/S3Uri')).toThrow(
      'User: arn:loam:iam::000000000000:user/bob is not authorized to perform: s3:GetObject on resource: arn:loam:s3:::team/* with an explicit deny (/InputDataConfig/0/DataSource/S3DataSource/S3Uri: Loam reads and writes it for the caller)',
    );
    expect(authorizeData(bob, [oneObject], 's3:GetObject', 'arn:loam:s3:::team/data/train.csv', 'object', '/ModelDataUrl')).toBeUndefined();
  });
});

describe('evaluateAny (some resource under a prefix: a list that answers only what the caller may act on)', () => {
  const alarms = 'arn:loam:cloudwatch:us-east-1:000000000000:alarm:';
  const team = p({ Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: 'arn:loam:cloudwatch:*:*:alarm:team-*' });
  const all = p({ Effect: 'Allow', Action: 'cloudwatch:*', Resource: '*' });
  const denyAlice = p({ Effect: 'Deny', Action: 'cloudwatch:*', Resource: 'arn:loam:cloudwatch:*:*:alarm:alice-*' });
  const denyAll = p({ Effect: 'Deny', Action: 'cloudwatch:DescribeAlarms', Resource: 'arn:loam:cloudwatch:*:*:alarm:*' });
  const allButTeam = p({ Effect: 'Allow', Action: 'cloudwatch:*', NotResource: 'arn:loam:cloudwatch:*:*:alarm:team-*' });
  it.each<[string, PolicyDocument[], string, Decision]>([
    ['an Allow on some of the alarms', [team], alarms, 'Allow'],
    ['an Allow on some under the prefix', [team], `${alarms}te`, 'Allow'],
    ['an Allow on none under the prefix', [team], `${alarms}alice`, 'ImplicitDeny'],
    ['no Allow for the action', [p({ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' })], alarms, 'ImplicitDeny'],
    ['a Deny on part of them', [all, denyAlice], alarms, 'Allow'],
    ['a Deny on all under the prefix', [all, denyAlice], `${alarms}alice-`, 'ExplicitDeny'],
    ['a Deny on every alarm', [all, denyAll], alarms, 'ExplicitDeny'],
    ['NotResource Allow that leaves some out', [allButTeam], `${alarms}team`, 'Allow'],
    ['NotResource Allow that leaves all of them out', [allButTeam], `${alarms}team-`, 'ImplicitDeny'],
  ])('%s', (_, policies, resource, expected) => {
    expect(evaluateAny(policies, 'cloudwatch:DescribeAlarms', resource)).toBe(expected);
  });

  it('authorizeAny reads a trailing * as any ending, and checks a resource without one as it is', () => {
    const tess: Principal = { userName: 'tess', userId: 'AIDATESS', arn: 'arn:loam:iam::000000000000:user/tess', via: 'token' };
    expect(authorizeAny(tess, [team], 'cloudwatch:DescribeAlarms', `${alarms}*`)).toBeUndefined();
    expect(() => authorizeAny(tess, [team], 'cloudwatch:DescribeAlarms', `${alarms}alice*`)).toThrow(`User: ${tess.arn} is not authorized to perform: cloudwatch:DescribeAlarms on resource: ${alarms}alice*`);
    expect(() => authorizeAny(tess, [team], 'cloudwatch:DescribeAlarms', `${alarms}team`)).toThrow(/on resource: .*alarm:team$/);
    expect(authorizeAny(tess, [team], 'cloudwatch:DescribeAlarms', `${alarms}team-a`)).toBeUndefined();
  });
});
