#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suite.
# Starts the local cluster if it is installed but stopped; installs it if it is missing and we
# are root (CI machines). Fails loudly: the PostgreSQL half of the suite must never be skipped.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "PostgreSQL is not installed: installing it from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "ERROR: PostgreSQL is not installed and this user cannot install it" >&2
    exit 1
  fi
fi

if ! ready; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432: starting the local cluster" >&2
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi

if ! ready; then
  echo "ERROR: PostgreSQL cannot be reached on 127.0.0.1:5432; the PostgreSQL tests cannot run" >&2
  exit 1
fi
echo "PostgreSQL is ready on 127.0.0.1:5432"
