import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Studio imports @loam/sdk and @loam/contracts from their TypeScript source (the `loam-src` export
// condition), so it needs no build of theirs and always matches the server it ships with.
const loamUrl = process.env.LOAM_URL ?? 'http://127.0.0.1:7717';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: { conditions: ['loam-src', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
  server: {
    proxy: Object.fromEntries(['/api', '/auth', '/healthz'].map((p) => [p, { target: loamUrl, changeOrigin: true }])),
  },
});
