import type { Server } from 'node:http';
import type { Actor } from '../../domain/actor.js';
import type { ApiDeps } from '../deps.js';
import { attachRealtime, type Authenticate, type Realtime } from './events.js';

// Mirrors api/app.ts until the identity layer resolves the session cookie on upgrade too.
const DEV_ACTOR: Actor = { kind: 'system', id: 'dev', role: 'admin', label: 'development (no auth yet)' };
const development: Authenticate = async () => DEV_ACTOR;

/** Attaches the live-updates socket to the HTTP server that serves the app. */
export function startRealtime(server: Server, deps: ApiDeps, authenticate: Authenticate = development): Realtime {
  return attachRealtime(server, deps.redis, authenticate);
}
