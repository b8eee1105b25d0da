import { isAllowed, type ActionAuthorizer } from '../../kernel/authorizer.js';
import { parseArn } from '../../kernel/names.js';
import type { RequestContext } from '../../kernel/context.js';
import type { VertexReadCheck } from '../../lineage/lineage-visibility.js';

/** A service's `exists`: whether the entity an ARN names exists, and with a context, to that caller as its Describe shows it. */
type Exists = (arn: string, ctx?: RequestContext) => Promise<boolean>;

/**
 * For lineage (a VertexReadCheck): whether the caller may read the experiment, trial or trial component
 * an ARN names, as its Describe* lets them: the action on its ARN, and for one that exists, on the MLflow
 * experiment guarding it (`exists` with the caller). Undefined for any other ARN. Lineage judged these by
 * `sagemaker:QueryLineage` on the ARN, which every caller of QueryLineage has, so it listed them (and
 * started walks from them) to callers who may not describe them.
 */
export function experimentEntitiesReadCheck(
  authorize: ActionAuthorizer,
  entities: { readonly experiment: Exists; readonly trial: Exists; readonly trialComponent: Exists },
): VertexReadCheck {
  const byKind: Readonly<Record<string, readonly [string, Exists]>> = {
    experiment: ['sagemaker:DescribeExperiment', entities.experiment],
    'experiment-trial': ['sagemaker:DescribeTrial', entities.trial],
    'experiment-trial-component': ['sagemaker:DescribeTrialComponent', entities.trialComponent],
  };
  return (principal, arn) => {
    const hit = byKind[parseArn(arn)?.kind ?? ''];
    if (hit === undefined) return undefined;
    const [action, exists] = hit;
    return (async () => {
      if (!(await isAllowed(authorize, principal, action, arn))) return false;
      // One no longer stored has no experiment to check: its ARN decides (as for an MLflow run).
      if (!(await exists(arn))) return true;
      return exists(arn, { principal, requestId: 'lineage-visibility' });
    })();
  };
}
