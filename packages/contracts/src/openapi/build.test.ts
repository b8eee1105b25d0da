import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { operationList } from '../operations/index.js';
import { buildOpenApi } from './build.js';

describe('OpenAPI document', () => {
  it('matches the committed docs/openapi.json (run `npm run openapi` after changing an operation)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8')) as unknown;
    expect(buildOpenApi()).toEqual(committed);
  });

  it('has one operationId per operation in the table, each with its IAM action', () => {
    const doc = buildOpenApi() as { paths: Record<string, Record<string, { operationId: string; 'x-loam-iam-action': string }>> };
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ids.sort()).toEqual(operationList.map((o) => o.name).sort());
    for (const p of Object.values(doc.paths)) for (const o of Object.values(p)) expect(o['x-loam-iam-action']).toMatch(/^[a-z][a-z0-9-]*:[A-Za-z*]+$/);
  });
});
