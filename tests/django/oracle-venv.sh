#!/usr/bin/env bash
# Prints the path of a Python that has the Django oracle's packages (Django 5.2, DRF, simplejwt,
# the optional hashers, psycopg2), creating the oracle's venv first if it is missing, the way
# ../shared/oracle/run.sh does. Safe to run concurrently: the creation runs under a lock.
#
#   tests/django/oracle-venv.sh          # ORACLE_DIR defaults to ../shared/oracle
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ORACLE_DIR="${ORACLE_DIR:-$HERE/../../../shared/oracle}"
ORACLE_DIR="$(cd "$ORACLE_DIR" && pwd)"
VENV="${ORACLE_VENV:-$ORACLE_DIR/.venv}"
PYTHON="${ORACLE_PYTHON:-python3}"

ready() {
    "$VENV/bin/python" -c "import django, rest_framework_simplejwt, bcrypt, argon2, psycopg2" 2>/dev/null
}
if ! ready; then
    exec 9>"${TMPDIR:-/tmp}/latchkey-oracle-venv.lock"
    flock 9
    if ! ready; then
        echo "[oracle-venv] preparing $VENV" >&2
        [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$ORACLE_DIR/requirements.txt" \
            bcrypt==5.0.0 argon2-cffi==25.1.0 psycopg2-binary==2.9.13 >&2
    fi
fi
echo "$VENV/bin/python"
