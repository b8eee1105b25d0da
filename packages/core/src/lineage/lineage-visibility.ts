import type { Principal } from '../kernel/context.js';
import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import { AccessDeniedError } from '../kernel/errors.js';
import { parseArn } from '../kernel/names.js';
import { parseS3Uri } from '../ports/artifact-store.js';

/**
 * The action that reads each kind of resource lineage holds: QueryLineage (authorized on `*`, as in
 * SageMaker) lists a vertex only to a caller who may read it this way, so a walk from a shared dataset
 * does not name another team's jobs, models and endpoints.
 */
const readActionByKind: Readonly<Record<string, string>> = {
  'training-job': 'sagemaker:DescribeTrainingJob',
  'processing-job': 'sagemaker:DescribeProcessingJob',
  'transform-job': 'sagemaker:DescribeTransformJob',
  'hyper-parameter-tuning-job': 'sagemaker:DescribeHyperParameterTuningJob',
  'mlflow-run': 'sagemaker:GetMlflowRun',
  dataset: 'sagemaker:DescribeDataset',
  'model-package': 'sagemaker:DescribeModelPackage',
  'model-package-group': 'sagemaker:DescribeModelPackageGroup',
  model: 'sagemaker:DescribeModel',
  'endpoint-config': 'sagemaker:DescribeEndpointConfig',
  endpoint: 'sagemaker:DescribeEndpoint',
  // The MLflow experiment guarding each is the server's VertexReadCheck (experimentEntitiesReadCheck).
  experiment: 'sagemaker:DescribeExperiment',
  'experiment-trial': 'sagemaker:DescribeTrial',
  'experiment-trial-component': 'sagemaker:DescribeTrialComponent',
};

/**
 * A read check of its own for the vertices whose read is more than one action on their ARN (an MLflow
 * run is read on the run and on its experiment, which its ARN does not name): whether the caller may
 * read `arn`, or undefined for an ARN it does not judge.
 */
export type VertexReadCheck = (principal: Principal, arn: string) => Promise<boolean> | undefined;

/**
 * Whether the caller may see a lineage vertex: the `readCheck` where it judges the ARN; else a resource by its kind's read action on its ARN; an
 * artifact of an `s3://` location by `s3:GetObject` on it (its SourceUri names a bucket and key);
 * anything else (a flow run, whose read is its flow's and its flow is not in its ARN; AddAssociation's
 * contexts and actions; other schemes) by `sagemaker:QueryLineage` on its ARN, so a Deny there hides
 * it. Decisions are cached per query.
 */
export class LineageVisibility {
  private readonly cache = new Map<string, Promise<boolean>>();

  constructor(
    private readonly authorize: ActionAuthorizer,
    private readonly principal: Principal,
    private readonly readCheck?: VertexReadCheck,
  ) {}

  visible(arn: string, sourceUri?: string): Promise<boolean> {
    const own = this.readCheck?.(this.principal, arn);
    if (own !== undefined) return own;
    const [action, resource] = this.check(arn, sourceUri);
    const key = `${action} ${resource}`;
    let hit = this.cache.get(key);
    if (!hit) this.cache.set(key, (hit = isAllowed(this.authorize, this.principal, action, resource)));
    return hit;
  }

  /**
   * Refuses a start the caller may not read by what its ARN (or location) alone says: the kind's read action
   * on the ARN (a `readCheck`'s ARN too: GetMlflowRun on an MLflow run, DescribeTrial on a trial, ...),
   * `s3:GetObject` on a location; the authorizer's refusal naming `field`. It is judged before anything about
   * the start is looked up, so the refusal is the same whether or not it exists. What only its record says (the
   * MLflow experiment guarding a `readCheck`'s ARN) cannot be judged so: @returns false for a start that
   * record hides, which the caller answers as one that does not exist (ResourceNotFound, as a missing one
   * whose ARN the caller may read), so a hidden one and a missing one answer alike. @throws AccessDeniedError
   */
  async require(arn: string, sourceUri: string | undefined, field: string): Promise<boolean> {
    const why = `${field}: a lineage query starts only from what the caller may read`;
    const [action, resource] = this.check(arn, sourceUri);
    try {
      await this.authorize(this.principal, action, resource);
    } catch (e) {
      if ((e as { code?: string }).code === 'AccessDeniedException') throw new AccessDeniedError(`${(e as Error).message} (${why})`);
      throw e;
    }
    return (await this.readCheck?.(this.principal, arn)) ?? true;
  }

  private check(arn: string, sourceUri: string | undefined): [string, string] {
    const kind = parseArn(arn)?.kind;
    if (kind === 'artifact' && sourceUri?.startsWith('s3://')) {
      const ref = parseS3Uri(sourceUri);
      if (ref) return ['s3:GetObject', `arn:loam:s3:::${ref.bucket}/${ref.key}`];
    }
    const action = kind !== undefined ? readActionByKind[kind] : undefined;
    return [action ?? 'sagemaker:QueryLineage', arn];
  }
}
