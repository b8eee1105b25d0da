import { loam } from '../../api/client.js';
import type { PickerProps } from '../../patterns/field-pickers.js';
import { ResourcePicker } from '../../patterns/resource-picker.js';

/** The model artifacts of the most recent completed training jobs, offered for a model data URL (any URL may still be typed). */
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
        return described.flatMap((d) => (d.ModelArtifacts?.S3ModelArtifacts ? [d.ModelArtifacts.S3ModelArtifacts] : []));
      }}
    />
  );
}
