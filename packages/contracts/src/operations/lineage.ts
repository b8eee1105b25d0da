import { defineOperation } from '../operation.js';
import * as S from '../shapes/lineage.js';

const base = { capability: 'lineage', aws: true } as const;

export const QueryLineage = defineOperation({
  ...base, name: 'QueryLineage', kind: 'action',
  summary: 'Walks lineage up (where did this come from) and down (where is it used) from a resource or an s3:// location, to MaxDepth associations.',
  input: S.QueryLineageInput, output: S.QueryLineageOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:QueryLineage', resource: '*',
  authorizationNote: 'Lists only the vertices the caller may read: a resource by its read action on it (`sagemaker:DescribeTrainingJob`, `sagemaker:DescribeModel`, ...; an MLflow run by `sagemaker:GetMlflowRun` on the run and on its experiment), an s3:// artifact by `s3:GetObject` on its location, anything else by `sagemaker:QueryLineage` on its ARN; edges only between the starts and what is listed.',
  rest: { method: 'POST', path: '/api/v1/lineage/query' },
});
export const AddAssociation = defineOperation({
  ...base, name: 'AddAssociation', kind: 'action',
  summary: 'Records a lineage association between two resources or locations (what the capabilities record for themselves, for anything else).',
  input: S.AddAssociationInput, output: S.AddAssociationOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:AddAssociation', resource: '{SourceArn}', alsoOn: ['{DestinationArn}'], rest: { method: 'POST', path: '/api/v1/lineage/associations' },
});
export const DeleteAssociation = defineOperation({
  ...base, name: 'DeleteAssociation', kind: 'delete',
  summary: 'Removes a lineage association between two resources or locations, whoever recorded it.',
  input: S.DeleteAssociationInput, output: S.DeleteAssociationOutput, errors: ['ValidationException', 'ResourceNotFound'],
  iamAction: 'sagemaker:DeleteAssociation', resource: '{SourceArn}', alsoOn: ['{DestinationArn}'], rest: { method: 'POST', path: '/api/v1/lineage/associations/delete' },
});
