/**
 * What a production process refuses to start with (issue 15): settings that would run without
 * complaint but quietly do the wrong thing — METRC reports going to the local sandbox (the
 * default when METRC_BASE_URL is unset) or to METRC's own sandbox, and secrets that are the
 * published development values or too weak to be one. Pure: loadConfig calls it with the
 * environment and the values it resolved, and stops the process with every problem found.
 */
import { isIP } from 'node:net';

export interface GuardInput {
  env: Record<string, string | undefined>;
  appSecret: string;
  metrcBaseUrl: string;
  metrcVendorKey: string;
  metrcUserKey: string;
}

export interface GuardProblem {
  variable: string;
  problem: string;
}

/** Values published in this repository (README, seed, sandbox, examples): never secrets. */
const PUBLISHED_SECRETS = new Set([
  'trellis-development-secret-do-not-use-in-production',
  'trellis-demo-vendor-key',
  'trellis-demo-user-key',
  'changeme',
  'change-me',
  'secret',
]);

/** Sandbox/test hosts of METRC (e.g. sandbox-api-co.metrc.com) and anything on this machine. */
function metrcUrlProblem(raw: string | undefined, resolved: string, allowSandbox: boolean): string | undefined {
  if (raw === undefined || raw.trim() === '') {
    return "must be set in production to your state's METRC API, e.g. https://api-co.metrc.com (unset, it points at the local METRC sandbox)";
  }
  const url = new URL(resolved);
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback =
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '0.0.0.0' ||
    host === '::' ||
    host === '::1' ||
    (isIP(host) === 4 && host.startsWith('127.')) ||
    host.startsWith('::ffff:127.');
  if (loopback) return `points at this machine (${url.host}), i.e. the local METRC sandbox; set your state's METRC API, e.g. https://api-co.metrc.com`;
  if (url.protocol !== 'https:') return `must use https in production (got ${url.protocol}//${url.host}): the user keys travel in every request`;
  if (/(^|[.-])(sandbox|test|mock)([.-]|$)/.test(host) && !allowSandbox) {
    return `looks like a METRC sandbox (${host}); production reports must reach the state's METRC API. For a staging hub on METRC's sandbox, set METRC_ALLOW_SANDBOX=true`;
  }
  return undefined;
}

function secretProblem(value: string): string | undefined {
  if (PUBLISHED_SECRETS.has(value.trim().toLowerCase())) return 'is a published development value; generate one with `openssl rand -hex 32`';
  // 32 random hex characters use all 16 digits almost surely; a repeated or typed phrase does not.
  if (new Set(value).size < 10) return 'is too uniform to be random (fewer than 10 different characters); generate one with `openssl rand -hex 32`';
  return undefined;
}

export function productionProblems(input: GuardInput): GuardProblem[] {
  const problems: GuardProblem[] = [];
  const allowSandbox = /^(1|true|yes|on)$/i.test(input.env.METRC_ALLOW_SANDBOX ?? '');
  const metrc = metrcUrlProblem(input.env.METRC_BASE_URL, input.metrcBaseUrl, allowSandbox);
  if (metrc) problems.push({ variable: 'METRC_BASE_URL', problem: metrc });
  const app = secretProblem(input.appSecret);
  if (app) problems.push({ variable: 'APP_SECRET', problem: app });
  for (const [variable, value] of [
    ['METRC_VENDOR_KEY', input.metrcVendorKey],
    ['METRC_USER_KEY', input.metrcUserKey],
  ] as const) {
    // Unset keys are allowed (per-licence keys, or no METRC work yet); the sandbox's demo keys are not.
    if (value && PUBLISHED_SECRETS.has(value.trim().toLowerCase())) problems.push({ variable, problem: 'is the METRC sandbox demo key; use the key METRC issued to you' });
  }
  return problems;
}
