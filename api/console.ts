/**
 * Serves the built console (web/build) at `/`, with the SPA fallback page for every GET that is
 * not an API, docs or ops path. When the console was never built the router does nothing, so
 * the API alone still works. The page carries the console's settings (today: Sentry, when a DSN
 * is configured) as a JSON block the console reads at start (web/src/lib/sentry.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';
import { consoleSentry } from '../platform/telemetry/settings.js';

export interface ConsoleSettings {
  sentry?: { dsn: string; origin: string; release: string; environment: string };
}

const DEFAULT_DIR = fileURLToPath(new URL('../web/build', import.meta.url));
const NOT_CONSOLE = /^\/(api|healthz|readyz|metrics)(\/|$)/;

/**
 * SvelteKit's fallback page boots with an inline script; helmet's default policy forbids inline
 * scripts, so the console's HTML gets a policy that allows exactly those scripts by hash.
 */
export function consolePolicy(html: string, connect: string[] = []): string {
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1] ?? '').digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connect].join(' '),
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The page with the console's settings in a data block (never run as script; `<` escaped so it cannot end the block). */
export function withSettings(html: string, settings: ConsoleSettings): string {
  if (!settings.sentry) return html;
  const { dsn, release, environment } = settings.sentry;
  const json = JSON.stringify({ sentry: { dsn, release, environment } }).replace(/</g, '\\u003c');
  return html.replace('</head>', `<script type="application/json" id="trellis-console-config">${json}</script></head>`);
}

const settingsFromEnv = (): ConsoleSettings => {
  const sentry = consoleSentry();
  return sentry ? { sentry } : {};
};

export function consoleRoutes(dir = DEFAULT_DIR, settings: ConsoleSettings = settingsFromEnv()): Router {
  const router = Router();
  const indexPath = `${dir}/index.html`;
  if (!existsSync(indexPath)) return router;
  const html = withSettings(readFileSync(indexPath, 'utf8'), settings);
  // The browser SDK sends its events to the DSN's host.
  const policy = consolePolicy(html, settings.sentry ? [settings.sentry.origin] : []);
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
