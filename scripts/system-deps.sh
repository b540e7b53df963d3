#!/usr/bin/env bash
# Installs the Debian packages behind the browser, Spark and PostgreSQL tests, and starts a PostgreSQL server for them.
# Needs root (CI runs as root). Without root it explains what is missing; those tests then skip,
# except under CI=true, where a missing service fails the run.
set -euo pipefail
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: not root; missing Debian packages: $*" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# `system-deps.sh venv`: only what creating the virtual environment needs (Debian's python3 ships without venv).
if [ "${1:-}" = "venv" ]; then
  python3 -c "import ensurepip, venv" 2>/dev/null || apt_install python3-venv
  exit 0
fi
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)  # PySpark's JVM (--engine spark)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  apt_install "${need[@]}" || { echo "system-deps: browser/PostgreSQL tests will skip" >&2; exit 0; }
fi
if [ "$(id -u)" -eq 0 ] && command -v pg_lsclusters >/dev/null 2>&1; then
  read -r ver name _ < <(pg_lsclusters -h | head -n 1) || true
  if [ -z "${ver:-}" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1); name=main
    pg_createcluster "$ver" "$name" >/dev/null
  fi
  pg_ctlcluster "$ver" "$name" start 2>/dev/null || true
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='trailguard'\"" | grep -q 1 ||
    su postgres -c "psql -qc \"CREATE ROLE trailguard LOGIN SUPERUSER PASSWORD 'trailguard'\""
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='trailguard_test'\"" | grep -q 1 ||
    su postgres -c "createdb -O trailguard trailguard_test"
  port=$(pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1==v && $2==n {print $3}')
  echo "postgresql+psycopg://trailguard:trailguard@127.0.0.1:${port}/trailguard_test" > .test-database-url
fi
