#!/usr/bin/env bash
# Installs what is needed, builds archive-vault and starts vaultd in the foreground on a default
# local vault under ./var (LMDB catalog, two local tiers, API on 127.0.0.1:8470).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target vaultd vaultctl
# PRONOM signature files (DROID, BSD-3): a new vault copies them, with their licence, into
# var/formats/pronom on its first start; here they come from the corpora when present.
corpora="${VAULT_CORPORA:-../shared/corpora}"
if [ -z "${VAULT_PRONOM_DIR:-}" ] && [ -d "$corpora/pronom-droid" ]; then
  export VAULT_PRONOM_DIR="$(cd "$corpora/pronom-droid" && pwd)"
fi
exec ./build/bin/vaultd --root ./var --listen "${VAULT_LISTEN:-127.0.0.1:8470}"
