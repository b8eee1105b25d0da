import { resourceArn, type Partition } from '../../kernel/names.js';
import type { ExperimentStore } from '../../ports/experiment-store.js';
import type { TagStore } from '../../ports/metadata-store.js';
import type { ExperimentNameFollower } from '../tracking.service.js';

/**
 * Keeps a SageMaker experiment's tags (AddTags/ListTags) with the experiment when MLflow renames it: they
 * are kept under its ARN, `experiment/<name lower-cased>`, in the metadata store's tag table (ADR 0009).
 *
 * No transaction spans that table and the experiment store, so tags under an ARN no experiment holds are
 * treated as garbage, and every step that gives an experiment a name first resets that ARN's tags: a
 * create clears them; a rename copies the experiment's tags over them before the rename is written and
 * clears the old ARN's after. A crash between two steps leaves only such garbage, never an experiment
 * without its tags or with another's.
 */
export function experimentTagsFollowNames(store: ExperimentStore, tags: TagStore, partition: Partition): ExperimentNameFollower {
  const arn = (name: string) => resourceArn(partition, 'experiment', name);
  return {
    async created(name) {
      await tags.clear(arn(name));
    },
    async renaming(e, to) {
      if (arn(to) === arn(e.name)) return;
      // Held by another experiment (in some case), the name is refused by the store: its tags are left alone.
      const holder = await store.getExperimentByNameInAnyCase(to);
      if (holder && holder.experimentId !== e.experimentId) return;
      const held = await tags.list(arn(e.name));
      await tags.clear(arn(to));
      if (held.length) await tags.put(arn(to), held);
    },
    async renamed(from, to) {
      if (arn(to) !== arn(from)) await tags.clear(arn(from));
    },
  };
}
