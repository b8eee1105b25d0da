import { Type } from '@sinclair/typebox';
import { defineOperation } from '../operation.js';
import { Empty, Output } from '../shapes/common.js';
import * as S from '../shapes/identity.js';

const user = 'arn:loam:iam::{Account}:user/{UserName}';
const policy = 'arn:loam:iam::{Account}:policy/{PolicyName}';
const base = { capability: 'identity', aws: false } as const;

export const CreateUser = defineOperation({
  ...base, name: 'CreateUser', kind: 'create', summary: 'Creates a user who can then be given access keys, API tokens and policies.',
  input: S.CreateUserInput, output: S.UserOutput, errors: ['ResourceInUse', 'ValidationException'],
  iamAction: 'iam:CreateUser', resource: user, rest: { method: 'POST', path: '/api/v1/users' },
});
export const GetUser = defineOperation({
  ...base, name: 'GetUser', kind: 'describe', summary: 'Describes a user and the policies attached to it.',
  input: S.GetUserInput, output: S.UserOutput, errors: ['ResourceNotFound'],
  iamAction: 'iam:GetUser', resource: user, callerField: 'UserName', rest: { method: 'GET', path: '/api/v1/users/{UserName}' },
});
export const GetCallerIdentity = defineOperation({
  ...base, name: 'GetCallerIdentity', kind: 'describe', summary: 'Tells who the credentials of this request belong to.',
  input: Empty, output: Output({ UserName: Type.String(), UserId: Type.String(), Arn: Type.String(), Account: Type.String() }), errors: [],
  iamAction: 'sts:GetCallerIdentity', resource: '*', rest: { method: 'GET', path: '/api/v1/caller-identity' },
});
export const ListUsers = defineOperation({
  ...base, name: 'ListUsers', kind: 'list', summary: 'Lists users, by name.',
  input: S.ListUsersInput, output: S.ListUsersOutput, errors: ['ValidationException'],
  iamAction: 'iam:ListUsers', resource: '*', rest: { method: 'GET', path: '/api/v1/users' },
});
export const DeleteUser = defineOperation({
  ...base, name: 'DeleteUser', kind: 'delete', summary: 'Deletes a user with its access keys, API tokens and sessions.',
  input: S.DeleteUserInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'iam:DeleteUser', resource: user, rest: { method: 'DELETE', path: '/api/v1/users/{UserName}' },
});
export const CreateAccessKey = defineOperation({
  ...base, name: 'CreateAccessKey', kind: 'create', summary: 'Creates an access key (id and secret) for SigV4 clients: the AWS SDKs, boto3 and the aws CLI.',
  input: S.CreateAccessKeyInput, output: S.CreateAccessKeyOutput, errors: ['ResourceNotFound', 'ResourceLimitExceeded'],
  iamAction: 'iam:CreateAccessKey', resource: user, callerField: 'UserName', rest: { method: 'POST', path: '/api/v1/access-keys' },
});
export const ListAccessKeys = defineOperation({
  ...base, name: 'ListAccessKeys', kind: 'list', summary: "Lists a user's access keys (never their secrets).",
  input: S.ListAccessKeysInput, output: S.ListAccessKeysOutput, errors: ['ResourceNotFound'],
  iamAction: 'iam:ListAccessKeys', resource: user, callerField: 'UserName', rest: { method: 'GET', path: '/api/v1/access-keys' },
});
export const UpdateAccessKey = defineOperation({
  ...base, name: 'UpdateAccessKey', kind: 'update', summary: 'Activates or deactivates an access key.',
  input: S.UpdateAccessKeyInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'iam:UpdateAccessKey', resource: user, callerField: 'UserName', rest: { method: 'PATCH', path: '/api/v1/access-keys/{AccessKeyId}' },
});
export const DeleteAccessKey = defineOperation({
  ...base, name: 'DeleteAccessKey', kind: 'delete', summary: 'Deletes an access key; requests signed with it fail from then on.',
  input: S.DeleteAccessKeyInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'iam:DeleteAccessKey', resource: user, callerField: 'UserName', rest: { method: 'DELETE', path: '/api/v1/access-keys/{AccessKeyId}' },
});
export const CreateApiToken = defineOperation({
  ...base, name: 'CreateApiToken', kind: 'create', summary: 'Creates a bearer token for the REST API, MLflow clients and load tools.',
  input: S.CreateApiTokenInput, output: S.CreateApiTokenOutput, errors: ['ResourceNotFound', 'ResourceLimitExceeded'],
  iamAction: 'iam:CreateApiToken', resource: user, callerField: 'UserName', rest: { method: 'POST', path: '/api/v1/api-tokens' },
});
export const ListApiTokens = defineOperation({
  ...base, name: 'ListApiTokens', kind: 'list', summary: "Lists a user's API tokens (never the tokens themselves).",
  input: S.ListApiTokensInput, output: S.ListApiTokensOutput, errors: ['ResourceNotFound'],
  iamAction: 'iam:ListApiTokens', resource: user, callerField: 'UserName', rest: { method: 'GET', path: '/api/v1/api-tokens' },
});
export const DeleteApiToken = defineOperation({
  ...base, name: 'DeleteApiToken', kind: 'delete', summary: 'Revokes an API token.',
  input: S.DeleteApiTokenInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'iam:DeleteApiToken', resource: user, callerField: 'UserName', rest: { method: 'DELETE', path: '/api/v1/api-tokens/{TokenId}' },
});
export const CreatePolicy = defineOperation({
  ...base, name: 'CreatePolicy', kind: 'create', summary: 'Creates a managed policy from an IAM policy document (Allow/Deny, actions, resources).',
  input: S.CreatePolicyInput, output: S.PolicyOutput, errors: ['ResourceInUse', 'ValidationException'],
  iamAction: 'iam:CreatePolicy', resource: policy, rest: { method: 'POST', path: '/api/v1/policies' },
});
export const GetPolicy = defineOperation({
  ...base, name: 'GetPolicy', kind: 'describe', summary: 'Describes a managed policy and its document.',
  input: S.GetPolicyInput, output: S.PolicyOutput, errors: ['ResourceNotFound'],
  iamAction: 'iam:GetPolicy', resource: policy, rest: { method: 'GET', path: '/api/v1/policies/{PolicyName}' },
});
export const ListPolicies = defineOperation({
  ...base, name: 'ListPolicies', kind: 'list', summary: 'Lists managed policies, built-in ones included.',
  input: S.ListPoliciesInput, output: S.ListPoliciesOutput, errors: ['ValidationException'],
  iamAction: 'iam:ListPolicies', resource: '*', rest: { method: 'GET', path: '/api/v1/policies' },
});
export const DeletePolicy = defineOperation({
  ...base, name: 'DeletePolicy', kind: 'delete', summary: 'Deletes a managed policy that no user has attached.',
  input: S.DeletePolicyInput, output: Empty, errors: ['ResourceNotFound', 'ResourceInUse', 'ValidationException'],
  iamAction: 'iam:DeletePolicy', resource: policy, rest: { method: 'DELETE', path: '/api/v1/policies/{PolicyName}' },
});
export const AttachUserPolicy = defineOperation({
  ...base, name: 'AttachUserPolicy', kind: 'action', summary: 'Attaches a managed policy to a user.',
  input: S.UserPolicyInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'iam:AttachUserPolicy', resource: user, rest: { method: 'PUT', path: '/api/v1/users/{UserName}/policies/{PolicyName}' },
});
export const DetachUserPolicy = defineOperation({
  ...base, name: 'DetachUserPolicy', kind: 'action', summary: 'Detaches a managed policy from a user.',
  input: S.UserPolicyInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'iam:DetachUserPolicy', resource: user, rest: { method: 'DELETE', path: '/api/v1/users/{UserName}/policies/{PolicyName}' },
});
export const ListAttachedUserPolicies = defineOperation({
  ...base, name: 'ListAttachedUserPolicies', kind: 'list', summary: 'Lists the managed policies attached to a user.',
  input: S.ListAttachedUserPoliciesInput, output: S.ListAttachedUserPoliciesOutput, errors: ['ResourceNotFound'],
  iamAction: 'iam:ListAttachedUserPolicies', resource: user, rest: { method: 'GET', path: '/api/v1/users/{UserName}/policies' },
});
export const CreateLoginLink = defineOperation({
  ...base, name: 'CreateLoginLink', kind: 'create', summary: 'Creates a one-time Studio sign-in link for a user (what `loam up` prints).',
  input: S.CreateLoginLinkInput, output: S.CreateLoginLinkOutput, errors: ['ResourceNotFound'],
  iamAction: 'iam:CreateLoginLink', resource: user, callerField: 'UserName', rest: { method: 'POST', path: '/api/v1/login-links' },
});
export const DescribeServerConfig = defineOperation({
  ...base, name: 'DescribeServerConfig', kind: 'describe', summary: 'Shows the effective server configuration, secrets redacted, and where each value came from.',
  input: Empty, output: Output({ Config: Type.Unknown({ description: 'The configuration with secrets replaced by ***.' }), Sources: Type.Record(Type.String(), Type.String(), { description: 'For each setting: default, file <path>, env <NAME> or flag --<name>.' }) }), errors: [],
  iamAction: 'loam:DescribeServerConfig', resource: '*', rest: { method: 'GET', path: '/api/v1/server-config' },
});
