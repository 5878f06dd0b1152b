#!/usr/bin/env bash
# Installs what is needed, builds archive-vault twice (optimised, then AddressSanitizer+UBSan)
# and runs the whole test suite with ctest in both builds (the kill -9 ingest sweep, label
# "slow", in the optimised build only).
#   VAULT_CORPORA  location of the external corpora (default ../shared/corpora)
#   VAULT_SKIP_SANITIZE=1  skip the sanitizer build (faster local runs)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
jobs=$(nproc)

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVAULT_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure

if [ "${VAULT_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== AddressSanitizer + UBSan build"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVAULT_SANITIZE=ON -DVAULT_WERROR=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  # The kill -9 sweep over every step of ingest (label "slow", ~4 min in the plain build, longer
  # under ASan) runs in the plain build only: it tests crash consistency, which the sanitizers
  # do not add to, and CI has 30 minutes on 2 cores. Every other test runs in both builds.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j"$jobs" --output-on-failure -LE slow
fi
