#!/usr/bin/env node
// Compiles packages/ml/src/gbdt/histogram.wat into histogram-wasm.ts (the bytes, base64), so the ml
// package ships no build step of its own. Run after editing the .wat; histogram-kernels.test.ts fails
// while the two disagree.  usage: node scripts/gen-gbdt-wasm.mjs [--print]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'ml', 'src', 'gbdt');

/** The TypeScript module holding the compiled bytes of `histogram.wat`. */
export async function generatedSource() {
  const wabt = await wabtInit();
  const wat = readFileSync(join(dir, 'histogram.wat'), 'utf8');
  const mod = wabt.parseWat('histogram.wat', wat, { threads: true });
  const { buffer } = mod.toBinary({});
  new WebAssembly.Module(buffer); // V8 validates it (wabt's validator refuses shared memories)
  mod.destroy();
  const b64 = Buffer.from(buffer).toString('base64');
  return `// Generated from histogram.wat by \`node scripts/gen-gbdt-wasm.mjs\`; do not edit.
/** The compiled histogram kernels of histogram.wat (${buffer.length} bytes), base64. */
export const histogramWasmBase64 =
  '${b64}';
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const src = await generatedSource();
  if (process.argv.includes('--print')) process.stdout.write(src);
  else writeFileSync(join(dir, 'histogram-wasm.ts'), src);
}
