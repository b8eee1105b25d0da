import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import type { Principal } from '../kernel/context.js';
import { AccessDeniedError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { ObjectRef } from '../ports/artifact-store.js';
import type { ExperimentRecord, ExperimentStore, RunInfoRecord } from '../ports/experiment-store.js';
import { MLFLOW_ARTIFACT_PREFIX, type ArtifactFile, type TrackingArtifacts } from './tracking-artifacts.js';
import type { TrackingService } from './tracking.service.js';

/** Run ids are 32 lower-case hex digits (TrackingService.createRun); no other segment can name a run. */
const RUN_ID = /^[0-9a-f]{32}$/;
const EXPERIMENT_PAGE = 1000;

/** A map key for an address: bucket and key. */
function refKey(ref: ObjectRef): string {
  return `${ref.bucket}/${ref.key}`;
}

/**
 * The map keys of `ref` and of every folder above it in its bucket, the bucket's root (`''`) included:
 * the addresses of the locations `within` finds `ref` in.
 */
function folderKeys(ref: ObjectRef): string[] {
  const keys = [refKey({ bucket: ref.bucket, key: '' })];
  for (let i = ref.key.indexOf('/'); i >= 0; i = ref.key.indexOf('/', i + 1)) keys.push(refKey({ bucket: ref.bucket, key: ref.key.slice(0, i) }));
  if (ref.key !== '') keys.push(refKey(ref));
  return keys;
}

/** Whether `ref` is `area` or lies under it (same bucket, whole key segments). */
function within(ref: ObjectRef, area: ObjectRef): boolean {
  return ref.bucket === area.bucket && (area.key === '' || ref.key === area.key || ref.key.startsWith(`${area.key}/`));
}

/**
 * The runs whose folder (`<experiment's location>/<run id>`) holds `ref`. Only a segment that is a run
 * id can end a run's folder, so each one is looked up and kept when its folder is exactly the key up to it.
 */
export async function runsHolding(store: ExperimentStore, artifacts: TrackingArtifacts, ref: ObjectRef): Promise<RunInfoRecord[]> {
  const runs: RunInfoRecord[] = [];
  const segments = ref.key.split('/');
  for (let i = 0; i < segments.length; i++) {
    const id = segments[i] as string;
    if (!RUN_ID.test(id)) continue;
    const run = await runWithFolder(store, artifacts, id, { bucket: ref.bucket, key: segments.slice(0, i + 1).join('/') });
    if (run) runs.push(run);
  }
  return runs;
}

async function runWithFolder(store: ExperimentStore, artifacts: TrackingArtifacts, id: string, folder: ObjectRef): Promise<RunInfoRecord | undefined> {
  const run = await store.getRunInfo(id);
  const own = run && runFolderOf(artifacts, run);
  return own && own.bucket === folder.bucket && own.key === folder.key ? run : undefined;
}

/** A run's folder: its artifact root without the trailing `/artifacts` MLflow gives it. */
function runFolderOf(artifacts: TrackingArtifacts, run: RunInfoRecord): ObjectRef | undefined {
  const root = safeRef(artifacts, run.artifactUri);
  return root && { bucket: root.bucket, key: root.key.replace(/\/artifacts$/, '') };
}

function safeRef(artifacts: TrackingArtifacts, uri: string): ObjectRef | undefined {
  try {
    return artifacts.refFor(uri);
  } catch {
    return undefined;
  }
}

/** Experiments by the address of their location, and by every folder holding it (see ArtifactProxyAccess#locations). */
interface LocationIndex {
  readonly at: ReadonlyMap<string, readonly ExperimentRecord[]>;
  readonly below: ReadonlyMap<string, readonly ExperimentRecord[]>;
}

/** Who a proxy path belongs to: the runs whose folder holds it, else the experiments whose artifact location holds it. */
interface Owners {
  readonly runs: readonly RunInfoRecord[];
  readonly experiments: readonly ExperimentRecord[];
}

/**
 * Who may touch which `mlflow-artifacts` proxy path. A path belongs to what really holds it, not to
 * its first segment: an experiment's artifact location may be any `mlflow-artifacts:/<path>` (MLflow
 * allows it), so `team-bob/<run>/artifacts/f` is experiment 1's when experiment 1's location is
 * `mlflow-artifacts:/team-bob`.
 *
 * - A path inside a run's folder (`<location>/<run id>/…`) belongs to that run and its experiment (to
 *   each such run, should folders nest): the action is checked on every one.
 * - Any other path belongs to every experiment whose artifact location holds it; the action is checked
 *   on each. A path under no experiment's location belongs to no one and is refused to everyone.
 * - A listing of a folder no run holds (the root, an experiment's folder) answers only the entries the
 *   caller may list: a run's folder when they may list that run and its experiment, a folder leading to
 *   the location of an experiment they may list, anything else when they may list every owner.
 *
 * One instance serves one request. The experiments holding a path outside every run are looked up by its
 * folders' location keys, for each entry of a listing too, and those under a prefix by a range of the
 * locations; every experiment is read (once) only for a listed folder its own owners do not let the caller see.
 */
export class ArtifactProxyAccess {
  #experiments: Promise<readonly ExperimentRecord[]> | undefined;
  #byLocation: Promise<LocationIndex> | undefined;
  readonly #decisions = new Map<string, Promise<boolean>>();

  constructor(
    private readonly tracking: TrackingService,
    private readonly authorize: ActionAuthorizer,
    private readonly partition: Partition,
    private readonly principal: Principal,
  ) {}

  /** The object address of a proxy path (`''` is the proxy's root); the key prefix is checked for traversal. */
  refOf(path: string): ObjectRef {
    return this.tracking.artifacts.refFor('mlflow-artifacts:/', path);
  }

  /**
   * Refuses (AccessDeniedException) unless the caller may `action` (`sagemaker:GetMlflowArtifact`, …) on
   * every owner of the path; a path no experiment's location holds is refused.
   */
  async check(action: string, path: string, ref: ObjectRef = this.refOf(path)): Promise<void> {
    const owners = await this.#owners(ref);
    if (owners.runs.length === 0 && owners.experiments.length === 0) {
      throw new AccessDeniedError(`User: ${this.principal.arn} is not authorized to perform: ${action} on artifact path '${path}': it lies under no experiment's artifact location.`);
    }
    await this.#checkOwners(action, owners);
  }

  /**
   * For another way to the stored objects (Loam's S3 API on the artifact bucket): refuses
   * (AccessDeniedException) unless the caller may `action` on every run and experiment that holds `ref`,
   * as `check` does. An object nothing holds (left by a deleted run, or never MLflow's) is left to the
   * caller's S3 permissions, which the S3 API has already checked.
   */
  async checkHeld(action: string, ref: ObjectRef): Promise<void> {
    await this.#checkOwners(action, await this.#owners(ref));
  }

  /**
   * For a request that makes Loam read or write every object under a key prefix of the artifact bucket (a
   * job's S3Prefix channel, an output path): `checkHeld` on the prefix, and the action on every
   * experiment whose artifact location starts under it (`mlflow/1` reaches experiments 1, 10, 11, …), and
   * on every run whose folder starts under it (`mlflow/1/` or `mlflow/1/ab` reaches runs of experiment 1).
   */
  async checkPrefix(action: string, prefix: ObjectRef): Promise<void> {
    await this.checkHeld(action, prefix);
    for (const e of await this.#experimentsReachedBy(prefix)) {
      const loc = this.#location(e);
      if (!loc || loc.bucket !== prefix.bucket) continue;
      if (loc.key.startsWith(prefix.key)) await this.authorize(this.principal, action, resourceArn(this.partition, 'mlflow-experiment', e.experimentId));
      if (loc.key.startsWith(prefix.key) || prefix.key.startsWith(loc.key)) {
        for (let offset = 0; ; offset += EXPERIMENT_PAGE) {
          const runs = await this.tracking.store.searchRuns({ experimentIds: [e.experimentId], view: 'ALL', filter: [], orderBy: [], offset, limit: EXPERIMENT_PAGE });
          for (const { info } of runs) {
            const folder = runFolderOf(this.tracking.artifacts, info);
            if (folder && folder.bucket === prefix.bucket && folder.key.startsWith(prefix.key)) await this.#checkOwners(action, { runs: [info], experiments: [] });
          }
          if (runs.length < EXPERIMENT_PAGE) break;
        }
      }
    }
  }

  /**
   * The experiments whose runs a prefix may reach: those whose location starts under it (a range of the
   * store's location index, for each spelling of the prefix: `s3://<bucket>/<key>` and, in the MLflow
   * bucket, `mlflow-artifacts:/…`) and those whose location holds it (a run's folder is `<location>/<run
   * id>`, so it starts under a longer prefix only when the location is one of the prefix's folders). By
   * id, as the walk through every experiment that `checkPrefix` made before met them.
   */
  async #experimentsReachedBy(prefix: ObjectRef): Promise<ExperimentRecord[]> {
    const { store, artifacts } = this.tracking;
    const starts = [`s3://${prefix.bucket}/${prefix.key}`];
    if (prefix.bucket === artifacts.bucket) {
      // `mlflow-artifacts:/<path>` is stored at `mlflow/<path>`, `mlflow-artifacts:/` at `mlflow`.
      const root = `${MLFLOW_ARTIFACT_PREFIX}/`;
      if (prefix.key.startsWith(root)) starts.push(`mlflow-artifacts:/${prefix.key.slice(root.length)}`);
      else if (root.startsWith(prefix.key)) starts.push('mlflow-artifacts:/');
    }
    const found = await Promise.all([...starts.map((p) => store.experimentsByArtifactLocationPrefix(p)), store.experimentsByArtifactLocation(artifacts.locationKeysHolding(prefix))]);
    const byId = new Map(found.flat().map((e) => [e.experimentId, e]));
    return [...byId.values()].sort((a, b) => Number(a.experimentId) - Number(b.experimentId));
  }

  async #checkOwners(action: string, owners: Owners): Promise<void> {
    for (const r of owners.runs) {
      await this.authorize(this.principal, action, resourceArn(this.partition, 'mlflow-run', r.runId));
      await this.authorize(this.principal, action, resourceArn(this.partition, 'mlflow-experiment', r.experimentId));
    }
    for (const e of owners.experiments) await this.authorize(this.principal, action, resourceArn(this.partition, 'mlflow-experiment', e.experimentId));
  }

  /**
   * A folder's listing as the caller may see it. Inside a run's folder the caller must be allowed
   * `action` on its owners (refused otherwise) and sees everything; elsewhere each entry is kept only if
   * the caller may see it (nothing is refused: an empty answer says as little as a filtered one).
   */
  async listing(action: string, path: string, list: (folder: ObjectRef) => Promise<ArtifactFile[]>): Promise<ArtifactFile[]> {
    const folder = this.refOf(path);
    const owners = await this.#owners(folder);
    if (owners.runs.length > 0) {
      await this.check(action, path, folder);
      return list(folder);
    }
    const entries = await list(folder);
    const out: ArtifactFile[] = [];
    for (const f of entries) if (await this.#visible(action, folder, f)) out.push(f);
    return out;
  }

  async #visible(action: string, folder: ObjectRef, f: ArtifactFile): Promise<boolean> {
    const name = f.path.split('/').pop() as string;
    const ref: ObjectRef = { bucket: folder.bucket, key: folder.key === '' ? name : `${folder.key}/${name}` };
    // The folder is in no run, so only the entry itself can be a run's folder.
    const run = RUN_ID.test(name) ? await this.#runWithFolder(name, ref) : undefined;
    const owners: Owners = run ? { runs: [run], experiments: [] } : { runs: [], experiments: await this.#experimentsHolding(ref) };
    if ((owners.runs.length > 0 || owners.experiments.length > 0) && (await this.#allowedOnAll(action, owners))) return true;
    if (!f.isDir) return false;
    // A folder on the way to the location of an experiment the caller may list: only here may any
    // experiment be the one, so only here is every experiment read (once a request).
    for (const e of (await this.#locations()).below.get(refKey(ref)) ?? []) {
      if (await this.#allowed(action, 'mlflow-experiment', e.experimentId)) return true;
    }
    return false;
  }

  async #allowedOnAll(action: string, owners: Owners): Promise<boolean> {
    for (const r of owners.runs) {
      if (!(await this.#allowed(action, 'mlflow-run', r.runId)) || !(await this.#allowed(action, 'mlflow-experiment', r.experimentId))) return false;
    }
    for (const e of owners.experiments) if (!(await this.#allowed(action, 'mlflow-experiment', e.experimentId))) return false;
    return true;
  }

  #allowed(action: string, kind: string, id: string): Promise<boolean> {
    const arn = resourceArn(this.partition, kind, id);
    let p = this.#decisions.get(`${action} ${arn}`);
    if (!p) this.#decisions.set(`${action} ${arn}`, (p = isAllowed(this.authorize, this.principal, action, arn)));
    return p;
  }

  async #owners(ref: ObjectRef): Promise<Owners> {
    const runs = await runsHolding(this.tracking.store, this.tracking.artifacts, ref);
    if (runs.length > 0) return { runs, experiments: [] };
    return { runs: [], experiments: await this.#experimentsHolding(ref) };
  }

  /**
   * The experiments whose artifact location holds `ref`, by id: looked up by the keys of the folders above
   * it (an index), then held to the same test as before (`#holds`), so the answer is the one a walk through
   * every experiment gives.
   */
  async #experimentsHolding(ref: ObjectRef): Promise<ExperimentRecord[]> {
    if (this.#experiments) {
      const { at } = await this.#locations();
      return folderKeys(ref).flatMap((k) => at.get(k) ?? []).filter((e) => this.#holds(e, ref));
    }
    const found = await this.tracking.store.experimentsByArtifactLocation(this.tracking.artifacts.locationKeysHolding(ref));
    return found.filter((e) => this.#holds(e, ref));
  }

  #runWithFolder(id: string, folder: ObjectRef): Promise<RunInfoRecord | undefined> {
    return runWithFolder(this.tracking.store, this.tracking.artifacts, id, folder);
  }

  #holds(e: ExperimentRecord, ref: ObjectRef): boolean {
    const loc = this.#location(e);
    return loc !== undefined && within(ref, loc);
  }

  #location(e: ExperimentRecord): ObjectRef | undefined {
    return safeRef(this.tracking.artifacts, e.artifactLocation);
  }

  /**
   * Every experiment by the address of its location (`at`) and by each folder holding that address, its
   * own included (`below`), so that a listing asks each entry a lookup rather than a walk through every
   * experiment. Reads every experiment, once a request.
   */
  #locations(): Promise<LocationIndex> {
    return (this.#byLocation ??= (async () => {
      const at = new Map<string, ExperimentRecord[]>();
      const below = new Map<string, ExperimentRecord[]>();
      const add = (m: Map<string, ExperimentRecord[]>, k: string, e: ExperimentRecord) => {
        const list = m.get(k);
        if (list) list.push(e);
        else m.set(k, [e]);
      };
      for (const e of await this.#allExperiments()) {
        const loc = this.#location(e);
        if (!loc) continue;
        add(at, refKey(loc), e);
        for (const k of new Set(folderKeys(loc))) add(below, k, e);
      }
      return { at, below };
    })());
  }

  #allExperiments(): Promise<readonly ExperimentRecord[]> {
    return (this.#experiments ??= (async () => {
      const out: ExperimentRecord[] = [];
      for (let offset = 0; ; offset += EXPERIMENT_PAGE) {
        const page = await this.tracking.store.searchExperiments({ view: 'ALL', filter: [], orderBy: [], offset, limit: EXPERIMENT_PAGE });
        out.push(...page);
        if (page.length < EXPERIMENT_PAGE) return out;
      }
    })());
  }
}
