#!/usr/bin/env bash
# Makes sure redis-server and redis-cli (Debian's redis-server package) are on PATH for the tests and benchmarks.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "redis-server not found: installing Debian's redis-server package" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  exit 0
fi
cat >&2 <<'MSG'
redis-server is required by the tests (they start their own servers on free loopback ports).
Install it, then run the tests again:
  Debian/Ubuntu: sudo apt-get install redis-server
  macOS:         brew install redis
  Fedora:        sudo dnf install redis
MSG
exit 1
