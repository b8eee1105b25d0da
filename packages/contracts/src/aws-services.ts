import type { ErrorCode } from './errors.js';

interface AwsServiceBase {
  /** The client name (`boto3.client('application-autoscaling')`), used in docs and messages. */
  readonly clientName: string;
  /** The service the request's SigV4 credential scope must name. */
  readonly signingName: string;
  /**
   * The service's own exception names for Loam's codes where they differ (Application Auto Scaling says
   * `ObjectNotFoundException` where SageMaker says `ResourceNotFound`).
   */
  readonly errorCodes?: Readonly<Partial<Record<ErrorCode, string>>>;
  /** HTTP statuses of the service's exception names where they differ from Loam's code's status (CloudWatch's ResourceNotFound is 404). */
  readonly errorStatuses?: Readonly<Record<string, number>>;
}

/** The AWS JSON 1.1 protocol: `POST /`, `X-Amz-Target: <targetPrefix>.<Operation>`, `application/x-amz-json-1.1`. */
export interface AwsJsonService extends AwsServiceBase {
  readonly protocol: 'json';
  readonly targetPrefix: string;
}

/** The AWS query protocol: `POST /` with a form body (`Action`, `Version`, members flattened), XML answers. */
export interface AwsQueryService extends AwsServiceBase {
  readonly protocol: 'query';
  /** The `Version` every request names. */
  readonly apiVersion: string;
  /** The namespace of the answers' XML documents. */
  readonly xmlNamespace: string;
  /**
   * The service's AWS JSON face, where its model also lists `json` and is `awsQueryCompatible` (CloudWatch:
   * botocore 1.42.7 and later speak AWS JSON 1.0, older ones the query protocol). `POST /` with
   * `X-Amz-Target: <targetPrefix>.<Operation>` runs the same operations; errors carry the query code in
   * `x-amzn-query-error`.
   */
  readonly json?: { readonly targetPrefix: string; readonly jsonVersion: '1.0' | '1.1' };
}

/**
 * An AWS service whose wire protocol Loam speaks for some operations of the table, as the service's
 * model (botocore's `service-2.json` metadata) describes it. The AWS transport routes by it: the target
 * prefix (JSON) or the signing name and `Action` (query) pick the service and the operation, and the
 * request's SigV4 credential scope must name `signingName`.
 */
export type AwsService = AwsJsonService | AwsQueryService;

/** SageMaker's own API (the default for operations marked `aws`). */
export const sageMakerService: AwsJsonService = Object.freeze({ clientName: 'sagemaker', protocol: 'json', targetPrefix: 'SageMaker', signingName: 'sagemaker' });

/** Application Auto Scaling, for endpoint variants (`ServiceNamespace` `sagemaker`). */
export const applicationAutoScalingService: AwsJsonService = Object.freeze({
  clientName: 'application-autoscaling', protocol: 'json', targetPrefix: 'AnyScaleFrontendService', signingName: 'application-autoscaling',
  errorCodes: Object.freeze({ ResourceNotFound: 'ObjectNotFoundException', ResourceLimitExceeded: 'LimitExceededException', ConflictException: 'ConcurrentUpdateException' }),
});

/** CloudWatch's metric alarms over endpoint metrics (Loam's stand-in), as boto3's `cloudwatch` client calls them. */
export const cloudWatchService: AwsQueryService = Object.freeze({
  clientName: 'cloudwatch', protocol: 'query', signingName: 'monitoring', apiVersion: '2010-08-01', xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
  json: Object.freeze({ targetPrefix: 'GraniteServiceVersion20100801', jsonVersion: '1.0' as const }),
  errorCodes: Object.freeze({ ValidationException: 'InvalidParameterValue', ResourceLimitExceeded: 'LimitExceeded', ResourceNotFound: 'ResourceNotFound' }),
  errorStatuses: Object.freeze({ ResourceNotFound: 404 }),
});

/**
 * CloudWatch Logs, read-only over jobs' logs: the log groups SageMaker writes (`/aws/sagemaker/TrainingJobs`, …),
 * as the SageMaker Python SDK's `Estimator.fit(logs=True)`, `aws logs get-log-events` and boto3's `logs` client read them.
 */
export const cloudWatchLogsService: AwsJsonService = Object.freeze({
  clientName: 'logs', protocol: 'json', targetPrefix: 'Logs_20140328', signingName: 'logs',
  errorCodes: Object.freeze({ ResourceNotFound: 'ResourceNotFoundException', ValidationException: 'InvalidParameterException' }),
});
