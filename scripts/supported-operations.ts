// Regenerates docs/supported-operations.md from the operation table:
//   npx tsx --conditions=loam-src scripts/supported-operations.ts
import { writeFileSync } from 'node:fs';
import { operationList } from '@loam/contracts';
import { renderSupportedOperations } from '../packages/server/src/transports/aws-json/supported-operations.js';

const target = new URL('../docs/supported-operations.md', import.meta.url);
writeFileSync(target, renderSupportedOperations(operationList));
console.log(`wrote ${target.pathname}`);
