const acronyms: Readonly<Record<string, string>> = { Arn: 'ARN', Id: 'ID', Url: 'URL', Iam: 'IAM', Kms: 'KMS', Vpc: 'VPC', Api: 'API', Json: 'JSON', Csv: 'CSV', Sql: 'SQL', Uri: 'URI', Mb: 'MB', Gb: 'GB', Http: 'HTTP', Auc: 'AUC', Ml: 'ML' };

/**
 * A PascalCase member name as a sentence-case label a person reads: `ExpiresInDays` → `Expires in days`,
 * `ResourceArn` → `Resource ARN`, `AccessKeyId` → `Access key ID`.
 */
export function labelFor(name: string): string {
  // Product names keep their spelling: `EnableSageMakerMetricsTimeSeries` read 'Enable sage maker metrics…'.
  if (/SageMaker|HyperParameter/.test(name)) return labelFor(name.replace(/SageMaker/g, 'Sagemaker').replace(/HyperParameter/g, 'Hyperparameter')).replace(/\bsagemaker\b/gi, 'SageMaker');
  const words = name.match(/[A-Z]+\d+(?![a-z])|[A-Z]+(?![a-z\d])|[A-Z]?[a-z]+|\d+/g) ?? [name];
  return words
    .map((w, i) => {
      const a = acronyms[w];
      if (a) return a;
      if (/^[A-Z]{2,}$|^[A-Z]+\d+$/.test(w)) return w;
      return i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w.toLowerCase();
    })
    .join(' ');
}

/**
 * `ListUsers` → `users`; `ListAccessKeys` → `access keys`: the plural noun a list operation is about.
 * `Mlflow` names the API an operation belongs to, not what a user sees: `ListMlflowExperiments` → `experiments`.
 */
export function nounOf(operationName: string): string {
  return labelFor(operationName.replace(/^(List|Describe|Get|Create|Delete|Update)/, '').replace(/^Mlflow(?=[A-Z])/, ''))
    .split(' ')
    .map((w) => (/^[A-Z]{2,}$/.test(w) ? w : w.toLowerCase()))
    .join(' ');
}

/** `ListAccessKeys` → `AccessKey`, `ListPolicies` → `Policy`: the PascalCase resource a list holds. */
export function resourceOf(listOperationName: string): string {
  const plural = listOperationName.replace(/^List/, '');
  return plural.endsWith('ies') ? `${plural.slice(0, -3)}y` : plural.replace(/s$/, '');
}
