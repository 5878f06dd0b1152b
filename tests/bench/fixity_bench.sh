#!/usr/bin/env bash
# End-to-end fixity benchmark (issue: integrity). In one run, on one machine, over the copies a
# real vault holds (both tiers):
#   vaultctl verify --all --wait        the daemon's full pass: every copy, every byte, verified
#                                       against the OCFL inventories (plus the metadata checks)
#   sha256sum                           one process over the same content files
#   hashdeep -c sha256 -a -k known -r   audit mode (known file made first, not timed)
#   openssl speed -evp sha256 -multi N  the CPU's hashing limit (16384-byte column)
# Corpora: "large" = one package of 4 × 512 MiB random files; "small" = 100,000 files of
# 4–64 KiB in 100 packages of 1,000. Before each timed tool the page cache is warmed
# (cat > /dev/null), so all tools read from memory and hashing engines are compared, not disks.
# Memory: vaultd's peak RSS (VmHWM) over a restart + a full pass, with the vault holding 1,000
# files and then 100,000 files.
# Targets: large ≥ 75% of openssl multi; small ≥ 4× hashdeep; RSS within ±10%.
#
# usage: tests/bench/fixity_bench.sh BUILD_DIR [WORKDIR]   (WORKDIR default /tmp/vault-fixity-bench)
# env: LARGE_MIB (512), SMALL_BAGS (100), SMALL_PER_BAG (1000), REPEAT (2: fastest run counts),
#      ONLY=large|small (one corpus, no memory runs)
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [WORKDIR]}" && pwd)
WORK=${2:-/tmp/vault-fixity-bench}
LARGE_MIB=${LARGE_MIB:-512}; SMALL_BAGS=${SMALL_BAGS:-100}; SMALL_PER_BAG=${SMALL_PER_BAG:-1000}
REPEAT=${REPEAT:-2}
VAULTD=$BUILD/bin/vaultd; VAULTCTL=$BUILD/bin/vaultctl
NPROC=$(nproc)
for t in openssl sha256sum hashdeep python3 curl; do
  command -v $t >/dev/null || { echo "missing tool: $t (tools/setup.sh installs it)" >&2; exit 1; }
done
mkdir -p "$WORK"

# --- packages (generated once) ---------------------------------------------------------------
python3 - "$WORK" "$LARGE_MIB" "$SMALL_BAGS" "$SMALL_PER_BAG" <<'EOF'
import hashlib, os, random, sys
work, large_mib, small_bags, per_bag = sys.argv[1], *map(int, sys.argv[2:])
def bag(d, files):  # files: list of (relpath, bytes-producer)
    stamp = os.path.join(d, ".done")
    if os.path.exists(stamp): return
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    lines, total = [], 0
    for rel, produce in files:
        p = os.path.join(d, "data", rel); os.makedirs(os.path.dirname(p), exist_ok=True)
        h = hashlib.sha256(); n = 0
        with open(p, "wb") as f:
            for chunk in produce():
                f.write(chunk); h.update(chunk); n += len(chunk)
        lines.append(f"{h.hexdigest()}  data/{rel}\n"); total += n
    open(os.path.join(d, "bagit.txt"), "w").write("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    open(os.path.join(d, "manifest-sha256.txt"), "w").writelines(lines)
    open(os.path.join(d, "bag-info.txt"), "w").write(f"Payload-Oxum: {total}.{len(files)}\n")
    open(stamp, "w").write("ok\n")
def big():
    for _ in range(large_mib // 16): yield os.urandom(16 << 20)
bag(os.path.join(work, "large"), [(f"big{i}.bin", big) for i in range(4)])
rng = random.Random(7); pool = os.urandom(64 << 20)
for b in range(small_bags):
    files = []
    for i in range(per_bag):
        size = rng.randint(4096, 65536); off = rng.randint(0, len(pool) - size)
        files.append((f"d{i // 100:02d}/f{i:04d}.bin", (lambda o=off, s=size: iter([pool[o:o + s]]))))
    bag(os.path.join(work, f"small-{b:03d}"), files)
EOF

now() { date +%s.%N; }
warm() { find "$@" -type f -print0 | xargs -0 cat > /dev/null; }
# best_of CMD...: runs CMD REPEAT times after warming the cache, prints the fastest wall time.
best=""
best_of() {
  best=""
  for _ in $(seq "$REPEAT"); do
    warm "$HOME_DIR/tiers"
    local t0 t1; t0=$(now); "$@" > "$WORK/last.out" 2>&1 || true; t1=$(now)
    local dt; dt=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" = 1 ]; then best=$dt; fi
  done
}
start_daemon() {
  "$VAULTD" --root "$HOME_DIR" --listen 127.0.0.1:0 >> "$WORK/vaultd.log" 2>&1 &
  DPID=$!
  for _ in $(seq 1200); do
    if [ -s "$HOME_DIR/run/api" ] && curl -sf "$(cat "$HOME_DIR/run/api")/readyz" > /dev/null; then return 0; fi
    sleep 0.05
  done
  echo "vaultd did not become ready" >&2; return 1
}
stop_daemon() { kill -TERM "$DPID" 2>/dev/null || true; wait "$DPID" 2>/dev/null || true; }
hwm_kib() { awk '/VmHWM/ {print $2}' /proc/"$DPID"/status; }
wait_replicated() {  # all objects with 2 good copies
  for _ in $(seq 6000); do
    local n; n=$("$VAULTCTL" --root "$HOME_DIR" status --json | python3 -c '
import json,sys; s=json.load(sys.stdin); t={x["tier"]:x.get("copies",0) for x in s["integrity"]["tiers"]}
print(1 if s["objects"]>0 and all(v==s["objects"] for v in t.values()) and s["integrity"]["below_policy"]==0 else 0)')
    [ "$n" = 1 ] && return 0; sleep 0.2
  done
  echo "replication did not finish" >&2; return 1
}
content_files() { find "$HOME_DIR/tiers" -path '*/content/*' -type f; }
verify_pass() { "$VAULTCTL" --root "$HOME_DIR" verify --all --wait --json; }

OPENSSL_KBS=$(openssl speed -evp sha256 -multi "$NPROC" 2>/dev/null | awk '/^sha256/ || /^SHA256/ {v=$NF} END {sub(/k$/,"",v); print v}')
OPENSSL_MBS=$(echo "$OPENSSL_KBS / 1000" | bc -l)

run_corpus() {  # run_corpus NAME BAG...
  local name=$1; shift
  HOME_DIR="$WORK/vault-$name"; rm -rf "$HOME_DIR"; "$VAULTCTL" init "$HOME_DIR" > /dev/null
  start_daemon
  local t0; t0=$(now)
  printf '%s\n' "$@" | xargs -P 2 -I{} "$VAULTCTL" --root "$HOME_DIR" ingest {} --wait > /dev/null
  wait_replicated
  local ingest_s; ingest_s=$(echo "$(now) - $t0" | bc -l)
  local files bytes
  files=$(content_files | wc -l)
  bytes=$(content_files | xargs -d '\n' stat -c %s | awk '{s+=$1} END {printf "%.0f\n", s}')
  best_of verify_pass
  local v_s=$best
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["state"]=="done" and j["findings_total"]==0, j' "$WORK/last.out"
  best_of sh -c "find '$HOME_DIR/tiers' -path '*/content/*' -type f -print0 | xargs -0 sha256sum"
  local s_s=$best
  (cd "$HOME_DIR/tiers" && hashdeep -c sha256 -r hot warm > "$WORK/known.txt")
  best_of sh -c "cd '$HOME_DIR/tiers' && hashdeep -c sha256 -a -k '$WORK/known.txt' -r hot warm"
  local h_s=$best
  grep -q "Audit passed" "$WORK/last.out" || { echo "hashdeep audit did not pass" >&2; cat "$WORK/last.out" >&2; }
  stop_daemon
  local mb; mb=$(echo "$bytes / 1000000" | bc -l)
  printf '%-6s %8d files %9.1f MB   ingest+replicate %7.1f s\n' "$name" "$files" "$mb" "$ingest_s"
  printf '  %-28s %8.2f s %9.1f MB/s %9.0f files/s\n' "vaultctl verify --all" "$v_s" "$(echo "$mb/$v_s" | bc -l)" "$(echo "$files/$v_s" | bc -l)"
  printf '  %-28s %8.2f s %9.1f MB/s %9.0f files/s\n' "sha256sum" "$s_s" "$(echo "$mb/$s_s" | bc -l)" "$(echo "$files/$s_s" | bc -l)"
  printf '  %-28s %8.2f s %9.1f MB/s %9.0f files/s\n' "hashdeep -a (audit)" "$h_s" "$(echo "$mb/$h_s" | bc -l)" "$(echo "$files/$h_s" | bc -l)"
  eval "${name}_V=$(echo "$mb/$v_s" | bc -l); ${name}_H=$(echo "$mb/$h_s" | bc -l)"
}

echo "== fixity benchmark: $(nproc) cores, $(date -u +%FT%TZ); page cache warmed before each tool; fastest of $REPEAT =="
printf 'openssl speed -evp sha256 -multi %d: %.1f MB/s (16384-byte blocks)\n' "$NPROC" "$OPENSSL_MBS"
: > "$WORK/vaultd.log"
mapfile -t SMALL < <(ls -d "$WORK"/small-* | sort)
if [ "${ONLY:-}" != small ]; then
  run_corpus large "$WORK/large"
  printf 'large: vault %.1f MB/s = %.0f%% of openssl multi (target >= 75%%)\n' "$large_V" "$(echo "100*$large_V/$OPENSSL_MBS" | bc -l)"
fi
if [ "${ONLY:-}" != large ]; then
  run_corpus small "${SMALL[@]}"
  printf 'small: vault %.1f MB/s = %.2fx hashdeep audit (target >= 4x)\n' "$small_V" "$(echo "$small_V/$small_H" | bc -l)"
fi
[ -n "${ONLY:-}" ] && exit 0

# --- memory: peak RSS over restart + full pass, 1,000 / 10,000 / 100,000 files ---------------
# A pass checks `fixity.objects_per_tier` objects per tier at once (default: as many as hashing
# threads), so memory is bounded by that × the largest object's file count, not by the vault's
# size; a vault of ONE 1,000-file package has fewer objects in flight than that.
rss_of() {  # rss_of HOME: vaultd's VmHWM (KiB) over a start and one full pass
  HOME_DIR=$1; start_daemon; verify_pass > /dev/null; hwm_kib; stop_daemon
}
files_of() { find "$1/tiers/hot" -path '*/content/*' -type f | wc -l; }
HOME_DIR="$WORK/vault-rss"; rm -rf "$HOME_DIR"; "$VAULTCTL" init "$HOME_DIR" > /dev/null
start_daemon; "$VAULTCTL" --root "$HOME_DIR" ingest "${SMALL[0]}" --wait > /dev/null; wait_replicated; stop_daemon
RSS_1K=$(rss_of "$WORK/vault-rss"); FILES_1K=$(files_of "$WORK/vault-rss")
HOME_DIR="$WORK/vault-rss"; start_daemon
printf '%s\n' "${SMALL[@]:1:9}" | xargs -P 2 -I{} "$VAULTCTL" --root "$HOME_DIR" ingest {} --wait > /dev/null
wait_replicated; stop_daemon
RSS_10K=$(rss_of "$WORK/vault-rss"); FILES_10K=$(files_of "$WORK/vault-rss")
RSS_100K=$(rss_of "$WORK/vault-small"); FILES_100K=$(files_of "$WORK/vault-small")
mib() { echo "$1/1024" | bc -l; }
printf 'vaultd peak RSS (restart + full pass): %d files %.1f MiB | %d files %.1f MiB | %d files %.1f MiB\n' \
  "$FILES_1K" "$(mib "$RSS_1K")" "$FILES_10K" "$(mib "$RSS_10K")" "$FILES_100K" "$(mib "$RSS_100K")"
printf '  100,000 vs 1,000 files: %+.1f%%; 100,000 vs 10,000 files: %+.1f%% (target within ±10%%)\n' \
  "$(echo "100*($RSS_100K-$RSS_1K)/$RSS_1K" | bc -l)" "$(echo "100*($RSS_100K-$RSS_10K)/$RSS_10K" | bc -l)"
