import { ArtifactProxyAccess, type Partition, type TrackingService } from '@loam/core';
import type { Authorizer } from '../../operations/dispatcher.js';

/** The MLflow action an S3 object action is on the artifact proxy. */
const mlflowActionOf: Readonly<Record<string, string>> = {
  's3:GetObject': 'sagemaker:GetMlflowArtifact',
  's3:GetObjectTagging': 'sagemaker:GetMlflowArtifact',
  's3:ListMultipartUploadParts': 'sagemaker:GetMlflowArtifact',
  's3:PutObject': 'sagemaker:PutMlflowArtifact',
  's3:AbortMultipartUpload': 'sagemaker:PutMlflowArtifact',
  's3:DeleteObject': 'sagemaker:DeleteMlflowArtifact',
};

/**
 * The S3 API's authorizer, holding objects of Loam's MLflow artifact bucket (`loam-mlflow`, where the
 * artifact proxy stores `mlflow-artifacts:/…`) to what the proxy holds them to (ADR 0009): after the S3
 * permission, an object action is checked as the proxy's action (GetMlflowArtifact, PutMlflowArtifact,
 * DeleteMlflowArtifact) on every run and experiment that holds the key, so a user denied an experiment
 * cannot read or replace its models by going around the proxy. Objects nothing holds, and bucket-level
 * actions (listings), keep the S3 permission alone.
 */
export function withMlflowArtifactOwners(authorize: Authorizer, tracking: TrackingService, partition: Partition): Authorizer {
  const prefix = `arn:loam:s3:::${tracking.artifacts.bucket}/`;
  return async (principal, action, resource) => {
    await authorize(principal, action, resource);
    const mlflowAction = mlflowActionOf[action];
    if (mlflowAction === undefined || !resource.startsWith(prefix)) return;
    const ref = { bucket: tracking.artifacts.bucket, key: resource.slice(prefix.length) };
    await new ArtifactProxyAccess(tracking, authorize, partition, principal).checkHeld(mlflowAction, ref);
  };
}
