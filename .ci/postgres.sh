#!/usr/bin/env bash
# A local PostgreSQL for the test suite: install it if missing, start the
# newest installed cluster, and make a role (CREATEDB, so pytest-django can
# create its test_ databases) and a database. Idempotent.
#
# Prints the DATABASE_URL on stdout (everything else goes to stderr):
#   export DATABASE_URL=$(bash .ci/postgres.sh)
# Needs root (or sudo) the first time, to install and start the server.
# Override with PG_ROLE, PG_PASSWORD, PG_DATABASE; PG_NO_INSTALL=1 fails (exit 3) instead of installing.
set -euo pipefail

role=${PG_ROLE:-mastoweb}
password=${PG_PASSWORD:-mastoweb-local-only}
database=${PG_DATABASE:-mastoweb}

say() { echo "postgres.sh: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

newest_version() {
  ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(newest_version)" ] || ! command -v pg_ctlcluster >/dev/null; then
  if [ "${PG_NO_INSTALL:-}" = 1 ]; then
    say "PostgreSQL is not installed (PG_NO_INSTALL=1: not installing it)"
    exit 3
  fi
  say "installing PostgreSQL (Debian package postgresql)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(newest_version)
if [ -z "$version" ]; then
  say "no PostgreSQL server under /usr/lib/postgresql after install"
  exit 1
fi

# pg_lsclusters columns: version cluster port status owner datadir logfile
cluster=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v { print $2; exit }')
if [ -z "$cluster" ]; then
  say "creating cluster $version/main"
  as_root pg_createcluster "$version" main >&2
  cluster=main
fi
port=$(pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')
status=$(pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }')
if [ "$status" != "online" ]; then
  say "starting cluster $version/$cluster on port $port"
  as_root pg_ctlcluster "$version" "$cluster" start >&2
fi

# Wait for it to accept connections (bounded: 30 s).
for _ in $(seq 60); do
  if as_postgres psql -p "$port" -Atqc "select 1" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
as_postgres psql -p "$port" -Atqc "select 1" >/dev/null

psql_admin() { as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -Atq "$@"; }

if [ "$(psql_admin -c "select 1 from pg_roles where rolname = '$role'")" != 1 ]; then
  say "creating role $role"
  psql_admin -c "create role \"$role\" login createdb password '$password'"
else
  psql_admin -c "alter role \"$role\" login createdb password '$password'"
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname = '$database'")" != 1 ]; then
  say "creating database $database"
  psql_admin -c "create database \"$database\" owner \"$role\""
fi

echo "postgres://$role:$password@127.0.0.1:$port/$database"
