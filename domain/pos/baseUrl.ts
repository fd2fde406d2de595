/**
 * Where a POS connection may send its credentials. The connector calls base_url with the tenant's
 * vendor keys, so an arbitrary URL would make "test connection" and every sync a probe of the
 * hub's own network (the review reached an internal port). Only hosts on the allowlist
 * (SecurityConfig.posAllowedHosts) pass; the URL is compared by its exact host[:port].
 */
export function posBaseUrlProblem(raw: string, allowedHosts: readonly string[], requireHttps: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http or https';
  if (requireHttps && url.protocol !== 'https:') return 'must use https';
  // Userinfo would be sent as Basic credentials to the host and hides the host from a reader.
  if (url.username || url.password) return 'must not carry credentials';
  // URL.host drops the scheme's default port, so "api.example.com" matches :443 (and :80) only.
  if (!allowedHosts.includes(url.host.toLowerCase())) return `host ${url.host} is not an allowed POS vendor host`;
  return undefined;
}
