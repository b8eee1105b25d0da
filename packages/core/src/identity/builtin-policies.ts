/** A managed policy every Loam installation has; it cannot be changed or deleted. */
export interface BuiltInPolicy {
  readonly name: string;
  readonly description: string;
  /** The document as JSON text, as GetPolicy returns it. */
  readonly document: string;
}

const doc = (statement: object): string => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

export const administratorAccess: BuiltInPolicy = {
  name: 'AdministratorAccess',
  description: 'Full access to every operation on every resource.',
  document: doc({ Sid: 'AllowEverything', Effect: 'Allow', Action: '*', Resource: '*' }),
};

export const readOnlyAccess: BuiltInPolicy = {
  name: 'ReadOnlyAccess',
  description: 'Describe, list, get and search every resource, and read logs, alarms and metrics; change nothing.',
  document: doc({
    Sid: 'ReadOnly',
    Effect: 'Allow',
    // The logs actions as AWS's ReadOnlyAccess (and CloudWatchLogsReadOnlyAccess) name them, limited to the reads Loam serves;
    // CloudWatch's reads (DescribeAlarms, GetMetricStatistics, GetMetricData, ListMetrics) as AWS's ReadOnlyAccess names them.
    Action: [
      'sagemaker:Describe*', 'sagemaker:List*', 'sagemaker:Get*', 'sagemaker:Search', 'iam:Get*', 'iam:List*', 'sts:GetCallerIdentity',
      'logs:Describe*', 'logs:Get*', 'logs:FilterLogEvents', 'cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*',
    ],
    Resource: '*',
  }),
};

export const builtInPolicies: readonly BuiltInPolicy[] = [administratorAccess, readOnlyAccess];

export function isBuiltInPolicy(name: string): boolean {
  return builtInPolicies.some((p) => p.name === name);
}
