/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * The console's browser cache: the app shell and static assets of this build are cached at
 * install, so pages open from cache; a page asked for while the hub cannot be reached gets the
 * offline page. API answers are never cached (they are per user and change all the time).
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `trellis-shell-${version}`;
const OFFLINE = '/offline.html';
const ASSETS = new Set([...build, ...files]);
// addAll refuses a list naming one request twice; the offline page is also one of `files`.
const PRECACHE = [...new Set([...ASSETS, OFFLINE])];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin || url.pathname.startsWith('/api/')) return;

  if (ASSETS.has(url.pathname)) {
    // Built files are named by content (or belong to this version): the cached copy is right.
    event.respondWith(caches.match(req).then((hit) => hit ?? fetch(req)));
    return;
  }
  if (req.mode === 'navigate') {
    // Pages come from the hub (it sets the security policy); when it cannot be reached, say so.
    event.respondWith(
      fetch(req).catch(async () => (await caches.match(OFFLINE)) ?? new Response('Trellis is offline', { status: 503, headers: { 'content-type': 'text/plain' } })),
    );
  }
});
