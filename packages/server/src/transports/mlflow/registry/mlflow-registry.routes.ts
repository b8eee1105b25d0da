import {
  isAllowed, maxTagsPerResource, modelPackageGroupsCollection, modelPackagesCollection, NotFoundError, ResourceInUseError, resourceArn, trackingRules, validateTags, ValidationError,
  type ModelPackageGroupRecord, type ModelPackageRecord, type Principal, type RequestContext, type Tag,
} from '@loam/core';
import type { Authorizer } from '../../../operations/dispatcher.js';
import type { RegistryCapability } from '../../../registry/registry.compose.js';
import type { MlflowRoute } from '../mlflow-tracking.routes.js';
import type { Message } from '../mlflow-wire.js';
import { checkMlflowName, groupNameFor, MLFLOW_NAME_TAG, mlflowNameOf } from './mlflow-registry-names.js';
import { keysetPage, matches, parseRegistryFilter, parseRegistryOrderBy, sortBy, type OrderTerm } from './mlflow-registry-search.js';
import { ALIAS_PREFIX, aliasesOf, modelVersionJson, registeredModelJson, RUN_ID_KEY, stageOf } from './mlflow-registry-wire.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
// MLflow's registry uses PATCH and DELETE; the transport registers whatever methods a route lists.
const methods = (...m: Method[]) => m as unknown as MlflowRoute['methods'];
const ctxOf = (principal: Principal): RequestContext => ({ principal, requestId: 'mlflow' });
const STAGES = new Set(['None', 'Staging', 'Production', 'Archived']);
/** A version number as MLflow writes it: a positive integer without leading zeros (SageMaker's at most 9 digits). */
const VERSION = /^[1-9][0-9]{0,8}$/;

type Resource = ReturnType<MlflowRoute['resource']>;
// The transport makes `arn:loam:sagemaker:<region>:<account>:<kind>/<id>` of these, the ARNs SageMaker's
// own operations are authorized on (contracts' model-packages operations), so one policy governs both paths.
const resourceOf = (kind: 'model-package-group' | 'model-package', id: string | undefined) => ({ kind, id }) as unknown as Resource;
/** The registered model's group: `model-package-group/<group>` (the group its MLflow name maps to). */
const groupRes = (m: Message): Resource => resourceOf('model-package-group', m.str('name') ? groupNameFor(m.str('name') as string) : undefined);
/**
 * Where a new version goes: `model-package/<group>/*`, the resource SageMaker's CreateModelPackage is
 * authorized on (lower-cased by resourceArn, as resourceFor does), so a Deny on a group's packages also
 * refuses MLflow's model-versions/create.
 */
const newVersionRes = (m: Message): Resource => resourceOf('model-package', m.str('name') ? `${groupNameFor(m.str('name') as string)}/*` : undefined);
/**
 * The version's package: `model-package/<group>/<version>`. A version not written as MLflow writes it
 * (`01`, `+1`, ` 1`) names no package here (the check is on `*`) and the handler refuses it
 * (versionParam) before touching anything, so `01` cannot reach version 1 past a policy on `<group>/1`.
 */
const versionRes = (m: Message): Resource => {
  const name = m.str('name');
  const v = m.str('version');
  return resourceOf('model-package', name && v && VERSION.test(v) ? `${groupNameFor(name)}/${v}` : undefined);
};

/** The `version` parameter: a positive integer without leading zeros, as MLflow's versions are. */
function versionParam(m: Message): string {
  const v = need(m, 'version');
  if (!VERSION.test(v)) throw new ValidationError(`Invalid model version '${v}': a version is a positive integer written without leading zeros, such as 1 or 12.`, [{ path: '/version', message: 'a positive integer without leading zeros' }]);
  return v;
}

/** MLflow's alias rules (mlflow/utils/validation.py): word characters and dashes; `latest` and `v<N>` are its own. */
function aliasOf(m: Message): string {
  const alias = need(m, 'alias');
  const bad = (why: string) => new ValidationError(why, [{ path: '/alias', message: why }]);
  // The length first: the character refusal echoes the alias.
  if (alias.length > 255) throw bad('Registered model alias name exceeds the maximum length of 255.');
  if (!/^[\p{L}\p{M}\p{N}\p{Pc}-]*$/u.test(alias)) throw bad(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  if (alias.toLowerCase() === 'latest') throw bad("'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw bad(`Version alias name '${alias}' is reserved.`);
  return alias;
}

/** Tag keys Loam keeps for itself on a registered model: the MLflow name and aliases. */
function reservedKey(key: string): string {
  if (key === MLFLOW_NAME_TAG || key.startsWith(ALIAS_PREFIX)) throw new ValidationError(`Tag key '${key}' is reserved for the registry's own use.`, [{ path: '/key', message: 'reserved tag key' }]);
  return key;
}

/** MLflow's limits on a registry tag (mlflow/utils/validation.py, MAX_MODEL_REGISTRY_TAG_KEY/VALUE_LENGTH). */
const TAG_KEY_MAX = 250;
const TAG_VALUE_MAX = 5000;
/** SageMaker's tag key characters with MLflow's (`[/\w.\- :]`, Python's \w holding connector punctuation). */
const TAG_KEY_CHARS = /^[\p{L}\p{Z}\p{N}\p{Pc}.:/=+\-@]*$/u;
/** What no store can hold as text: NUL (PostgreSQL refuses it) and a lone surrogate (not UTF-8). */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

type TagOwner = 'Registered model' | 'Model version';

const tagRefused = (message: string, path: string) => new ValidationError(message, [{ path, message }]);

/** `value` within `limit` characters, refused in MLflow's words (_validate_length_limit) otherwise. */
function withinLength(what: string, limit: number, value: string, path: string): string {
  if (value.length > limit) throw tagRefused(`${what} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`, path);
  return value;
}

/** A registry tag's key as MLflow takes it: 1–250 characters (SageMaker's and MLflow's), no `aws:` prefix (AWS keeps those). */
function checkTagKey(key: string, owner: TagOwner, path = '/key'): string {
  if (key === '') throw tagRefused(`Missing value for required parameter 'key'. A key name must be provided.`, path);
  withinLength(`${owner} key`, TAG_KEY_MAX, key, path);
  if (!TAG_KEY_CHARS.test(key)) throw tagRefused(`Invalid tag name: '${key}'. Names may only contain letters, digits, spaces and _ . : / = + - @.`, path);
  if (key.slice(0, 4).toLowerCase() === 'aws:') throw tagRefused(`Tag key '${key}' starts with 'aws:', which is reserved for AWS.`, path);
  return key;
}

/**
 * A registry tag as MLflow takes it (_validate_registered_model_tag, _validate_model_version_tag): the key
 * above, a value of at most 5000 characters of any kind (commas, quotes, JSON, newlines), except what no
 * store can hold. SageMaker's tag rules (key 128, value 256, its characters) are not MLflow's: tags past
 * them are kept with the resource as the transport's own (splitTags).
 */
function checkTag(t: Tag, owner: TagOwner, at = ''): Tag {
  checkTagKey(t.Key, owner, `${at}/key`);
  withinLength(`${owner} value`, TAG_VALUE_MAX, t.Value, `${at}/value`);
  const bad = UNSTORABLE.exec(t.Value);
  if (bad) throw tagRefused(`${owner} value for tag '${t.Key}' holds ${bad[0] === '\u0000' ? 'a NUL (U+0000)' : 'an unpaired surrogate'} at position ${bad.index}, which cannot be stored.`, `${at}/value`);
  return t;
}

/** Whether SageMaker's tag rules take `t` (else it is kept as the transport's own tag, past them). */
function sagemakerTag(t: Tag): boolean {
  try {
    validateTags([t]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits tags for a create, each checked with MLflow's rules: those SageMaker's rules take go with the
 * create; the rest (keys starting `mlflow.`, which those rules keep for this registry, and keys or values
 * past them) are written with the resource as the transport's own, in the create's transaction. As many
 * as MLflow takes: its registry has no limit on a model's or version's tags (set-tag has none either), so
 * SageMaker's 50 a resource is not held here; past 50, SageMaker's AddTags may only overwrite keys
 * (TagService.AddTags). The request's body limit bounds a create.
 */
function splitTags(tags: Tag[], owner: TagOwner): { open: Tag[]; own: Tag[] } {
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    checkTag(t, owner, `/tags/${i}`);
    if (seen.has(t.Key)) throw tagRefused(`Tag key '${t.Key}' is given more than once.`, `/tags/${i}/key`);
    seen.add(t.Key);
  });
  // SageMaker's create takes at most 50: past that, every tag goes as the transport's own.
  const open = tags.filter(sagemakerTag);
  if (open.length > maxTagsPerResource) return { open: [], own: tags };
  return { open, own: tags.filter((t) => !sagemakerTag(t)) };
}

/**
 * MLflow's limits on what a registered model or version is stored as: descriptions as MLflow's schema holds
 * them (5000 characters), the source as a package's SourceUri (1024, more than MLflow's 500), the run id as
 * MLflow's run ids (256).
 */
const LIMITS = { description: 5000, source: 1024, run_id: 256 } as const;

/** An optional field within its limit. */
function limited(m: Message, field: keyof typeof LIMITS): string | undefined {
  const v = m.str(field);
  const max = LIMITS[field];
  if (v !== undefined && v.length > max) throw new ValidationError(`Invalid value for parameter '${field}' supplied: at most ${max} characters, got ${v.length}.`, [{ path: `/${field}`, message: `at most ${max} characters` }]);
  return v;
}

/** The `key` parameter of set-tag. */
const tagKey = (m: Message, owner: TagOwner): string => checkTagKey(need(m, 'key'), owner);
/** The `key` parameter of delete-tag: within MLflow's length, any characters (a key stored before these rules can still go). */
const deletedKey = (m: Message, owner: TagOwner): string => withinLength(`${owner} key`, TAG_KEY_MAX, need(m, 'key'), '/key');

/** The tag set-tag writes, held to MLflow's rules. */
const tagOf = (m: Message, owner: TagOwner, key = tagKey(m, owner)): Tag => checkTag({ Key: key, Value: m.str('value') ?? '' }, owner);

function need(m: Message, field: string): string {
  const v = m.str(field);
  if (v === undefined || v === '') throw new ValidationError(`Missing value for required parameter '${field}'.`, [{ path: `/${field}`, message: 'required' }]);
  return v;
}

/** One page of sorted items (keysetPage); `max_results` from 1 to MLflow's threshold. */
function pageOf<T>(sorted: readonly T[], terms: readonly OrderTerm[], value: (item: T, key: string) => string | number, m: Message, dflt: number, limit: number): { items: T[]; next?: string } {
  return keysetPage(sorted, terms, value, m.str('page_token'), trackingRules.checkMaxResults(m.long('max_results'), dflt, limit));
}

const TIMESTAMP_ALIASES = { timestamp: 'last_updated_timestamp' };

/**
 * MLflow's model registry (registered models and model versions) over the Model Registry: a
 * registered model is a model package group, a version is a package version in it. Stages map to
 * approval: Production approves, Archived rejects, None withdraws an approval (Staging only sets the
 * lifecycle stage), so an MLflow promotion is what lets a version be deployed, and every transition is
 * an approval event. MLflow names map to group names through mlflow-registry-names.ts.
 */
export function mlflowRegistryRoutes(r: RegistryCapability, authorize?: Authorizer): MlflowRoute[] {
  /** A further check inside a route (the other versions a request changes too), on the package's ARN. */
  const check = async (principal: Principal, action: string, p: ModelPackageRecord) => authorize?.(principal, `sagemaker:${action}`, p.arn);
  /** Whether the caller may `action` on `arn`; a refusal is false, any other failure is thrown. */
  const allowed = (principal: Principal, action: string, arn: string): Promise<boolean> => isAllowed(authorize, principal, `sagemaker:${action}`, arn);
  /**
   * The versions whose details (source, description, tags, run) the caller may read: a version shown
   * in an answer is a DescribeModelPackage of it, on its own ARN, as model-versions/get is.
   */
  const describable = async (principal: Principal, versions: readonly ModelPackageRecord[]): Promise<ModelPackageRecord[]> => {
    const out: ModelPackageRecord[] = [];
    for (const v of versions) if (await allowed(principal, 'DescribeModelPackage', v.arn)) out.push(v);
    return out;
  };
  const groupsOf = async (): Promise<ModelPackageGroupRecord[]> => {
    const out: ModelPackageGroupRecord[] = [];
    let token: string | undefined;
    do {
      const page = await r.store.collection(modelPackageGroupsCollection).list({ sortBy: 'name', maxResults: 1000, ...(token ? { nextToken: token } : {}) });
      out.push(...page.items.map((i) => i.value));
      token = page.nextToken;
    } while (token);
    return out;
  };
  const versionsOf = async (groupName: string): Promise<ModelPackageRecord[]> => {
    const g = await r.groups.get(groupName);
    const page = await r.store.collection(modelPackagesCollection).list({ filters: [{ field: 'groupKey', op: 'eq', value: g.key }], sortBy: 'version', maxResults: 1000 });
    return page.items.map((i) => i.value);
  };
  /** The group an MLflow name maps to, if it holds that name (a derived name can also be typed as is). */
  const groupOf = async (m: Message): Promise<{ g: ModelPackageGroupRecord; tags: Tag[]; name: string }> => {
    const name = checkMlflowName(need(m, 'name'));
    const missing = new NotFoundError('Registered model', name);
    const g = await r.groups.get(groupNameFor(name)).catch((e: unknown) => {
      throw (e as { code?: string }).code === 'ResourceNotFound' ? missing : e;
    });
    const tags = await r.store.tags.list(g.arn);
    if (mlflowNameOf(g.name, tags) !== name) throw missing;
    return { g, tags, name };
  };
  /** The registered model as the caller may see it: `latest_versions` only holds versions it may describe. */
  const modelJson = async (g: ModelPackageGroupRecord, principal: Principal) => {
    const versions = await versionsOf(g.name);
    return registeredModelJson(g, await r.store.tags.list(g.arn), versions, await describable(principal, versions));
  };
  const version = async (m: Message) => {
    const v = versionParam(m);
    return r.packages.get(`${(await groupOf(m)).g.name}/${v}`);
  };
  const versionJson = async (p: ModelPackageRecord) => modelVersionJson(p, await r.store.tags.list(p.arn), await r.store.tags.list(resourceArn(r.partition, 'model-package-group', p.groupName as string)));
  const transition = async (p: ModelPackageRecord, stage: string, principal: Principal) => {
    const ctx = ctxOf(principal);
    // An approval never returns to PendingManualApproval (core's approvalTransitions), so None withdraws an
    // approval (Approved → Rejected: no longer deployable) and leaves a pending or rejected version as it
    // is; the lifecycle stage `None` is what makes it read None (stageOf). Staging keeps the approval.
    const approval = stage === 'Production' ? 'Approved' : stage === 'Archived' ? 'Rejected' : stage === 'None' && p.approvalStatus === 'Approved' ? 'Rejected' : undefined;
    if (approval && p.approvalStatus !== approval) await r.packages.UpdateModelPackage({ ModelPackageArn: p.arn, ModelApprovalStatus: approval, ApprovalDescription: `MLflow stage transition to ${stage}` }, ctx);
    return r.packages.patch(p.arn, { lifecycle: { Stage: stage, StageStatus: 'Active' } }, ctx);
  };
  const aliasRead = async (m: Message, principal: Principal) => {
    const { g, tags, name } = await groupOf(m);
    const key = `${ALIAS_PREFIX}${need(m, 'alias')}`;
    const set = tags.find((t) => t.Key === key);
    const notFound = new ValidationError(`Registered model alias ${need(m, 'alias')} not found for model '${name}'.`, [{ path: '/alias', message: 'no such alias' }]);
    // An alias resolves only to a version of this group that exists; one naming anything else is not set.
    if (!set || !VERSION.test(set.Value)) throw notFound;
    const target = await r.packages.get(`${g.name}/${set.Value}`).catch((e: unknown) => {
      throw (e as { code?: string }).code === 'ResourceNotFound' ? notFound : e;
    });
    if (target.groupName?.toLowerCase() !== g.name.toLowerCase() || String(target.version) !== set.Value) throw notFound;
    // The version's details are a DescribeModelPackage of it, as model-versions/get is.
    await check(principal, 'DescribeModelPackage', target);
    return { model_version: await versionJson(target) };
  };
  return [
    { path: 'registered-models/create', methods: methods('POST'), action: 'CreateModelPackageGroup', resource: groupRes,
      handle: async (m, p) => {
        const name = checkMlflowName(need(m, 'name'));
        const group = groupNameFor(name);
        const tags = (m.keyValues('tags') ?? []).map((t) => ({ Key: reservedKey(t.key), Value: t.value }));
        if (group !== name) tags.push({ Key: MLFLOW_NAME_TAG, Value: name });
        const { open, own } = splitTags(tags, 'Registered model');
        // The deployment setting is checked wherever its tag goes (one past SageMaker's rules goes with `own`).
        await r.groups.checkApprovalSetting(p, group, own);
        try {
          await r.groups.CreateModelPackageGroup({ ModelPackageGroupName: group, ...(limited(m, 'description') ? { ModelPackageGroupDescription: m.str('description') as string } : {}), ...(open.length ? { Tags: open } : {}) }, ctxOf(p), { ownTags: own, multilineDescription: true });
        } catch (e) {
          if ((e as { code?: string }).code !== 'ResourceInUse') throw e;
          throw new ResourceInUseError(`Registered Model (name=${name}) already exists${group !== name ? ` (as model package group '${group}')` : ''}.`);
        }
        return { registered_model: await modelJson(await r.groups.get(group), p) };
      } },
    { path: 'registered-models/get', methods: methods('GET'), action: 'DescribeModelPackageGroup', resource: groupRes,
      handle: async (m, p) => ({ registered_model: await modelJson((await groupOf(m)).g, p) }) },
    { path: 'registered-models/update', methods: methods('PATCH', 'POST'), action: 'UpdateModelPackageGroup', resource: groupRes,
      handle: async (m, p) => {
        const { g } = await groupOf(m);
        if (limited(m, 'description') !== undefined) await r.groups.setDescription(g.name, m.str('description') as string);
        return { registered_model: await modelJson(await r.groups.get(g.name), p) };
      } },
    { path: 'registered-models/rename', methods: methods('POST'), action: 'UpdateModelPackageGroup', resource: groupRes,
      handle: async () => {
        throw new ValidationError(
          'Registered models cannot be renamed in Loam: a registered model is a SageMaker model package group, and its name is its identity '
          + '(the ARNs of the group and its versions, and the IAM policies and endpoints that name them); SageMaker has no rename. Register the model under the new name instead.',
          [{ path: '/new_name', message: 'renaming is not supported' }],
        );
      } },
    { path: 'registered-models/delete', methods: methods('DELETE', 'POST'), action: 'DeleteModelPackageGroup', resource: groupRes,
      handle: async (m, p) => {
        const name = (await groupOf(m)).g.name;
        // MLflow deletes a registered model with its versions.
        const versions = await versionsOf(name);
        for (const v of versions) await check(p, 'DeleteModelPackage', v);
        for (const v of versions) await r.packages.DeleteModelPackage({ ModelPackageName: v.arn }, ctxOf(p));
        await r.groups.DeleteModelPackageGroup({ ModelPackageGroupName: name }, ctxOf(p));
        return {};
      } },
    { path: 'registered-models/search', methods: methods('GET', 'POST'), action: 'ListModelPackageGroups', resource: () => '*',
      handle: async (m, p) => {
        const clauses = parseRegistryFilter(m.str('filter'), ['name'], []);
        const order = [...parseRegistryOrderBy(m.strings('order_by'), ['name', 'creation_timestamp', 'last_updated_timestamp'], TIMESTAMP_ALIASES), { key: 'name', ascending: true }];
        const models: Record<string, unknown>[] = [];
        // A model in the answer is a DescribeModelPackageGroup of it (its description, tags, aliases), and
        // its latest versions are DescribeModelPackage of each: what the caller may not describe is left out.
        for (const g of await groupsOf()) {
          if (!(await allowed(p, 'DescribeModelPackageGroup', g.arn))) continue;
          const json = await modelJson(g, p);
          const tags = new Map((json['tags'] as { key: string; value: string }[]).map((t) => [t.key, t.value]));
          if (matches({ strings: { name: json['name'] as string }, numbers: {}, tags }, clauses)) models.push(json);
        }
        const value = (x: Record<string, unknown>, k: string) => x[k] as string | number;
        const page = pageOf(sortBy(models, order, value), order, value, m, 100, 1000);
        return { registered_models: page.items, ...(page.next ? { next_page_token: page.next } : {}) };
      } },
    { path: 'registered-models/get-latest-versions', methods: methods('GET', 'POST'), action: 'ListModelPackages', resource: () => '*',
      handle: async (m, p) => {
        const stages = m.strings('stages');
        const { g } = await groupOf(m);
        // The model is named: reading it is a DescribeModelPackageGroup (refused → 403); versions the
        // caller may not describe are left out of the answer.
        await authorize?.(p, 'sagemaker:DescribeModelPackageGroup', g.arn);
        const latest = (await modelJson(g, p))['latest_versions'] as { current_stage: string }[];
        return { model_versions: stages?.length ? latest.filter((v) => stages.some((s) => s.toLowerCase() === v.current_stage.toLowerCase())) : latest };
      } },
    { path: 'registered-models/set-tag', methods: methods('POST'), action: 'AddTags', resource: groupRes,
      handle: async (m, p) => {
        const { g } = await groupOf(m);
        const tag = tagOf(m, 'Registered model', reservedKey(tagKey(m, 'Registered model')));
        await r.groups.checkApprovalSetting(p, g.arn, [tag]);
        await r.store.tags.put(g.arn, [tag]);
        return {};
      } },
    { path: 'registered-models/delete-tag', methods: methods('DELETE', 'POST'), action: 'DeleteTags', resource: groupRes,
      handle: async (m) => (await r.store.tags.remove((await groupOf(m)).g.arn, [reservedKey(deletedKey(m, 'Registered model'))]), {}) },
    { path: 'registered-models/alias', methods: methods('POST'), action: 'AddTags', resource: groupRes,
      handle: async (m) => {
        const alias = aliasOf(m);
        const v = versionParam(m);
        const { g } = await groupOf(m);
        await r.packages.get(`${g.name}/${v}`);
        await r.store.tags.put(g.arn, [{ Key: `${ALIAS_PREFIX}${alias}`, Value: v }]);
        return {};
      } },
    // As MLflow: deleting an alias that is not set is not an error; the model must exist.
    { path: 'registered-models/alias', methods: methods('DELETE'), action: 'DeleteTags', resource: groupRes,
      handle: async (m) => (await r.store.tags.remove((await groupOf(m)).g.arn, [`${ALIAS_PREFIX}${aliasOf(m)}`]), {}) },
    // Resolving an alias reads the group's tags and the version: a read, as DescribeModelPackageGroup.
    { path: 'registered-models/alias', methods: methods('GET'), action: 'DescribeModelPackageGroup', resource: groupRes,
      handle: async (m, p) => aliasRead(m, p) },
    { path: 'model-versions/create', methods: methods('POST'), action: 'CreateModelPackage', resource: newVersionRes,
      handle: async (m, p) => {
        const runId = limited(m, 'run_id');
        const source = limited(m, 'source');
        const description = limited(m, 'description');
        const { open, own } = splitTags((m.keyValues('tags') ?? []).map((t) => ({ Key: t.key, Value: t.value })), 'Model version');
        const { ModelPackageArn } = await r.packages.CreateModelPackage({
          ModelPackageGroupName: (await groupOf(m)).g.name, ModelPackageRegistrationType: 'Logged',
          ...(source ? { SourceUri: source } : {}), ...(description ? { ModelPackageDescription: description } : {}),
          ...(runId ? { CustomerMetadataProperties: { [RUN_ID_KEY]: runId } } : {}), ...(open.length ? { Tags: open } : {}),
        }, ctxOf(p), { ownTags: own, multilineDescription: true, ...(runId ? { contributors: [resourceArn(r.partition, 'mlflow-run', runId)] } : {}) });
        return { model_version: await versionJson(await r.packages.get(ModelPackageArn)) };
      } },
    { path: 'model-versions/get', methods: methods('GET'), action: 'DescribeModelPackage', resource: versionRes,
      handle: async (m) => ({ model_version: await versionJson(await version(m)) }) },
    { path: 'model-versions/update', methods: methods('PATCH', 'POST'), action: 'UpdateModelPackage', resource: versionRes,
      handle: async (m, p) => {
        const v = await version(m);
        const description = limited(m, 'description');
        const next = description !== undefined ? await r.packages.patch(v.arn, { description }, ctxOf(p)) : v;
        return { model_version: await versionJson(next) };
      } },
    { path: 'model-versions/delete', methods: methods('DELETE', 'POST'), action: 'DeleteModelPackage', resource: versionRes,
      handle: async (m, p) => {
        const v = await version(m);
        await r.packages.DeleteModelPackage({ ModelPackageName: v.arn }, ctxOf(p));
        // As MLflow: the version's aliases go with it.
        const g = await r.groups.get(v.groupName as string);
        const stale = aliasesOf(await r.store.tags.list(g.arn), v.version);
        if (stale.length) await r.store.tags.remove(g.arn, stale.map((a) => `${ALIAS_PREFIX}${a}`));
        return {};
      } },
    { path: 'model-versions/search', methods: methods('GET', 'POST'), action: 'ListModelPackages', resource: () => '*',
      handle: async (m, who) => {
        const clauses = parseRegistryFilter(m.str('filter'), ['name', 'run_id', 'source_path'], ['version_number']);
        const order = [
          ...parseRegistryOrderBy(m.strings('order_by'), ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'], TIMESTAMP_ALIASES),
          { key: 'name', ascending: true }, { key: 'version_number', ascending: false },
        ];
        const found: { p: ModelPackageRecord; json: Record<string, unknown> }[] = [];
        // A version in the answer is a DescribeModelPackage of it (and its aliases come from its group's
        // tags, a DescribeModelPackageGroup): what the caller may not describe is left out.
        for (const g of await groupsOf()) {
          if (!(await allowed(who, 'DescribeModelPackageGroup', g.arn))) continue;
          for (const p of await describable(who, await versionsOf(g.name))) {
            const json = await versionJson(p);
            const tags = new Map((json['tags'] as { key: string; value: string }[]).map((t) => [t.key, t.value]));
            const str = (k: string) => (json[k] as string | undefined) || undefined;
            if (matches({ strings: { name: str('name'), run_id: str('run_id'), source_path: str('source') }, numbers: { version_number: p.version }, tags }, clauses)) found.push({ p, json });
          }
        }
        const value = (x: (typeof found)[number], k: string) => (k === 'version_number' ? (x.p.version ?? 0) : x.json[k] as string | number);
        const page = pageOf(sortBy(found, order, value), order, value, m, 10000, 200000);
        return { model_versions: page.items.map((x) => x.json), ...(page.next ? { next_page_token: page.next } : {}) };
      } },
    { path: 'model-versions/transition-stage', methods: methods('POST'), action: 'UpdateModelPackage', resource: versionRes,
      handle: async (m, p) => {
        const stage = STAGES.has(need(m, 'stage')) ? need(m, 'stage') : [...STAGES].find((s) => s.toLowerCase() === need(m, 'stage').toLowerCase());
        if (!stage) throw new ValidationError(`Invalid Model Version stage: ${need(m, 'stage')}. Value must be one of None, Staging, Production, Archived.`, [{ path: '/stage', message: 'None | Staging | Production | Archived' }]);
        const v = await version(m);
        if (String(m.raw('archive_existing_versions')) === 'true' && stage !== 'None' && stage !== 'Archived') {
          const others = (await versionsOf(v.groupName as string)).filter((o) => o.key !== v.key && stageOf(o) === stage);
          for (const other of others) await check(p, 'UpdateModelPackage', other);
          for (const other of others) await transition(other, 'Archived', p);
        }
        return { model_version: await versionJson(await transition(v, stage, p)) };
      } },
    { path: 'model-versions/get-download-uri', methods: methods('GET'), action: 'DescribeModelPackage', resource: versionRes,
      handle: async (m) => ({ artifact_uri: ((await version(m)).doc['SourceUri'] as string | undefined) ?? '' }) },
    { path: 'model-versions/set-tag', methods: methods('POST'), action: 'AddTags', resource: versionRes,
      handle: async (m) => (await r.store.tags.put((await version(m)).arn, [tagOf(m, 'Model version')]), {}) },
    { path: 'model-versions/delete-tag', methods: methods('DELETE', 'POST'), action: 'DeleteTags', resource: versionRes,
      handle: async (m) => (await r.store.tags.remove((await version(m)).arn, [deletedKey(m, 'Model version')]), {}) },
  ];
}
