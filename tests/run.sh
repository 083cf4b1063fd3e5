#!/usr/bin/env bash
# Installs what the tests need (Python packages and Debian's Chromium), then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -r requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=2
python3 -m ruff check .
python3 -m pytest "$@"
