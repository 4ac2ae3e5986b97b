// Vite build of the Waggle UI. `npm run dev -w @waggle/web` proxies /api to a local server on 9000.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // no inline scripts or data: URLs: the server's Content-Security-Policy forbids them
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:9000' } },
});
