#!/usr/bin/env bash
# Ingest benchmark (issue: foundation). In one run, on one filesystem:
#   A: cp -r SRC DST && sync
#   B: vaultctl ingest SRC --wait   (validate + hash + durable write into OCFL)
# Reports both times, the ratio B/A (target <= 1.3) and vaultd's peak RSS (target < 200 MB).
# usage: tests/bench/ingest_bench.sh [BUILD_DIR] ; env FILES (2000), MIN (102400), MAX (20971520),
#        WORK (a directory on the filesystem to measure; default ./bench-work)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
FILES=${FILES:-2000}; MIN=${MIN:-102400}; MAX=${MAX:-20971520}
WORK=${WORK:-$PWD/bench-work}
rm -rf "$WORK"; mkdir -p "$WORK"
trap 'pkill -f "vaultd --root $WORK/vault" 2>/dev/null || true; rm -rf "$WORK"' EXIT

echo "generating bag: $FILES files, $MIN..$MAX bytes (log-uniform)"
python3 tests/bench/make_bag.py "$WORK/src" "$FILES" "$MIN" "$MAX"
sync
bytes=$(du -sb "$WORK/src" | cut -f1)

drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }

drop
t0=$(date +%s.%N)
cp -r "$WORK/src" "$WORK/copy" && sync
t1=$(date +%s.%N)
cp_s=$(echo "$t1 - $t0" | bc -l)
rm -rf "$WORK/copy"; sync

"$BUILD/bin/vaultctl" init "$WORK/vault" >/dev/null
"$BUILD/bin/vaultd" --root "$WORK/vault" --listen 127.0.0.1:0 2>"$WORK/vaultd.log" &
pid=$!
for _ in $(seq 100); do [ -s "$WORK/vault/run/api" ] && break; sleep 0.1; done
drop
t0=$(date +%s.%N)
"$BUILD/bin/vaultctl" --root "$WORK/vault" ingest "$WORK/src" --wait --json > "$WORK/ingest.json"
t1=$(date +%s.%N)
ing_s=$(echo "$t1 - $t0" | bc -l)
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill -TERM $pid; wait $pid || true
grep -q '"status": "accepted"' "$WORK/ingest.json" || { echo "ingest failed:"; cat "$WORK/ingest.json"; exit 1; }

mb=$(echo "$bytes / 1048576" | bc -l)
printf 'payload: %d files, %.0f MiB\n' "$FILES" "$mb"
printf 'cp -r + sync: %.2f s (%.0f MiB/s)\n' "$cp_s" "$(echo "$mb / $cp_s" | bc -l)"
printf 'vault ingest: %.2f s (%.0f MiB/s)\n' "$ing_s" "$(echo "$mb / $ing_s" | bc -l)"
printf 'ratio ingest/copy: %.2f (target <= 1.30)\n' "$(echo "$ing_s / $cp_s" | bc -l)"
printf 'vaultd peak RSS: %.1f MiB (target < 200)\n' "$(echo "$rss_kb / 1024" | bc -l)"
