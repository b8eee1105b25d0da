import { defineOperation } from '../operation.js';
import * as S from '../shapes/lineage.js';

const base = { capability: 'lineage', aws: true } as const;

export const QueryLineage = defineOperation({
  ...base, name: 'QueryLineage', kind: 'action',
  summary: 'Walks lineage up (where did this come from) and down (where is it used) from a resource or an s3:// location, to MaxDepth associations.',
  input: S.QueryLineageInput, output: S.QueryLineageOutput, errors: ['ValidationException', 'ResourceNotFound'],
  iamAction: 'sagemaker:QueryLineage', resource: '*',
  authorizationNote: 'Lists only the vertices the caller may read: a resource by its read action on it (`sagemaker:DescribeTrainingJob`, `sagemaker:DescribeModel`, ...; an MLflow run by `sagemaker:GetMlflowRun` on the run and on its experiment; an experiment, trial or trial component by its Describe action on it and on the MLflow experiment guarding it), an s3:// artifact by `s3:GetObject` on its location, anything else by `sagemaker:QueryLineage` on its ARN; edges only between the starts and what is listed. A start whose ARN (or location) the caller may not read that way is refused (AccessDeniedException) before Loam looks for it, so the refusal is the same whether or not it exists; what only the record of a start says is judged after, and a start it hides answers ResourceNotFound, as an unknown ARN does: an artifact named by its ARN whose location the caller may not read, an MLflow run, experiment, trial or trial component in an MLflow experiment the caller may not read.',
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

const artifact = '{ArtifactArn}';
export const CreateArtifact = defineOperation({
  ...base, name: 'CreateArtifact', kind: 'create',
  summary: 'Creates a lineage artifact for a location (an s3:// URI, an image, …); one artifact per location, so an artifact lineage already records for it is given the name, type, properties and tags.',
  input: S.CreateArtifactInput, output: S.CreateArtifactOutput, errors: ['ValidationException', 'ResourceInUse'],
  iamAction: 'sagemaker:CreateArtifact', resource: 'arn:loam:sagemaker:{Region}:{Account}:artifact/*',
  authorizationNote: 'An s3:// location also needs `s3:GetObject` on it: its artifact is the one lineage records for the data, which a caller who may not read it neither claims nor renames.',
  rest: { method: 'POST', path: '/api/v1/lineage/artifacts' },
});
export const DescribeArtifact = defineOperation({
  ...base, name: 'DescribeArtifact', kind: 'describe',
  summary: 'Describes a lineage artifact: its location (Source), type, name and properties; artifacts lineage records for data and model locations included.',
  input: S.DescribeArtifactInput, output: S.DescribeArtifactOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeArtifact', resource: artifact,
  authorizationNote: 'An s3:// location\'s artifact is ResourceNotFound to a caller without `s3:GetObject` on the location, as QueryLineage leaves it out.',
  rest: { method: 'GET', path: '/api/v1/lineage/artifact' },
});
export const ListArtifacts = defineOperation({
  ...base, name: 'ListArtifacts', kind: 'list',
  summary: 'Lists lineage artifacts, filtered by location, type and creation time, sorted by creation time and paged.',
  input: S.ListArtifactsInput, output: S.ListArtifactsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListArtifacts', resource: '*', rest: { method: 'GET', path: '/api/v1/lineage/artifacts' },
});
export const UpdateArtifact = defineOperation({
  ...base, name: 'UpdateArtifact', kind: 'update',
  summary: 'Renames a lineage artifact and sets or removes its properties.',
  input: S.UpdateArtifactInput, output: S.UpdateArtifactOutput, errors: ['ResourceNotFound', 'ValidationException', 'ConflictException'],
  iamAction: 'sagemaker:UpdateArtifact', resource: artifact,
  authorizationNote: 'An s3:// location\'s artifact is ResourceNotFound to a caller without `s3:GetObject` on the location, as QueryLineage leaves it out.',
  rest: { method: 'POST', path: '/api/v1/lineage/artifacts/update' },
});
export const DeleteArtifact = defineOperation({
  ...base, name: 'DeleteArtifact', kind: 'delete',
  summary: 'Deletes a lineage artifact, named by its ARN or by its Source, with the associations to and from it.',
  input: S.DeleteArtifactInput, output: S.DeleteArtifactOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DeleteArtifact', resource: artifact,
  authorizationNote: 'An artifact named by its Source is checked on `*` before it is found (its ARN is not in the request), so a policy allowing `sagemaker:DeleteArtifact` only on some artifacts deletes by ArtifactArn; then on its ARN too, so a Deny naming the artifact holds. An s3:// location\'s artifact also needs `s3:GetObject` on the location (by ArtifactArn, ResourceNotFound without it). Its associations go with it, so each needs `sagemaker:DeleteAssociation` on its other end, as DeleteAssociation would.',
  rest: { method: 'POST', path: '/api/v1/lineage/artifacts/delete' },
});
export const ListAssociations = defineOperation({
  ...base, name: 'ListAssociations', kind: 'list',
  summary: 'Lists lineage associations, filtered by either end (ARN or vertex type), association type and creation time, sorted and paged.',
  input: S.ListAssociationsInput, output: S.ListAssociationsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListAssociations', resource: '*',
  authorizationNote: 'Lists only the associations both of whose ends the caller may read, judged as QueryLineage judges its vertices (a resource by its read action, an s3:// artifact by `s3:GetObject` on its location, anything else by `sagemaker:QueryLineage` on its ARN).',
  rest: { method: 'GET', path: '/api/v1/lineage/associations' },
});
