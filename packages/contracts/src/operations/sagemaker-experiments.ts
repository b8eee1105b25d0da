import { defineOperation } from '../operation.js';
import * as S from '../shapes/sagemaker-experiments.js';

/*
 * SageMaker's Experiments API over the AWS protocol and Loam's REST API, on the experiment store MLflow
 * clients reach (ADR 0009): an experiment is the MLflow experiment of that name, a trial component an
 * MLflow run, a trial a group of trial components in one experiment. Authorized as SageMaker's
 * authorization reference lists them, on `experiment/<name>`, `experiment-trial/<name>` and
 * `experiment-trial-component/<name>`.
 */

const experiment = 'arn:loam:sagemaker:{Region}:{Account}:experiment/{ExperimentName}';
const base = { capability: 'sagemaker-experiments', aws: true } as const;
const p = '/api/v1/sagemaker-experiments';
const listNote = 'Lists only the experiments the caller may describe (`sagemaker:DescribeExperiment` on each, and on its `mlflow-experiment/<id>`); a page holds MaxResults of them unless the list ends or one request has read max(1,000, 10 × MaxResults) rows, and a NextToken follows only a page with one after it.';

export const CreateExperiment = defineOperation({
  ...base, name: 'CreateExperiment', kind: 'create',
  summary: 'Creates an experiment (the MLflow experiment of that name, which MLflow clients see too); its description is the MLflow note, its tags MLflow experiment tags.',
  input: S.CreateExperimentInput, output: S.ExperimentArnOutput, errors: ['ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:CreateExperiment', resource: experiment, rest: { method: 'POST', path: `${p}/experiments` },
});
export const DescribeExperiment = defineOperation({
  ...base, name: 'DescribeExperiment', kind: 'describe', summary: 'Describes an experiment: display name, description and times.',
  input: S.ExperimentNameInput, output: S.DescribeExperimentOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeExperiment', resource: experiment, authorizationNote: 'Also the same action on the experiment\'s `mlflow-experiment/<id>`, where its runs are guarded.', rest: { method: 'GET', path: `${p}/experiments/{ExperimentName}` },
});
export const ListExperiments = defineOperation({
  ...base, name: 'ListExperiments', kind: 'list', summary: 'Lists active experiments, filtered by creation time, sorted by name or creation time and paged.',
  input: S.ListExperimentsInput, output: S.ListExperimentsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListExperiments', resource: '*', authorizationNote: listNote, rest: { method: 'GET', path: `${p}/experiments` },
});
export const UpdateExperiment = defineOperation({
  ...base, name: 'UpdateExperiment', kind: 'update', summary: "Changes an experiment's display name or description.",
  input: S.UpdateExperimentInput, output: S.ExperimentArnOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:UpdateExperiment', resource: experiment, authorizationNote: 'Also the same action on the experiment\'s `mlflow-experiment/<id>`, where its runs are guarded.', rest: { method: 'PATCH', path: `${p}/experiments/{ExperimentName}` },
});
export const DeleteExperiment = defineOperation({
  ...base, name: 'DeleteExperiment', kind: 'delete',
  summary: 'Deletes an experiment that holds no trials; its MLflow runs are marked deleted with it (restorable through MLflow, which keeps the name taken).',
  input: S.ExperimentNameInput, output: S.ExperimentArnOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DeleteExperiment', resource: experiment,
  authorizationNote: 'Also `sagemaker:DeleteMlflowRun` on the MLflow experiment when it has active runs, which are deleted with it. Also the same action on the experiment\'s `mlflow-experiment/<id>`, where its runs are guarded.',
  rest: { method: 'DELETE', path: `${p}/experiments/{ExperimentName}` },
});

const component = 'arn:loam:sagemaker:{Region}:{Account}:experiment-trial-component/{TrialComponentName}';

export const CreateTrialComponent = defineOperation({
  ...base, name: 'CreateTrialComponent', kind: 'create',
  summary: "Creates a trial component: an MLflow run (in the Default experiment until a trial holds it) whose params are the component's Parameters.",
  input: S.CreateTrialComponentInput, output: S.TrialComponentArnOutput, errors: ['ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:CreateTrialComponent', resource: component, rest: { method: 'POST', path: `${p}/trial-components` },
});
export const DescribeTrialComponent = defineOperation({
  ...base, name: 'DescribeTrialComponent', kind: 'describe',
  summary: "Describes a trial component (by name or ARN): its run's params as Parameters, status and times, artifacts, and a summary of each metric.",
  input: S.DescribeTrialComponentInput, output: S.DescribeTrialComponentOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeTrialComponent', resource: component, authorizationNote: 'Also the same action on `mlflow-experiment/<id>` of the experiment holding the component\'s run (none for a component made with CreateTrialComponent, a run of Default).', rest: { method: 'GET', path: `${p}/trial-components/{TrialComponentName}` },
});
export const ListTrialComponents = defineOperation({
  ...base, name: 'ListTrialComponents', kind: 'list',
  summary: 'Lists trial components, those of an experiment, of a trial or of a source (a training job) when given, sorted and paged.',
  input: S.ListTrialComponentsInput, output: S.ListTrialComponentsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:ListTrialComponents', resource: '*',
  authorizationNote: 'Lists only the trial components the caller may describe (`sagemaker:DescribeTrialComponent` on each, and on the MLflow experiment of its run); by ExperimentName or TrialName, ResourceNotFound (as for a missing one) unless the caller may describe that experiment or trial on its `mlflow-experiment/<id>`; a page holds MaxResults of them unless the list ends or one request has read max(1,000, 10 × MaxResults) rows, and a NextToken follows only a page with one after it.',
  rest: { method: 'GET', path: `${p}/trial-components` },
});
export const UpdateTrialComponent = defineOperation({
  ...base, name: 'UpdateTrialComponent', kind: 'update',
  summary: "Changes a trial component: display name, status, times, parameters (set or removed, overwriting the run's params) and artifacts.",
  input: S.UpdateTrialComponentInput, output: S.TrialComponentArnOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:UpdateTrialComponent', resource: component, authorizationNote: 'Also the same action on `mlflow-experiment/<id>` of the experiment holding the component\'s run (none for a component made with CreateTrialComponent, a run of Default).', rest: { method: 'POST', path: `${p}/trial-components/{TrialComponentName}/update` },
});
export const DeleteTrialComponent = defineOperation({
  ...base, name: 'DeleteTrialComponent', kind: 'delete',
  summary: 'Deletes a trial component that no trial holds; its run is marked deleted (MLflow can restore the run, not the component).',
  input: S.TrialComponentNameInput, output: S.TrialComponentArnOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DeleteTrialComponent', resource: component, authorizationNote: 'Also the same action on `mlflow-experiment/<id>` of the experiment holding the component\'s run (none for a component made with CreateTrialComponent, a run of Default).', rest: { method: 'DELETE', path: `${p}/trial-components/{TrialComponentName}` },
});

const trial = 'arn:loam:sagemaker:{Region}:{Account}:experiment-trial/{TrialName}';
export const CreateTrial = defineOperation({
  ...base, name: 'CreateTrial', kind: 'create', summary: 'Creates a trial in an experiment: a named group of trial components.',
  input: S.CreateTrialInput, output: S.TrialArnOutput, errors: ['ResourceNotFound', 'ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:CreateTrial', resource: trial, authorizationNote: 'Also the same action on the trial\'s `mlflow-experiment/<id>`.', rest: { method: 'POST', path: `${p}/trials` },
});
export const DescribeTrial = defineOperation({
  ...base, name: 'DescribeTrial', kind: 'describe', summary: 'Describes a trial: its experiment, display name and times.',
  input: S.TrialNameInput, output: S.DescribeTrialOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeTrial', resource: trial, authorizationNote: 'Also the same action on the trial\'s `mlflow-experiment/<id>`.', rest: { method: 'GET', path: `${p}/trials/{TrialName}` },
});
export const ListTrials = defineOperation({
  ...base, name: 'ListTrials', kind: 'list', summary: 'Lists trials, those of an experiment or holding a trial component when given, sorted and paged.',
  input: S.ListTrialsInput, output: S.ListTrialsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:ListTrials', resource: '*',
  authorizationNote: 'Lists only the trials the caller may describe (`sagemaker:DescribeTrial` on each, and on its MLflow experiment); by ExperimentName, ResourceNotFound (as for a missing one) unless the caller may describe that experiment on its `mlflow-experiment/<id>`, and by TrialComponentName unless they may describe the component on the MLflow experiment of its run; a page holds MaxResults of them unless the list ends or one request has read max(1,000, 10 × MaxResults) rows, and a NextToken follows only a page with one after it.',
  rest: { method: 'GET', path: `${p}/trials` },
});
export const UpdateTrial = defineOperation({
  ...base, name: 'UpdateTrial', kind: 'update', summary: "Changes a trial's display name.",
  input: S.UpdateTrialInput, output: S.TrialArnOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:UpdateTrial', resource: trial, authorizationNote: 'Also the same action on the trial\'s `mlflow-experiment/<id>`.', rest: { method: 'PATCH', path: `${p}/trials/{TrialName}` },
});
export const DeleteTrial = defineOperation({
  ...base, name: 'DeleteTrial', kind: 'delete', summary: 'Deletes a trial that holds no trial components.',
  input: S.TrialNameInput, output: S.TrialArnOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DeleteTrial', resource: trial, authorizationNote: 'Also the same action on the trial\'s `mlflow-experiment/<id>`.', rest: { method: 'DELETE', path: `${p}/trials/{TrialName}` },
});
export const AssociateTrialComponent = defineOperation({
  ...base, name: 'AssociateTrialComponent', kind: 'action', summary: 'Puts a trial component in a trial (a component may be in several).',
  input: S.TrialComponentAssociationInput, output: S.TrialComponentAssociationOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:AssociateTrialComponent', resource: component, alsoOn: [trial], authorizationNote: 'Also the same action on `mlflow-experiment/<id>` of the trial\'s experiment and of the component run\'s (none for a component made with CreateTrialComponent).', rest: { method: 'POST', path: `${p}/trials/{TrialName}/trial-components` },
});
export const DisassociateTrialComponent = defineOperation({
  ...base, name: 'DisassociateTrialComponent', kind: 'action', summary: 'Takes a trial component out of a trial.',
  input: S.TrialComponentAssociationInput, output: S.TrialComponentAssociationOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DisassociateTrialComponent', resource: component, alsoOn: [trial], authorizationNote: 'Also the same action on `mlflow-experiment/<id>` of the trial\'s experiment and of the component run\'s (none for a component made with CreateTrialComponent).', rest: { method: 'POST', path: `${p}/trials/{TrialName}/trial-components/delete` },
});
