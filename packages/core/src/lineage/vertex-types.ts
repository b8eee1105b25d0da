import { parseArn } from '../kernel/names.js';

export type LineageTypeName = 'TrialComponent' | 'Artifact' | 'Context' | 'Action';

/**
 * SageMaker's lineage entity kinds for Loam's resources. SageMaker wraps resources in separate
 * entities (a training job is a TrialComponent, an endpoint a Context, a deployment an Action); Loam
 * uses the resources' own ARNs as vertices and reports the same classification.
 */
const byKind: Readonly<Record<string, readonly [LineageTypeName, string]>> = {
  'training-job': ['TrialComponent', 'TrainingJob'],
  'processing-job': ['TrialComponent', 'ProcessingJob'],
  'transform-job': ['TrialComponent', 'TransformJob'],
  'hyper-parameter-tuning-job': ['TrialComponent', 'TuningJob'],
  'mlflow-run': ['TrialComponent', 'MLflowRun'],
  'flow-run': ['TrialComponent', 'DataWranglerFlowRun'],
  'experiment-trial-component': ['TrialComponent', 'TrialComponent'],
  dataset: ['Artifact', 'DataSet'],
  'model-package': ['Artifact', 'ModelPackage'],
  'model-package-group': ['Context', 'ModelGroup'],
  model: ['Context', 'Model'],
  'endpoint-config': ['Action', 'ModelDeployment'],
  endpoint: ['Context', 'Endpoint'],
  'pipeline-execution': ['Context', 'PipelineExecution'],
  action: ['Action', 'Action'],
  context: ['Context', 'Context'],
};

/** Lineage type and vertex type of an ARN; artifacts get their type from their record. */
export function vertexTypeOf(arn: string): { lineageType: LineageTypeName; type: string } {
  const kind = parseArn(arn)?.kind ?? '';
  const hit = byKind[kind];
  if (hit) return { lineageType: hit[0], type: hit[1] };
  return { lineageType: 'Context', type: kind.replace(/(^|-)([a-z])/g, (_, _d: string, c: string) => c.toUpperCase()) || 'Unknown' };
}
