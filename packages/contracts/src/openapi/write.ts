// `npm run openapi`: regenerates docs/openapi.json from the operation table.
import { writeFileSync } from 'node:fs';
import { buildOpenApi } from './build.js';

const target = new URL('../../../../docs/openapi.json', import.meta.url);
writeFileSync(target, JSON.stringify(buildOpenApi(), null, 2) + '\n');
console.log(`wrote ${target.pathname}`);
