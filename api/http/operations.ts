/**
 * The operations of openapi.yaml with the permission each declares (`x-trellis-permission`),
 * matched against incoming requests. Authorization runs before request validation, so a caller
 * who may not use an operation learns nothing about its input schema.
 */
import { isPermission, PERMISSIONS, type Permission } from '../../domain/policy.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
export const PERMISSION_EXTENSION = 'x-trellis-permission';
export const SESSION_SCHEMES = ['bearerSession', 'cookieSession'] as const;
export const API_KEY_SCHEMES = ['apiKey'] as const;

export interface Operation {
  operationId: string;
  method: string;
  /** Path template as written in the spec, e.g. /orders/{orderId}/items/{id}. */
  path: string;
  permission: Permission | undefined;
  /** The raw extension value (for error messages when it is not a known permission). */
  declared: unknown;
  security: Array<Record<string, string[]>>;
  literalSegments: number;
}

type Doc = Record<string, unknown>;

export function listOperations(doc: Doc): Operation[] {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>;
  const globalSecurity = (doc.security ?? []) as Operation['security'];
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      const declared = op[PERMISSION_EXTENSION];
      const segments = path.split('/').filter(Boolean);
      ops.push({
        operationId: String(op.operationId ?? `${method.toUpperCase()} ${path}`),
        method: method.toUpperCase(),
        path,
        permission: isPermission(declared) ? declared : undefined,
        declared,
        security: (op.security as Operation['security'] | undefined) ?? globalSecurity,
        literalSegments: segments.filter((s) => !s.startsWith('{')).length,
      });
    }
  }
  // Literal paths win over templated ones (/auth/sessions before /auth/{x}).
  return ops.sort((a, b) => b.literalSegments - a.literalSegments);
}

/**
 * Everything wrong with the spec's access declarations; empty when every operation has a rule
 * and its `security` matches that rule. The API refuses to start otherwise.
 */
export function operationRuleProblems(doc: Doc): string[] {
  const problems: string[] = [];
  for (const op of listOperations(doc)) {
    const where = `${op.method} ${op.path} (${op.operationId})`;
    if (op.declared === undefined) {
      problems.push(`${where} has no ${PERMISSION_EXTENSION}; add one naming a permission from domain/policy.ts`);
      continue;
    }
    if (!op.permission) {
      problems.push(`${where} names unknown permission "${String(op.declared)}"; add it to PERMISSIONS in domain/policy.ts`);
      continue;
    }
    const rule = PERMISSIONS[op.permission];
    const schemes = new Map<string, string[]>();
    for (const req of op.security) for (const [name, scopes] of Object.entries(req)) schemes.set(name, scopes);
    if (rule.roles === 'public') {
      if (op.security.length !== 0) problems.push(`${where} is public (${op.permission}); declare \`security: []\``);
      continue;
    }
    for (const s of SESSION_SCHEMES) {
      if (!schemes.has(s)) problems.push(`${where} must list security scheme ${s}`);
    }
    const expected = [...rule.scopes].sort().join(' ');
    for (const s of API_KEY_SCHEMES) {
      const got = schemes.get(s);
      if (rule.scopes.length === 0 && got) problems.push(`${where}: API keys may not use ${op.permission}; remove ${s} from security`);
      if (rule.scopes.length > 0 && (!got || [...got].sort().join(' ') !== expected)) {
        problems.push(`${where}: security must list ${s}: [${rule.scopes.join(', ')}] (the scopes of ${op.permission})`);
      }
    }
  }
  return problems;
}
