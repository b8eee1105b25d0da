import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { operationList, sageMakerService } from '@loam/contracts';
import { renderSupportedOperations } from './supported-operations.js';

describe('docs/supported-operations.md', () => {
  it('is current (regenerate: npx tsx --conditions=loam-src scripts/supported-operations.ts)', () => {
    const committed = readFileSync(new URL('../../../../../docs/supported-operations.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderSupportedOperations(operationList));
  });

  it('lists every aws operation of the table with its X-Amz-Target or query Action', () => {
    const doc = renderSupportedOperations(operationList);
    for (const op of operationList.filter((o) => o.aws)) {
      const service = op.awsService ?? sageMakerService;
      expect(doc).toContain(service.protocol === 'json' ? `\`${service.targetPrefix}.${op.name}\`` : `\`Action=${op.name}\``);
    }
  });

  it('names the permissions an operation needs only in some cases, and that QueryLineage lists only what the caller may read', () => {
    const rowOf = (name: string) => renderSupportedOperations(operationList).split('\n').find((l) => l.startsWith(`| ${name} |`)) ?? '';
    expect(rowOf('DeleteEndpoint')).toContain('`application-autoscaling:DeregisterScalableTarget` on the endpoint when it has scalable targets');
    expect(rowOf('DeleteMlflowExperiment')).toContain('`sagemaker:DeleteMlflowRun` on the experiment when it has active runs');
    expect(rowOf('RestoreMlflowExperiment')).toContain('`sagemaker:RestoreMlflowRun` on the experiment when it has deleted runs');
    expect(rowOf('QueryLineage')).toContain('Lists only the vertices the caller may read');
    expect(rowOf('QueryLineage')).toContain('an MLflow run by `sagemaker:GetMlflowRun` on the run and on its experiment');
  });
});
