import { LoamError } from '../kernel/errors.js';
import { invalid } from './tracking-rules.js';

/* MLflow's messages for missing and inactive resources, with Loam's codes (RESOURCE_DOES_NOT_EXIST over MLflow's API). */

export function noExperiment(id: string): LoamError {
  return new LoamError('ResourceNotFound', `No Experiment with id=${id} exists`);
}

export function noExperimentNamed(name: string): LoamError {
  return new LoamError('ResourceNotFound', `Could not find experiment with name ${name}`);
}

export function noRun(id: string): LoamError {
  return new LoamError('ResourceNotFound', `Run with id=${id} not found`);
}

export function notActive(kind: 'experiment' | 'run', id: string, stage: string): LoamError {
  return invalid(`The ${kind} ${id} must be in the 'active' state. Current state is ${stage}.`);
}

export function missing(field: string): LoamError {
  return invalid(`Missing value for required parameter '${field}'.`, `/${field}`);
}
