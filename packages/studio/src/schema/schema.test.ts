import { describe, expect, it } from 'vitest';
import { operations } from '@loam/contracts';
import { abilitiesOf, columnsOf, listShapeOf, sortRows } from './columns.js';
import { fieldsOf, type JsonSchema } from './fields.js';
import { labelFor, nounOf, resourceOf } from './labels.js';
import { timeAgo } from './format.js';
import { explainPattern } from './patterns.js';
import { toUserFacingError } from './problems.js';
import { emptyValues, toInput, validateField, validateForm } from './validate.js';

const schema = (s: unknown) => s as JsonSchema;
const field = (op: keyof typeof operations, name: string) => {
  const f = fieldsOf(schema(operations[op].input)).find((x) => x.name === name);
  if (!f) throw new Error(`${op} has no field ${name}`);
  return f;
};

describe('labels', () => {
  it.each([
    ['UserName', 'User name'],
    ['ExpiresInDays', 'Expires in days'],
    ['ResourceArn', 'Resource ARN'],
    ['AccessKeyId', 'Access key ID'],
    ['Tags', 'Tags'],
    ['S3Uri', 'S3 URI'],
    ['S3OutputPath', 'S3 output path'],
    ['VolumeSizeInGB', 'Volume size in GB'],
    ['MaxPayloadInMB', 'Max payload in MB'],
    ['ModelDataUrl', 'Model data URL'],
    ['InstanceCount', 'Instance count'],
    ['EnableSageMakerMetricsTimeSeries', 'Enable SageMaker metrics time series'],
    ['HyperParameterTuningJobName', 'Hyperparameter tuning job name'],
    ['StaticHyperParameters', 'Static hyperparameters'],
  ])('%s → %s', (name, label) => expect(labelFor(name)).toBe(label));
});

describe('fields from input schemas', () => {
  it('reads kinds, requiredness and constraints from the operation table', () => {
    const token = fieldsOf(schema(operations.CreateApiToken.input));
    expect(token.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['TokenName', 'text', true],
      ['UserName', 'text', false],
      ['ExpiresInDays', 'integer', false],
    ]);
    expect(field('UpdateAccessKey', 'Status')).toMatchObject({ kind: 'choice', choices: ['Active', 'Inactive'], required: true });
    expect(field('CreateUser', 'Tags').kind).toBe('tags');
    expect(field('DeleteTags', 'TagKeys').kind).toBe('list');
    expect(field('CreatePolicy', 'PolicyDocument').kind).toBe('longtext');
    expect(fieldsOf(schema(operations.ListUsers.input)).map((f) => f.name)).not.toContain('NextToken');
  });
});

describe('validation messages say what is wrong and what to do', () => {
  const userName = field('CreateUser', 'UserName');
  it('names the characters a pattern refuses and the ones it allows', () => {
    expect(validateField(userName, 'ana maria!')).toBe('“ ” (space) and “!” are not allowed here. Use letters, digits and _ + = , . @ - only.');
    expect(validateField(userName, 'ana.maria@x')).toBeUndefined();
  });
  it('reports required, length and range', () => {
    expect(validateField(userName, '')).toBe('Required: enter a value for user name.');
    expect(validateField(userName, 'a'.repeat(65))).toBe('Too long: 65 characters; use at most 64.');
    const days = field('CreateApiToken', 'ExpiresInDays');
    expect(validateField(days, '0')).toBe('Enter a number from 1 to 3650.');
    expect(validateField(days, '2.5')).toBe('Enter a whole number, without decimals.');
    expect(validateField(days, '')).toBeUndefined();
  });
  it('checks tags row by row with the Tag schema', () => {
    const tags = field('CreateUser', 'Tags');
    expect(validateField(tags, [{ Key: 'team', Value: 'ml' }, { Key: 'team', Value: 'x' }])).toBe('Tag 2: the key “team” is used twice; each key can appear once.');
    expect(validateField(tags, [{ Key: '', Value: 'x' }])).toBe('Tag 1: enter a key (or clear the value to drop the row).');
    // Tag characters need Unicode property escapes, so the contract leaves them to the server.
    expect(validateField(tags, [{ Key: 'a#b', Value: '' }])).toBeUndefined();
  });
  it('explains well-known patterns in words', () => {
    expect(explainPattern('^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$', '-x')).toMatch(/^Use letters, digits and hyphens/);
  });
});

describe('form values → operation input', () => {
  it('drops empty optional fields and converts numbers', () => {
    const fields = fieldsOf(schema(operations.CreateApiToken.input));
    const values = { ...emptyValues(fields), TokenName: 'ci', ExpiresInDays: ' 30 ' };
    expect(validateForm(fields, values)).toEqual({});
    expect(toInput(fields, values)).toEqual({ TokenName: 'ci', ExpiresInDays: 30 });
    const user = fieldsOf(schema(operations.CreateUser.input));
    expect(toInput(user, { UserName: 'ana', Tags: [{ Key: 'team', Value: 'ml' }, { Key: '', Value: '' }] })).toEqual({ UserName: 'ana', Tags: [{ Key: 'team', Value: 'ml' }] });
  });
});

describe('list columns and abilities', () => {
  it('finds rows, page token, name filter and page size from ListUsers', () => {
    const shape = listShapeOf(schema(operations.ListUsers.output));
    expect(shape?.itemsKey).toBe('Users');
    expect(shape?.paged).toBe(true);
    expect(abilitiesOf(schema(operations.ListUsers.input))).toEqual({ nameFilter: 'NameContains', pageSize: { min: 1, max: 100 }, paged: true });
    const cols = columnsOf(shape!.item);
    expect(cols.map((c) => [c.key, c.kind])).toEqual([
      ['UserName', 'name'],
      ['UserId', 'text'],
      ['Arn', 'text'],
      ['CreateDate', 'time'],
      ['AttachedPolicies', 'list'],
    ]);
  });
  it('marks status columns from unions of literals', () => {
    const shape = listShapeOf(schema(operations.ListAccessKeys.output));
    expect(columnsOf(shape!.item).find((c) => c.key === 'Status')).toMatchObject({ kind: 'status', choices: ['Active', 'Inactive'] });
  });
  it('sorts names numerically-aware and missing values last', () => {
    const rows = [{ n: 'user10' }, { n: 'user2' }, { n: undefined }, { n: 'User1' }];
    expect(sortRows(rows, 'n', false).map((r) => r.n)).toEqual(['User1', 'user2', 'user10', undefined]);
  });
});

describe('API errors for people', () => {
  it('puts problem+json field errors on the fields, reworded from the schema', () => {
    const fields = fieldsOf(schema(operations.CreateUser.input));
    const e = { code: 'ValidationException', message: '1 validation error detected', status: 400, fields: [{ path: '/UserName', message: "must be string to match '^[\\w+=,.@-]+$' pattern" }] };
    const u = toUserFacingError(e, { fields, values: { UserName: 'a b' } });
    expect(u.fields).toEqual({ UserName: '“ ” (space) is not allowed here. Use letters, digits and _ + = , . @ - only.' });
    expect(u.action).toBe('Correct the highlighted fields and submit again.');
    const nested = toUserFacingError({ ...e, fields: [{ path: '/Tags/0/Key', message: 'is required' }] }, { fields });
    expect(nested.fields).toEqual({ Tags: 'Tag 1 key: Is required.' });
  });
  it('puts "already exists" on the name field of a create form and says what to do when denied', () => {
    const fields = fieldsOf(schema(operations.CreateUser.input));
    const u = toUserFacingError({ code: 'ResourceInUse', message: "User 'ana' already exists.", status: 409 }, { fields, kind: 'create' });
    expect(u.fields).toEqual({ UserName: "User 'ana' already exists. Choose another name." });
    const denied = toUserFacingError({ code: 'AccessDeniedException', message: 'no', status: 403 }, { iamAction: 'iam:CreateUser' });
    expect(denied.action).toBe('Ask an administrator to attach a policy that allows iam:CreateUser to your user.');
  });
});

describe('names and times', () => {
  it('picks the resource identity column and keeps acronyms in nouns', () => {
    const keys = listShapeOf(schema(operations.ListAccessKeys.output))!;
    expect(columnsOf(keys.item, [], resourceOf('ListAccessKeys'))[0]).toMatchObject({ key: 'AccessKeyId', kind: 'name' });
    const tokens = listShapeOf(schema(operations.ListApiTokens.output))!;
    expect(columnsOf(tokens.item, [], resourceOf('ListApiTokens'))[0]?.key).toBe('TokenName');
    expect(resourceOf('ListPolicies')).toBe('Policy');
    expect(nounOf('ListApiTokens')).toBe('API tokens');
    // What the Experiments page's filter is labelled: 'Filter experiments by name', not '… mlflow experiments …'.
    expect(nounOf('ListMlflowExperiments')).toBe('experiments');
  });
  it('says future times as "in …"', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(timeAgo(now / 1000 + 30 * 86400, now)).toBe('in 30 days');
    expect(timeAgo(now / 1000 - 7200, now)).toBe('2 h ago');
    expect(timeAgo(now / 1000 - 10, now)).toBe('just now');
  });
});
