import { FieldPickers } from '../../patterns/field-pickers.js';
import { builtInXgboostImage } from '../jobs/job-paths.js';
import { CreateDialog } from '../models/create-dialog.js';
import { ArtifactPicker } from './artifact-picker.js';
import { groupPath } from './registry-paths.js';

/**
 * Register a new version in a model group: CreateModelPackage's generated form, pre-filled for the built-in
 * XGBoost serving CSV, with the model artifacts of recent completed training jobs offered for the model data URL.
 * The group's page, with the new version in its table, opens afterwards.
 */
export function RegisterVersion({ group }: { group: string }) {
  return (
    <FieldPickers pickers={{ 'InferenceSpecification.Containers.*.ModelDataUrl': ArtifactPicker }}>
      <CreateDialog
        operation="CreateModelPackage"
        title="Register version"
        nameKey="ModelPackageGroupName"
        listOperation="ListModelPackages"
        pathOf={groupPath}
        // The group existed already: what is new is a version of it, numbered by the server.
        doneTitle={(name, out) => {
          const version = /\/(\d+)$/.exec(String((out as { ModelPackageArn?: unknown })?.ModelPackageArn ?? ''))?.[1];
          return version ? `Version ${version} of ${name} registered` : `Version registered in ${name}`;
        }}
        initialCounts={{ 'InferenceSpecification.Containers': 1 }}
        initial={() => ({
          ModelPackageGroupName: group,
          ModelApprovalStatus: 'PendingManualApproval',
          'InferenceSpecification.Containers.0.Image': builtInXgboostImage,
          'InferenceSpecification.SupportedContentTypes': ['text/csv'],
          'InferenceSpecification.SupportedResponseMIMETypes': ['text/csv'],
        })}
      />
    </FieldPickers>
  );
}
