import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webDir = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm run dev` (the hub) listens; the Vite dev server forwards API calls there. */
const hubUrl = process.env.XIETONG_HUB_URL ?? 'http://127.0.0.1:8080';
const apiPrefixes = ['/fhir', '/auth', '/api', '/docs', '/metrics', '/healthz', '/readyz', '/.well-known'];

export default defineConfig({
  root: webDir,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(apiPrefixes.map((prefix) => [prefix, { target: hubUrl, changeOrigin: false }])),
  },
});
