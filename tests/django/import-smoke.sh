#!/usr/bin/env bash
# The `cargo xtask import-django` command itself, end to end, on databases Django made:
#   1. SQLite -> SQLite: --dry-run writes nothing, the import writes, a re-run changes nothing;
#   2. PostgreSQL -> PostgreSQL with 10,000 extra users (keys and refresh tokens each): the
#      import's wall time, printed (docs/performance.md keeps the figure).
# Needs the release build of xtask (cargo xtask builds it) and a PostgreSQL server on which it
# may create and drop databases (PG_URL, default postgres://postgres:postgres@127.0.0.1:5432).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PG_URL="${PG_URL:-postgres://postgres:postgres@127.0.0.1:5432}"
BULK="${BULK:-10000}"
export SECRET_KEY=import-smoke-secret-key-0123456789abcdef0123456789
PY="$(bash "$HERE/oracle-venv.sh")"
WORK="$(mktemp -d)"
PG_DJANGO="latchkey_smoke_django_$$"
PG_TARGET="latchkey_smoke_target_$$"
cleanup() {
    rm -rf "$WORK"
    psql "$PG_URL/postgres" -X -q -c "DROP DATABASE IF EXISTS $PG_DJANGO" -c "DROP DATABASE IF EXISTS $PG_TARGET" || true
}
trap cleanup EXIT
cd "$ROOT"

expect() { # expect PATTERN FILE: fail, showing the output, unless FILE has PATTERN
    grep -q -- "$1" "$2" || { echo "expected '$1' in:" >&2; cat "$2" >&2; exit 1; }
}

echo "== SQLite: dry run, import, re-run"
ORACLE_DB="$WORK/django.sqlite3" "$PY" "$HERE/make_django_db.py" --manifest "$WORK/manifest.json"
export DATABASE_URL="sqlite://$WORK/latchkey.sqlite3"
cargo xtask import-django --from "sqlite://$WORK/django.sqlite3" --dry-run | tee "$WORK/out"
expect "Dry run: nothing was written" "$WORK/out"
users=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM users").fetchone()[0])' "$WORK/latchkey.sqlite3")
[ "$users" = 0 ] || { echo "the dry run wrote $users users" >&2; exit 1; }
cargo xtask import-django --from "sqlite://$WORK/django.sqlite3" | tee "$WORK/out"
expect "^auth_user  *12  *12  *0  *0" "$WORK/out"
expect "Imported in" "$WORK/out"
cargo xtask import-django --from "sqlite://$WORK/django.sqlite3" | tee "$WORK/out"
expect "Nothing to import" "$WORK/out"

echo "== PostgreSQL: $BULK more users"
psql "$PG_URL/postgres" -X -q -c "CREATE DATABASE $PG_DJANGO" -c "CREATE DATABASE $PG_TARGET"
ORACLE_DATABASE_URL="$PG_URL/$PG_DJANGO" "$PY" "$HERE/make_django_db.py" --manifest "$WORK/manifest-pg.json" --bulk "$BULK"
export DATABASE_URL="$PG_URL/$PG_TARGET"
cargo xtask migrate >/dev/null
start=$(date +%s%N)
cargo xtask import-django --from "$PG_URL/$PG_DJANGO" | tee "$WORK/out"
end=$(date +%s%N)
expect "^auth_user  *$((BULK + 12))  *$((BULK + 12))" "$WORK/out"
echo "import of $((BULK + 12)) users, their keys and refresh tokens: $(( (end - start) / 1000000 )) ms wall (the command, start to end)"
