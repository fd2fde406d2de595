import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

const api = process.env.TRELLIS_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy: { '/api': { target: api, ws: true, changeOrigin: false } } },
  build: { target: 'es2022', sourcemap: false },
});
