/** API keys as the API shows them: never the secret or its hash. */
const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

export function apiKeyToApi(r: Record<string, unknown>) {
  return {
    id: r.id as string,
    entity_id: r.entity_id as string,
    name: r.name as string,
    prefix: r.prefix as string,
    scopes: String(r.scopes).split(' ').filter(Boolean),
    rate_limit_per_minute: r.rate_limit_per_minute === null || r.rate_limit_per_minute === undefined ? null : Number(r.rate_limit_per_minute),
    created_by_user_id: (r.created_by_user_id as string | null) ?? null,
    expires_at: iso(r.expires_at),
    last_used_at: iso(r.last_used_at),
    revoked_at: iso(r.revoked_at),
    created_at: iso(r.created_at),
  };
}
