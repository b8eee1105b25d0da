import { resourceArn, type Partition } from '../../kernel/names.js';
import type { ExperimentRecord, ExperimentStore } from '../../ports/experiment-store.js';
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
 *
 * An ARN's tags are touched only when no other experiment holds the ARN, as SageMakerExperimentsService.exists
 * resolves it (the experiment whose name is the ARN's in ASCII letter case): a rename whose old name another
 * experiment took meanwhile (another server) leaves that one's tags alone. Names are unique in ASCII case only,
 * and the ARN lower-cases ASCII letters only (`sageMakerArnName`), so `Été` and `été` are two experiments with
 * two ARNs.
 */
export function experimentTagsFollowNames(store: ExperimentStore, tags: TagStore, partition: Partition): ExperimentNameFollower {
  const arn = (name: string) => resourceArn(partition, 'experiment', name);
  // The experiment the ARN of `name` names (SageMakerExperimentsService.exists), if any.
  const holder = (name: string): Promise<ExperimentRecord | undefined> => store.getExperimentByNameInAnyCase(name);
  return {
    async created(name) {
      const h = await holder(name);
      if (!h || h.name === name) await tags.clear(arn(name));
    },
    async renaming(e, to) {
      if (arn(to) === arn(e.name)) return;
      // Held by another experiment: in some ASCII case the store refuses the name; in another its tags are its own.
      const h = await holder(to);
      if (h && h.experimentId !== e.experimentId) return;
      const own = (await holder(e.name))?.experimentId === e.experimentId;
      const held = own ? await tags.list(arn(e.name)) : [];
      await tags.clear(arn(to));
      if (held.length) await tags.put(arn(to), held);
    },
    async renamed(from, to) {
      if (arn(to) !== arn(from) && !(await holder(from))) await tags.clear(arn(from));
    },
  };
}
