import type { CollectionSpec } from '../ports/metadata-store.js';

/** What an endpoint instance runs for one container of a model. */
export type ServingImage =
  | { readonly type: 'builtin'; readonly algorithm: string }
  | { readonly type: 'script'; readonly framework: string; readonly program: string }
  | { readonly type: 'process'; readonly name: string; readonly command: string; readonly args?: readonly string[]; readonly env?: Readonly<Record<string, string>> };

/** A container of a model as Loam will run it. */
export interface ServingContainer {
  readonly imageUri: string;
  readonly image: ServingImage;
  readonly modelDataUrl?: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly hostname?: string;
}

/** One model: the Create request echoed by Describe, and its containers resolved once at create time. */
export interface ModelRecord {
  /** The lower-cased name: model names are unique ignoring case, as in SageMaker. */
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly creationTime: number;
  readonly request: Readonly<Record<string, unknown>>;
  readonly containers: readonly ServingContainer[];
  readonly networkIsolation: boolean;
}

export const modelsCollection: CollectionSpec<ModelRecord> = {
  name: 'models',
  key: 'key',
  indexes: { name: 'text', creationTime: 'real' },
  unique: ['arn'],
};
