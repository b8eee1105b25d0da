import { describe, expect, it } from 'vitest';
import { deniedPermission, toUserFacingError } from './problems.js';

const user = 'arn:loam:iam::000000000000:user/bob';
const denied = (message: string, iamAction?: string) => toUserFacingError({ code: 'AccessDeniedException', message, status: 403 }, iamAction ? { iamAction } : {});

describe('what Studio tells a user Loam refused', () => {
  it('names the action and resource the server named, not the one the page called', () => {
    const job = 'arn:loam:sagemaker:us-east-1:000000000000:training-job/theirs';
    expect(denied(`User: ${user} is not authorized to perform: sagemaker:DescribeTrainingJob on resource: ${job} (StartArns/0: a lineage query starts only from what the caller may read)`, 'sagemaker:QueryLineage').action)
      .toBe(`Ask an administrator to attach a policy that allows sagemaker:DescribeTrainingJob on ${job} to your user.`);
    expect(denied(`User: ${user} is not authorized to perform: s3:GetObject on resource: arn:loam:s3:::data/a b (1).csv (StartArns/0: a lineage query starts only from what the caller may read)`).action)
      .toBe('Ask an administrator to attach a policy that allows s3:GetObject on arn:loam:s3:::data/a b (1).csv to your user.');
    expect(denied(`User: ${user} is not authorized to perform: sagemaker:QueryLineage on resource: *`).action)
      .toBe('Ask an administrator to attach a policy that allows sagemaker:QueryLineage on * to your user.');
  });

  it('says an explicit deny is one no allow overrides', () => {
    expect(deniedPermission(`User: ${user} is not authorized to perform: sagemaker:DescribeEndpoint on resource: arn:loam:sagemaker:us-east-1:0:endpoint/x with an explicit deny (StartArns/0: why)`))
      .toEqual({ action: 'sagemaker:DescribeEndpoint', resource: 'arn:loam:sagemaker:us-east-1:0:endpoint/x', explicitDeny: true });
    expect(denied(`User: ${user} is not authorized to perform: sagemaker:DescribeEndpoint on resource: arn:x with an explicit deny`).action)
      .toBe('A policy denies sagemaker:DescribeEndpoint on arn:x to your user, and no allow overrides a deny: ask an administrator to lift it.');
  });

  it('ends the resource where the explanation Loam adds begins, whatever field it names', () => {
    const said = (rest: string) => deniedPermission(`User: ${user} is not authorized to perform: ${rest}`);
    // A training job's channel (authorizeData): the field is a JSON pointer.
    expect(said('s3:GetObject on resource: arn:loam:s3:::team/* with an explicit deny (/InputDataConfig/0/DataSource/S3DataSource/S3Uri: Loam reads and writes it for the caller)'))
      .toEqual({ action: 's3:GetObject', resource: 'arn:loam:s3:::team/*', explicitDeny: true });
    expect(said('s3:GetObject on resource: arn:loam:s3:::team/data set (1)/* (/InputDataConfig/0/DataSource/S3DataSource/S3Uri (its "prefix"): Loam reads and writes it for the caller)'))
      .toEqual({ action: 's3:GetObject', resource: 'arn:loam:s3:::team/data set (1)/*', explicitDeny: false });
    expect(said('s3:GetObject on resource: arn:loam:s3:::m/model.tar.gz (/Containers/0/ModelPackageName (churn/1): Loam reads and writes it for the caller)')?.resource)
      .toBe('arn:loam:s3:::m/model.tar.gz');
    expect(said("sagemaker:DescribeDataset on resource: arn:loam:sagemaker:us-east-1:0:dataset/churn (/Definition/nodes/0/dataset: source 'a' of the flow reads it for the caller)")?.resource)
      .toBe('arn:loam:sagemaker:us-east-1:0:dataset/churn');
    expect(said("sagemaker:UpdateMlflowExperiment on resource: arn:loam:sagemaker:us-east-1:0:mlflow-experiment/3 (ExperimentConfig.ExperimentName: 'exp': experiment 3, where the training job would log its run)")?.resource)
      .toBe('arn:loam:sagemaker:us-east-1:0:mlflow-experiment/3');
    // Sentences appended to the authorizer's words (DeleteExperiment of an experiment with runs, DeleteEndpoint with scalable targets).
    expect(said('sagemaker:DeleteMlflowRun on resource: arn:loam:sagemaker:us-east-1:0:mlflow-experiment/3 with an explicit deny Deleting experiment 3 deletes its runs too.'))
      .toEqual({ action: 'sagemaker:DeleteMlflowRun', resource: 'arn:loam:sagemaker:us-east-1:0:mlflow-experiment/3', explicitDeny: true });
    expect(said("sagemaker:DeregisterScalableTarget on resource: arn:loam:sagemaker:us-east-1:0:endpoint/e Endpoint 'e' has scalable targets (endpoint/e/variant/v) that deleting it deregisters: get that permission, or have them deregistered first.")?.resource)
      .toBe('arn:loam:sagemaker:us-east-1:0:endpoint/e');
  });

  it('names an action without a resource form, and falls back to the page\'s action, then to the server\'s words', () => {
    expect(deniedPermission(`User: ${user} is not authorized to perform: sagemaker:ListMlflowArtifacts on artifact path 'x': it lies under no experiment's artifact location.`))
      .toEqual({ action: 'sagemaker:ListMlflowArtifacts', explicitDeny: false });
    expect(denied('no', 'iam:CreateUser').action).toBe('Ask an administrator to attach a policy that allows iam:CreateUser to your user.');
    // A message naming no action (Loam's all do since ed168b77; one from something in front of it may not).
    expect(denied(`User: ${user} may not do this from outside the network.`).action)
      .toBe('Ask an administrator for a policy that allows what Loam refused (may not do this from outside the network).');
    expect(toUserFacingError({ code: 'AccessDeniedException', status: 403 }).action).toBe('Ask an administrator for a policy that allows this.');
  });
});
