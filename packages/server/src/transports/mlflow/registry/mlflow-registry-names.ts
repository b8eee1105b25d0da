import { createHash } from 'node:crypto';
import { ValidationError, type Tag } from '@loam/core';
import { sagemakerNamePattern } from '@loam/core/kernel/names';

/*
 * MLflow registered-model names are free text (`iris_classifier`, `My Model`, `sk.model`, `модель`);
 * SageMaker's model package group names are `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`. A name that is a
 * valid group name is the group's name; any other maps to a group name derived from it alone, and
 * the MLflow name is kept on the group as the tag MLFLOW_NAME_TAG, which every MLflow route answers with.
 */

/** The group tag that holds the MLflow name of a group whose name is derived. */
export const MLFLOW_NAME_TAG = 'mlflow.registeredModelName';
/** MLflow's column is 256 characters; a tag value holds 256 too. */
const MAX_NAME = 256;

/** The model package group an MLflow name lives in: itself if SageMaker allows it, else `<sanitized>-<7 hex of sha256>`. */
export function groupNameFor(name: string): string {
  if (sagemakerNamePattern.test(name)) return name;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 7);
  const base = name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63 - 8).replace(/-+$/, '');
  return `${base || 'mlflow-model'}-${hash}`;
}

/** Checks an MLflow registered-model name as MLflow does (non-empty, at most 256 characters). */
export function checkMlflowName(name: string): string {
  if (name.length > MAX_NAME) throw new ValidationError(`Registered model name exceeds the maximum length of ${MAX_NAME} characters.`, [{ path: '/name', message: `at most ${MAX_NAME} characters` }]);
  return name;
}

/**
 * The MLflow name of a group, from its tags: the tag counts only if that name maps to this very group,
 * so a tag written some other way (or left from older data) cannot make a group answer to another
 * model's name; otherwise the group's own name.
 */
export function mlflowNameOf(groupName: string, groupTags: readonly Tag[]): string {
  const tagged = groupTags.find((t) => t.Key === MLFLOW_NAME_TAG)?.Value;
  return tagged !== undefined && groupNameFor(tagged).toLowerCase() === groupName.toLowerCase() ? tagged : groupName;
}
