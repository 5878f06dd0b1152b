#!/usr/bin/env bash
# Installs every Debian 12 package that archive-vault's build and tests need.
# Idempotent: quiet and fast when everything is already present.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git python3 unzip zip
  libarchive-dev libssl-dev libxml2-dev libxml2-utils liblmdb-dev lmdb-utils
  prometheus-cpp-dev libcivetweb-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libutf8proc-dev
  libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
  prometheus hashdeep inotify-tools curl time bc zip python3 zlib1g-dev
  # format migration converters and the tools that validate their outputs (issue 5)
  libreoffice-writer-nogui libreoffice-calc-nogui ghostscript imagemagick ffmpeg poppler-utils flac fonts-dejavu-core
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
