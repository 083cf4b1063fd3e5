#!/usr/bin/env bash
# Installs what the tests need (Python packages, Debian's Chromium and PostgreSQL), then runs the
# whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -r requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# The store's tests start their own PostgreSQL server (tests/postgres.py) from Debian's package.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
export KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=2
python3 -m ruff check .
python3 -m pytest "$@"
