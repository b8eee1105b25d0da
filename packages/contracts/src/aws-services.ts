import type { ErrorCode } from './errors.js';

/**
 * An AWS service whose wire protocol Loam speaks for some operations of the table, as the service's
 * model (botocore's `service-2.json` metadata) describes it. The AWS transport routes by it: the
 * `X-Amz-Target: <targetPrefix>.<Operation>` header picks the service and the operation, and the
 * request's SigV4 credential scope must name `signingName`.
 */
export interface AwsService {
  /** The client name (`boto3.client('application-autoscaling')`), used in docs and messages. */
  readonly clientName: string;
  /** The AWS JSON 1.1 protocol: `POST /`, `X-Amz-Target`, `application/x-amz-json-1.1`. */
  readonly protocol: 'json';
  readonly targetPrefix: string;
  readonly signingName: string;
  /**
   * The service's own exception names for Loam's codes where they differ (Application Auto Scaling
   * says `ObjectNotFoundException` where SageMaker says `ResourceNotFound`). The status stays Loam's.
   */
  readonly errorCodes?: Readonly<Partial<Record<ErrorCode, string>>>;
}

/** SageMaker's own API (the default for operations marked `aws`). */
export const sageMakerService: AwsService = Object.freeze({ clientName: 'sagemaker', protocol: 'json', targetPrefix: 'SageMaker', signingName: 'sagemaker' });

/** Application Auto Scaling, for endpoint variants (`ServiceNamespace` `sagemaker`). */
export const applicationAutoScalingService: AwsService = Object.freeze({
  clientName: 'application-autoscaling', protocol: 'json', targetPrefix: 'AnyScaleFrontendService', signingName: 'application-autoscaling',
  errorCodes: Object.freeze({ ResourceNotFound: 'ObjectNotFoundException', ResourceLimitExceeded: 'LimitExceededException', ConflictException: 'ConcurrentUpdateException' }),
});
