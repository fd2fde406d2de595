#!/bin/sh
# Entrypoint of the Trellis image: the first argument selects the process.
#   api                      HTTP API (default)
#   worker                   Temporal worker (WORKER_QUEUES=orders,sync limits its queues)
#   migrate [up|down|pending|reset]   create the database if missing and run migrations (default: up)
#   anything else            executed as given (e.g. `sh`, `node --version`)
# TypeScript runs through tsx loaded into node itself (`node --import tsx`), not through the tsx
# CLI, so the app is the only node process and receives tini's signals directly. The telemetry
# preload installs tracing before the app's imports when OTEL_* asks for it (else it does nothing).
set -eu

cmd="${1:-api}"
[ "$#" -gt 0 ] && shift

case "$cmd" in
  api)
    exec node --import tsx --import ./platform/telemetry/preload.mjs api/main.ts "$@"
    ;;
  worker)
    exec node --import tsx --import ./platform/telemetry/preload.mjs worker/main.ts "$@"
    ;;
  migrate)
    [ "$#" -gt 0 ] || set -- up
    exec node --import tsx scripts/migrate.ts "$@"
    ;;
  *)
    exec "$cmd" "$@"
    ;;
esac
