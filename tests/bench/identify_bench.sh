#!/usr/bin/env bash
# identify_bench.sh BUILD_DIR [REPS]
#
# PRONOM identification throughput (vaultctl identify, formats/pronom) against libmagic
# (`file --mime-type`) over the same files, in the same run, warm page cache:
#   - the DROID skeleton suite (2,235 small files: test-skeletons/fmt and x-fmt),
#   - the format corpus (real files, some of them MBs: format-corpus/).
# Each measurement is repeated REPS times (default 5); best and median are reported. Each run
# passes the file set ROUNDS times (skeletons 10, corpus 40) so that the one-off start-up cost
# of each tool (vaultctl loading the signature files, file loading its magic database) is
# small; that start-up is also measured on a single small file and subtracted, so the figures
# are steady-state per-file rates, as a daemon identifying ingested files sees them.
# MB/s is nominal: bytes of the files identified per second (both tools read only part of
# large files). vaultctl is measured with 1 thread and with all cores (--threads).
set -euo pipefail

BUILD=${1:?usage: identify_bench.sh BUILD_DIR [REPS]}
REPS=${2:-5}
VAULTCTL="$BUILD/bin/vaultctl"
HERE="$(cd "$(dirname "$0")" && pwd)"
CORPORA="${VAULT_CORPORA:-$HERE/../../../shared/corpora}"
SIGDIR="$CORPORA/pronom-droid"
CORES=$(nproc)

[ -x "$VAULTCTL" ] || { echo "no $VAULTCTL (build target vaultctl)" >&2; exit 2; }
[ -d "$SIGDIR" ] || { echo "no corpora at $CORPORA (set VAULT_CORPORA)" >&2; exit 2; }
command -v file >/dev/null || { echo "file(1) (libmagic) not installed" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

find "$SIGDIR/test-skeletons/fmt" "$SIGDIR/test-skeletons/x-fmt" -type f | sort >"$tmp/skeletons.list"
find "$CORPORA/format-corpus" -type f | sort >"$tmp/corpus.list"
one=$(head -n 1 "$tmp/skeletons.list")

now() { date +%s.%N; }
# Runs "$@" REPS times; prints the wall times (seconds), one per line.
times_of() {
  local i t0 t1
  for ((i = 0; i < REPS; i++)); do
    t0=$(now)
    "$@" >/dev/null 2>&1 || true  # exit 1 = some files unidentified: expected
    t1=$(now)
    echo "$t1 - $t0" | bc -l
  done
}
best() { sort -g | head -1; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Warm the page cache.
xargs -d '\n' cat <"$tmp/skeletons.list" >/dev/null
xargs -d '\n' cat <"$tmp/corpus.list" >/dev/null

# Start-up costs (subtracted below).
vc_start=$(times_of "$VAULTCTL" identify --signature-dir "$SIGDIR" "$one" | median)
file_start=$(times_of file --mime-type -b "$one" | median)

report() {  # name files bytes startup times...
  local name=$1 files=$2 bytes=$3 start=$4
  shift 4
  local b m
  b=$(printf '%s\n' "$@" | best)
  m=$(printf '%s\n' "$@" | median)
  awk -v n="$name" -v f="$files" -v by="$bytes" -v s="$start" -v b="$b" -v m="$m" 'BEGIN {
    bb = b - s; mm = m - s; if (bb <= 0) bb = 1e-9; if (mm <= 0) mm = 1e-9;
    printf "  %-34s best %8.0f files/s %8.1f MB/s   median %8.0f files/s %8.1f MB/s   (wall best %.3fs)\n",
      n, f / bb, by / bb / 1e6, f / mm, by / mm / 1e6, b }'
}

for set in skeletons corpus; do
  one_list="$tmp/$set.list"
  one_files=$(wc -l <"$one_list")
  one_bytes=$(xargs -d '\n' stat -c %s <"$one_list" | awk '{s += $1} END {print s}')
  if [ "$set" = skeletons ]; then
    one_paths=("$SIGDIR/test-skeletons/fmt" "$SIGDIR/test-skeletons/x-fmt")
    label="DROID skeleton suite"
    rounds=10
  else
    one_paths=("$CORPORA/format-corpus")
    label="format corpus"
    rounds=40
  fi
  paths=()
  list="$tmp/$set.rounds"
  : >"$list"
  for ((r = 0; r < rounds; r++)); do
    paths+=("${one_paths[@]}")
    cat "$one_list" >>"$list"
  done
  files=$((one_files * rounds))
  bytes=$((one_bytes * rounds))
  echo "$label: $one_files files, $one_bytes bytes, x$rounds per run (reps $REPS, $CORES cores)"
  mapfile -t t1 < <(times_of "$VAULTCTL" identify --signature-dir "$SIGDIR" "${paths[@]}")
  report "vaultctl identify (1 thread)" "$files" "$bytes" "$vc_start" "${t1[@]}"
  mapfile -t tn < <(times_of "$VAULTCTL" identify --signature-dir "$SIGDIR" --threads "$CORES" "${paths[@]}")
  report "vaultctl identify ($CORES threads)" "$files" "$bytes" "$vc_start" "${tn[@]}"
  mapfile -t tb < <(times_of "$VAULTCTL" identify --signature-dir "$SIGDIR" --binary-only "${paths[@]}")
  report "vaultctl identify --binary-only" "$files" "$bytes" "$vc_start" "${tb[@]}"
  mapfile -t tf < <(times_of file --mime-type -b -f "$list")
  report "file --mime-type (libmagic)" "$files" "$bytes" "$file_start" "${tf[@]}"
done
echo "start-up (median, subtracted): vaultctl identify $vc_start s (signature files load), file $file_start s"
