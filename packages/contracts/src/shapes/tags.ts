import { Type } from '@sinclair/typebox';
import { Arn, Input, NextToken, Output, TagList } from './common.js';

export const AddTagsInput = Input({ ResourceArn: Arn, Tags: TagList });
export const AddTagsOutput = Output({ Tags: TagList });
export const ListTagsInput = Input({
  ResourceArn: Arn,
  MaxResults: Type.Optional(Type.Integer({ minimum: 50, maximum: 100 })),
  NextToken: Type.Optional(NextToken),
});
/**
 * A tag as ListTags answers it. A resource's tags may have been set through MLflow's registry, which takes more of
 * them than SageMaker's 50 and longer ones (keys up to 250 characters, values up to 5000 of any kind); ListTags
 * returns them as they are, a page (MaxResults, at most 100) at a time. The inputs keep SageMaker's limits.
 */
export const ListedTag = Type.Object(
  {
    Key: Type.String({ minLength: 1, maxLength: 250, description: 'Up to 128 characters when set through SageMaker; up to 250 when set through MLflow.' }),
    Value: Type.String({ maxLength: 5000, description: 'Up to 256 characters when set through SageMaker; up to 5000, of any kind, when set through MLflow.' }),
  },
  { additionalProperties: false },
);
export const ListTagsOutput = Output({ Tags: Type.Array(ListedTag, { maxItems: 100 }), NextToken: Type.Optional(Type.String()) });
export const DeleteTagsInput = Input({ ResourceArn: Arn, TagKeys: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 50 }) });
export const DeleteTagsOutput = Output({});
