#!/bin/sh
# Runs promtool with the given arguments for the monitoring tests. A missing promtool is a
# broken setup, so the test FAILS (it is not skipped).
if ! command -v promtool >/dev/null 2>&1; then
  echo "FAIL: promtool not found on PATH. It comes with the Debian package 'prometheus'," >&2
  echo "      which tools/setup.sh installs (or: apt-get install prometheus)." >&2
  exit 1
fi
exec promtool "$@"
