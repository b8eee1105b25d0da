import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Studio imports @loam/sdk and @loam/contracts from their TypeScript source (the `loam-src` export
// condition), so it needs no build of theirs and always matches the server it ships with.
const loamUrl = process.env.LOAM_URL ?? 'http://127.0.0.1:7717';

/** What browsers fetch as text: scripts, styles, the page, icons. (Not source maps: only developer tools ask for them.) */
const compressible = /\.(?:js|mjs|css|html|svg|json|txt)$/;

/**
 * Writes `x.br` (brotli, best quality) and `x.gz` (gzip -9) beside each compressible file of the build, for the server
 * to send to browsers that accept them (server/src/http/studio.routes.ts): done once here, not per request. A copy is
 * kept only when smaller than the file it stands for, and the .br only when smaller than the .gz too, so the three
 * codings of a file differ in size, and so in the ETag the server gives each.
 */
function precompress(): Plugin {
  let outDir = '';
  const br = promisify(brotliCompress);
  const gz = promisify(gzip);
  return {
    name: 'loam-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const files = (await readdir(outDir, { recursive: true })).filter((f) => compressible.test(f)).map((f) => join(outDir, f));
      await Promise.all(
        files.map(async (file) => {
          const raw = await readFile(file);
          const gzipped = await gz(raw, { level: 9 });
          const brotli = await br(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
          const keepGz = gzipped.length < raw.length;
          const keepBr = brotli.length < (keepGz ? gzipped.length : raw.length);
          await (keepGz ? writeFile(`${file}.gz`, gzipped) : rm(`${file}.gz`, { force: true }));
          await (keepBr ? writeFile(`${file}.br`, brotli) : rm(`${file}.br`, { force: true }));
        }),
      );
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react(), precompress()],
  resolve: { conditions: ['loam-src', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
  server: {
    proxy: Object.fromEntries(['/api', '/auth', '/healthz'].map((p) => [p, { target: loamUrl, changeOrigin: true }])),
  },
});
