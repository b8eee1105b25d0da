import type { ModelPackageGroupRecord, ModelPackageRecord, Tag } from '@loam/core';
import { MLFLOW_NAME_TAG, mlflowNameOf } from './mlflow-registry-names.js';

/**
 * MLflow's stages, from a version's lifecycle stage or, failing that, its approval status. The stage
 * `None` (an MLflow transition to None) holds unless the version has been approved since (through the
 * SageMaker API), when it reads Production again.
 */
export function stageOf(p: ModelPackageRecord): string {
  const stage = (p.doc['ModelLifeCycle'] as { Stage?: string } | undefined)?.Stage;
  if (stage === 'None' && p.approvalStatus !== 'Approved') return 'None';
  if (stage === 'Staging' || stage === 'Production' || stage === 'Archived') return stage;
  if (p.approvalStatus === 'Approved') return 'Production';
  if (p.approvalStatus === 'Rejected') return 'Archived';
  return 'None';
}

export const RUN_ID_KEY = 'mlflow.run_id';
const ms = (seconds: number) => Math.round(seconds * 1000);

/** The aliases (from the group's tags) that point at `version`. */
export function aliasesOf(groupTags: readonly Tag[], version: number | undefined): string[] {
  return groupTags.filter((t) => t.Key.startsWith(ALIAS_PREFIX) && t.Value === String(version)).map((t) => t.Key.slice(ALIAS_PREFIX.length));
}

/** A model version in MLflow's shape (mlflow/protos/model_registry.proto); `groupTags` give its aliases. */
export function modelVersionJson(p: ModelPackageRecord, tags: readonly Tag[], groupTags: readonly Tag[] = []): Record<string, unknown> {
  const meta = (p.doc['CustomerMetadataProperties'] as Record<string, string> | undefined) ?? {};
  const createdBy = p.doc['CreatedBy'] as { UserProfileName?: string } | undefined;
  return {
    name: mlflowNameOf(p.groupName as string, groupTags), version: String(p.version), creation_timestamp: ms(p.creationTime), last_updated_timestamp: ms(p.lastModifiedTime),
    user_id: createdBy?.UserProfileName ?? '', current_stage: stageOf(p), description: (p.doc['ModelPackageDescription'] as string | undefined) ?? '',
    source: (p.doc['SourceUri'] as string | undefined) ?? '', run_id: meta[RUN_ID_KEY] ?? '', status: 'READY',
    tags: tags.map((t) => ({ key: t.Key, value: t.Value })), run_link: '', aliases: aliasesOf(groupTags, p.version),
  };
}

/**
 * A registered model in MLflow's shape: the group, its tags and its latest version per stage. A latest
 * version not in `shown` (the versions the caller may describe; all by default) is left out rather
 * than replaced by an older one, so `latest_versions` never names a version that is not the latest.
 */
export function registeredModelJson(g: ModelPackageGroupRecord, tags: readonly Tag[], versions: readonly ModelPackageRecord[], shown: readonly ModelPackageRecord[] = versions): Record<string, unknown> {
  const latest = new Map<string, ModelPackageRecord>();
  for (const v of versions) {
    const s = stageOf(v);
    if ((latest.get(s)?.version ?? 0) < (v.version ?? 0)) latest.set(s, v);
  }
  const updated = Math.max(g.creationTime, ...versions.map((v) => v.lastModifiedTime));
  return {
    name: mlflowNameOf(g.name, tags), creation_timestamp: ms(g.creationTime), last_updated_timestamp: ms(updated), user_id: g.createdBy.UserProfileName ?? '',
    description: g.description ?? '', latest_versions: [...latest.values()].filter((v) => shown.some((x) => x.key === v.key)).sort((a, b) => (a.version ?? 0) - (b.version ?? 0)).map((v) => modelVersionJson(v, [], tags)),
    tags: tags.filter((t) => !t.Key.startsWith(ALIAS_PREFIX) && t.Key !== MLFLOW_NAME_TAG).map((t) => ({ key: t.Key, value: t.Value })),
    // An alias counts only if it names a version this group holds (written as MLflow writes it, `3`).
    aliases: tags.filter((t) => t.Key.startsWith(ALIAS_PREFIX) && versions.some((v) => String(v.version) === t.Value)).map((t) => ({ alias: t.Key.slice(ALIAS_PREFIX.length), version: t.Value })),
  };
}

/** Aliases are kept as group tags `mlflow.alias.<alias>` = version, so they travel with the group. */
export const ALIAS_PREFIX = 'mlflow.alias.';
