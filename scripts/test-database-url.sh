#!/usr/bin/env bash
# Prints the database URL the test suite should use: TSUCHI_TEST_DATABASE_URL when set, else
# the machine's PostgreSQL when it answers on 127.0.0.1:5432, else nothing (SQLite).
# With TSUCHI_REQUIRE_POSTGRES=1 (CI) an unreachable PostgreSQL is an error.
set -u
if [ -n "${TSUCHI_TEST_DATABASE_URL:-}" ]; then echo "$TSUCHI_TEST_DATABASE_URL"; exit 0; fi
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "postgres://postgres@127.0.0.1:5432/tsuchi"
  exit 0
fi
if [ "${TSUCHI_REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "tsuchi: PostgreSQL is required but does not answer on 127.0.0.1:5432" >&2
  exit 1
fi
echo "tsuchi: PostgreSQL not reachable; tests use SQLite" >&2
