import { Type } from '@sinclair/typebox';
import { Arn, Input, NextToken, Output, TagList } from './common.js';

export const AddTagsInput = Input({ ResourceArn: Arn, Tags: TagList });
export const AddTagsOutput = Output({ Tags: TagList });
export const ListTagsInput = Input({
  ResourceArn: Arn,
  MaxResults: Type.Optional(Type.Integer({ minimum: 50, maximum: 100 })),
  NextToken: Type.Optional(NextToken),
});
export const ListTagsOutput = Output({ Tags: TagList, NextToken: Type.Optional(Type.String()) });
export const DeleteTagsInput = Input({ ResourceArn: Arn, TagKeys: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 50 }) });
export const DeleteTagsOutput = Output({});
