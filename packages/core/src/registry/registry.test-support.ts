import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { ManualClock } from '../kernel/clock.js';
import type { Principal, RequestContext } from '../kernel/context.js';
import { LoamError } from '../kernel/errors.js';
import { LineageRecorder } from '../lineage/lineage-recorder.js';
import { lineageCollections } from '../lineage/lineage.collections.js';
import { ModelPackageGroupService } from './model-package-group.service.js';
import { ModelPackageService } from './model-package.service.js';
import { registryCollections } from './registry.collections.js';

export const partition = { region: 'us-east-1', accountId: '123456789012' };
export const arnBase = 'arn:loam:sagemaker:us-east-1:123456789012';

export function ctxOf(userName: string): RequestContext {
  const principal: Principal = { userName, userId: `id-${userName}`, arn: `arn:loam:iam::123456789012:user/${userName}`, via: 'token' };
  return { principal, requestId: 'test' };
}

/** The registry's services over the in-memory store, with a clock tests move. */
export function openRegistry() {
  const store = createMemoryMetadataStore({ collections: [...registryCollections, ...lineageCollections] });
  const clock = new ManualClock(1_700_000_000_000);
  const lineage = new LineageRecorder(store, partition, clock);
  const groups = new ModelPackageGroupService({ store, clock, partition });
  const packages = new ModelPackageService({ store, clock, partition, lineage });
  return { store, clock, groups, packages, lineage };
}

export async function loamError(p: Promise<unknown>): Promise<LoamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LoamError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

export const spec = (modelDataUrl = 's3://models/churn/model.tar.gz') => ({
  Containers: [{ Image: 'xgboost', ModelDataUrl: modelDataUrl, Environment: { A: '1' } }],
  SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'],
});
