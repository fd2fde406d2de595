/**
 * Serves the built console (web/build) at `/`, with the SPA fallback page for every GET that is
 * not an API, docs or ops path. When the console was never built the router does nothing, so
 * the API alone still works.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';

const DEFAULT_DIR = fileURLToPath(new URL('../web/build', import.meta.url));
const NOT_CONSOLE = /^\/(api|healthz|readyz|metrics)(\/|$)/;

/**
 * SvelteKit's fallback page boots with an inline script; helmet's default policy forbids inline
 * scripts, so the console's HTML gets a policy that allows exactly those scripts by hash.
 */
export function consolePolicy(html: string): string {
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1] ?? '').digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

export function consoleRoutes(dir = DEFAULT_DIR): Router {
  const router = Router();
  const indexPath = `${dir}/index.html`;
  if (!existsSync(indexPath)) return router;
  const html = readFileSync(indexPath, 'utf8');
  const policy = consolePolicy(html);
  const sendIndex = (res: Response) => {
    res.setHeader('Content-Security-Policy', policy);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  };

  // Hashed build assets never change under their name: cache them for a year.
  router.use(
    '/_app/immutable',
    express.static(`${dir}/_app/immutable`, { immutable: true, maxAge: '365d', index: false, fallthrough: false }),
  );
  router.use(express.static(dir, { index: false, maxAge: '1h' }));
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_CONSOLE.test(req.path)) return next();
    sendIndex(res);
  });
  return router;
}
