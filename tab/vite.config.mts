import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// A build is always the production bundle, whatever NODE_ENV the shell has (CI, or a test runner's
// NODE_ENV=test): React's development build is slower and renders differently (a test-built bundle once lost the
// page's margin reset, which moved the list down past the fold).
export default defineConfig(({ command }) => {
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root,
    base: '/',
    plugins: [react()],
    build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
    server: { proxy: { '/api': 'http://localhost:3978' } },
  };
});
