import { loam } from '../../api/client.js';
import type { PickerProps } from '../../patterns/field-pickers.js';
import { ResourcePicker } from '../../patterns/resource-picker.js';
import { artifactLabel } from './artifact-label.js';

/**
 * The model artifacts of the most recent completed training jobs, offered for a model data URL (any URL may
 * still be typed), each with the job that wrote it and its final metrics: after a tuning job the trials'
 * artifacts differ only by a suffix, and the metric is what the user picks by.
 */
export function ArtifactPicker(p: PickerProps) {
  return (
    <ResourcePicker
      {...p}
      free
      queryKey={['ListTrainingJobs', 'artifacts']}
      empty="No completed training jobs yet; type the URL of a model.tar.gz."
      load={async (signal) => {
        const jobs = await loam.ListTrainingJobs({ StatusEquals: 'Completed', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 20 }, { signal });
        const described = await Promise.all(jobs.TrainingJobSummaries.map((j) => loam.DescribeTrainingJob({ TrainingJobName: j.TrainingJobName }, { signal })));
        return described.flatMap((d) => (d.ModelArtifacts?.S3ModelArtifacts ? [{ value: d.ModelArtifacts.S3ModelArtifacts, label: artifactLabel(d) }] : []));
      }}
    />
  );
}
