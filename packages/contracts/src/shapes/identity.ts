import { Type } from '@sinclair/typebox';
import { Arn, Input, MaxResults, NextToken, Output, TagList, Timestamp } from './common.js';

/** IAM's user-name rule. */
export const UserName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w+=,.@-]+$' });
export const PolicyName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\w+=,.@-]+$' });
export const AccessKeyId = Type.String({ minLength: 16, maxLength: 128, pattern: '^[\\w]+$' });
export const AccessKeyStatus = Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]);

export const User = Output({
  UserName: Type.String(),
  UserId: Type.String(),
  Arn: Type.String(),
  CreateDate: Timestamp,
  /** Names of the managed policies attached to the user. */
  AttachedPolicies: Type.Array(Type.String()),
});

export const CreateUserInput = Input({ UserName, Tags: Type.Optional(TagList) });
export const UserOutput = Output({ User });
export const GetUserInput = Input({ UserName: Type.Optional(UserName) }, 'Omit UserName for the calling user.');
export const ListUsersInput = Input({
  NameContains: Type.Optional(Type.String({ maxLength: 64 })),
  MaxResults: Type.Optional(MaxResults),
  NextToken: Type.Optional(NextToken),
});
export const ListUsersOutput = Output({ Users: Type.Array(User), NextToken: Type.Optional(Type.String()) });
export const DeleteUserInput = Input({ UserName });

export const AccessKeyMetadata = Output({
  AccessKeyId: Type.String(),
  UserName: Type.String(),
  Status: AccessKeyStatus,
  CreateDate: Timestamp,
  LastUsedDate: Type.Optional(Timestamp),
});
export const CreateAccessKeyInput = Input({ UserName: Type.Optional(UserName) }, 'Omit UserName for the calling user.');
export const CreateAccessKeyOutput = Output({
  AccessKey: Output({
    AccessKeyId: Type.String(),
    SecretAccessKey: Type.String({ description: 'Shown once; Loam keeps it encrypted so it can verify SigV4 signatures.' }),
    UserName: Type.String(),
    Status: AccessKeyStatus,
    CreateDate: Timestamp,
  }),
});
export const ListAccessKeysInput = Input({ UserName: Type.Optional(UserName) });
export const ListAccessKeysOutput = Output({ AccessKeyMetadata: Type.Array(AccessKeyMetadata) });
export const UpdateAccessKeyInput = Input({ AccessKeyId, Status: AccessKeyStatus, UserName: Type.Optional(UserName) });
export const DeleteAccessKeyInput = Input({ AccessKeyId, UserName: Type.Optional(UserName) });

export const TokenName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w+=,.@ -]+$' });
export const ApiTokenMetadata = Output({
  TokenId: Type.String(),
  TokenName: Type.String(),
  UserName: Type.String(),
  CreateDate: Timestamp,
  ExpiresAt: Type.Optional(Timestamp),
  LastUsedDate: Type.Optional(Timestamp),
});
export const CreateApiTokenInput = Input({
  TokenName,
  UserName: Type.Optional(UserName),
  ExpiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
});
export const CreateApiTokenOutput = Output({
  ApiToken: Output({ ...ApiTokenMetadata.properties, Token: Type.String({ description: 'Shown once; Loam keeps only its hash.' }) }),
});
export const ListApiTokensInput = Input({ UserName: Type.Optional(UserName) });
export const ListApiTokensOutput = Output({ ApiTokens: Type.Array(ApiTokenMetadata) });
export const DeleteApiTokenInput = Input({ TokenId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w-]+$' }), UserName: Type.Optional(UserName) });

/** An IAM policy document: `{"Version":"2012-10-17","Statement":[{"Effect","Action","Resource"}]}`, as JSON text. */
export const PolicyDocument = Type.String({ minLength: 1, maxLength: 6144 });
export const Policy = Output({
  PolicyName: Type.String(),
  Arn: Type.String(),
  Description: Type.Optional(Type.String()),
  PolicyDocument: Type.String(),
  CreateDate: Timestamp,
  UpdateDate: Timestamp,
  AttachmentCount: Type.Integer(),
  /** Built-in policies (AdministratorAccess, ReadOnlyAccess) cannot be changed or deleted. */
  IsBuiltIn: Type.Boolean(),
});
export const CreatePolicyInput = Input({ PolicyName, PolicyDocument, Description: Type.Optional(Type.String({ maxLength: 1000 })) });
export const PolicyOutput = Output({ Policy });
export const GetPolicyInput = Input({ PolicyName });
export const ListPoliciesInput = Input({ MaxResults: Type.Optional(MaxResults), NextToken: Type.Optional(NextToken) });
export const ListPoliciesOutput = Output({ Policies: Type.Array(Policy), NextToken: Type.Optional(Type.String()) });
export const DeletePolicyInput = Input({ PolicyName });
export const UserPolicyInput = Input({ UserName, PolicyName });
export const ListAttachedUserPoliciesInput = Input({ UserName });
export const ListAttachedUserPoliciesOutput = Output({
  AttachedPolicies: Type.Array(Output({ PolicyName: Type.String(), PolicyArn: Arn })),
});

export const CreateLoginLinkInput = Input({
  UserName: Type.Optional(UserName),
  ExpiresInSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 86400, description: 'How long the link stays usable (default 900).' })),
});
export const CreateLoginLinkOutput = Output({ AuthorizedUrl: Type.String(), ExpiresAt: Timestamp });
