import adapter from '@sveltejs/adapter-static';

/** The console is a static SPA served by the API at `/` (see api/console.ts). */
export default {
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', precompress: false, strict: false }),
    // The fallback page is served for deep links (/orders/…): asset URLs must be absolute.
    paths: { relative: false },
    alias: { $openapi: '../openapi' },
    output: { bundleStrategy: 'split' },
  },
};
