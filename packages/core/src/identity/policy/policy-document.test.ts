import { describe, expect, it } from 'vitest';
import { LoamError } from '../../kernel/errors.js';
import { parsePolicyDocument } from './policy-document.js';

function failure(source: unknown): LoamError {
  try {
    parsePolicyDocument(source);
  } catch (e) {
    if (e instanceof LoamError) return e;
    throw e;
  }
  throw new Error('expected a ValidationException');
}

const stmt = (s: object) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', ...s }] });

describe('parsePolicyDocument: accepted documents', () => {
  it('reads a statement array with string and array members', () => {
    const d = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Id: 'p1',
        Statement: [
          { Sid: 'One', Effect: 'Allow', Action: ['sagemaker:Describe*', 'iam:GetUser'], Resource: 'arn:loam:sagemaker:*:*:training-job/*' },
          { Effect: 'Deny', NotAction: 'iam:*', NotResource: ['*'] },
        ],
      }),
    );
    expect(d).toEqual({
      version: '2012-10-17',
      statements: [
        { sid: 'One', effect: 'Allow', action: { negated: false, patterns: ['sagemaker:Describe*', 'iam:GetUser'] }, resource: { negated: false, patterns: ['arn:loam:sagemaker:*:*:training-job/*'] } },
        { effect: 'Deny', action: { negated: true, patterns: ['iam:*'] }, resource: { negated: true, patterns: ['*'] } },
      ],
    });
  });

  it('reads a single statement object and the 2008-10-17 version', () => {
    const d = parsePolicyDocument({ Version: '2008-10-17', Statement: { Effect: 'Deny', Action: 'sagemaker:Delete*', Resource: '*' } });
    expect(d.version).toBe('2008-10-17');
    expect(d.statements).toHaveLength(1);
    expect(d.statements[0]?.effect).toBe('Deny');
  });

  it('defaults a missing Version to 2008-10-17, as IAM does', () => {
    expect(parsePolicyDocument({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }).version).toBe('2008-10-17');
  });
});

describe('parsePolicyDocument: rejected documents name the path', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['invalid JSON', '{"Version":', '/PolicyDocument', /not valid JSON/],
    ['a JSON array', '[]', '/PolicyDocument', /JSON object/],
    ['an unknown version', { Version: '2020-01-01', Statement: [] }, '/PolicyDocument/Version', /'2012-10-17' or '2008-10-17'; got "2020-01-01"/],
    ['an unknown top-level element', { Version: '2012-10-17', Statement: [], Statment: [] }, '/PolicyDocument/Statment', /not a policy element/],
    ['no Statement', { Version: '2012-10-17' }, '/PolicyDocument/Statement', /required/],
    ['an empty Statement', { Version: '2012-10-17', Statement: [] }, '/PolicyDocument/Statement', /at least one/],
    ['a lower-case effect', stmt({ Effect: 'allow' }), '/PolicyDocument/Statement/0/Effect', /'Allow' or 'Deny'; got "allow"/],
    ['a missing effect', { Version: '2012-10-17', Statement: [{ Action: '*', Resource: '*' }] }, '/PolicyDocument/Statement/0/Effect', /'Allow' or 'Deny'/],
    ['Action with NotAction', stmt({ NotAction: 'iam:*' }), '/PolicyDocument/Statement/0/NotAction', /together with Action/],
    ['no Action', { Version: '2012-10-17', Statement: { Effect: 'Allow', Resource: '*' } }, '/PolicyDocument/Statement/Action', /required/],
    ['no Resource', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*' }] }, '/PolicyDocument/Statement/0/Resource', /required \(or NotResource\)/],
    ['an action without a service', stmt({ Action: ['sagemaker:ListModels', 'ListModels'] }), '/PolicyDocument/Statement/0/Action/1', /'service:action'/],
    ['an empty action list', stmt({ Action: [] }), '/PolicyDocument/Statement/0/Action', /must not be empty/],
    ['a non-string action', stmt({ Action: [3] }), '/PolicyDocument/Statement/0/Action/0', /non-empty string; got 3/],
    ['a resource that is not an ARN', stmt({ Resource: 'training-job/x' }), '/PolicyDocument/Statement/0/Resource', /an ARN/],
    ['a Condition', stmt({ Condition: { StringEquals: { 'aws:username': 'x' } } }), '/PolicyDocument/Statement/0/Condition', /not supported yet/],
    ['a Principal', stmt({ Principal: '*' }), '/PolicyDocument/Statement/0/Principal', /must not be given/],
    ['an unknown statement element', stmt({ Effects: 'Allow' }), '/PolicyDocument/Statement/0/Effects', /not a statement element/],
    ['a Sid with punctuation', stmt({ Sid: 'my-sid' }), '/PolicyDocument/Statement/0/Sid', /letters and digits/],
    [
      'duplicate Sids',
      { Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'A', Effect: 'Deny', Action: '*', Resource: '*' }] },
      '/PolicyDocument/Statement/1/Sid',
      /unique/,
    ],
    ['a document over 6144 characters', JSON.stringify(stmt({ Sid: 'x'.repeat(6200) })), '/PolicyDocument', /6144/],
  ])('%s', (_, source, path, message) => {
    const e = failure(source);
    expect(e.code).toBe('ValidationException');
    expect(e.fields.map((f) => f.path)).toEqual([path]);
    expect(e.message).toMatch(message);
  });
});
