import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeExperimentStoreConformance } from '@loam/testkit/conformance/experiment-store.conformance';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-exp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeExperimentStoreConformance('SQLite file', { open: () => openSqlExperimentStore({ url: `sqlite:${join(dir, 'experiments.db')}` }) });
