// Container health probe: `node docker/healthcheck.mjs [/healthz|/readyz]`.
// Exits 0 when the API on 127.0.0.1:$PORT answers 2xx within 4 s, 1 otherwise. The image has no
// curl or wget, and node's fetch is enough.
const path = process.argv[2] ?? '/healthz';
const port = process.env.PORT || '3000';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) console.error(`${path}: HTTP ${res.status} ${await res.text().catch(() => '')}`.slice(0, 500));
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`${path}: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
