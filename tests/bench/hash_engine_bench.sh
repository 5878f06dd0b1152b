#!/usr/bin/env bash
# Hashing engine benchmark (issue: fixity throughput). In one run, on one machine:
#   openssl speed -evp sha256 -multi $(nproc)   the CPU's ceiling (16384-byte column)
#   sha256sum                                   one process
#   hashdeep -c sha256 -a -k known.txt -r       audit mode (known file made first, not timed)
#   ref_sha256_loop 2                           bare C: 2 threads, read() whole file, EVP SHA-256
#   hash_bench                                  vault::fixity::HashPool as configured in
#                                               production: drop_cache on, files that were
#                                               entirely cached before are left cached
#   hash_bench_nodrop                           --no-drop-cache: no fadvise(DONTNEED) at all
#   hash_bench_dropall                          --drop-warm: DONTNEED on every file, i.e. what
#                                               dropping costs when the files come from disk
# over two corpora: "large" (4 x 512 MiB random) and "small" (100,000 files of 4-64 KiB random,
# 1,000 per subdirectory). The page cache is warmed (cat > /dev/null) before timing each tool,
# so every tool reads from memory: this compares hashing engines, not disks. Each tool runs
# REPEAT times (default 2) and the fastest run counts (other processes on a shared machine only
# ever slow a run down). The "cpu s" column is user + system CPU time of that run.
# Targets: hash_bench large >= 75% of openssl; hash_bench small >= 4x hashdeep.
#
# usage: tests/bench/hash_engine_bench.sh BUILD_DIR [WORKDIR]   (WORKDIR: /tmp/vault-hash-bench)
# The corpora are kept in WORKDIR and reused by later runs (delete it to regenerate);
# env LARGE_FILES (4), LARGE_MIB (512), SMALL_FILES (100000) change their shape; REPEAT (2).
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR [WORKDIR]}
WORK=${2:-/tmp/vault-hash-bench}
LARGE_FILES=${LARGE_FILES:-4}; LARGE_MIB=${LARGE_MIB:-512}; SMALL_FILES=${SMALL_FILES:-100000}
REPEAT=${REPEAT:-2}
NPROC=$(nproc)
HASH_BENCH=$BUILD/bin/hash_bench
REF=$BUILD/bin/ref_sha256_loop
for b in "$HASH_BENCH" "$REF"; do
  [ -x "$b" ] || { echo "missing $b: ninja -C $BUILD hash_bench ref_sha256_loop" >&2; exit 1; }
done
for t in openssl sha256sum hashdeep python3; do
  command -v $t >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done
mkdir -p "$WORK"
TMP=$(mktemp -d "$WORK/run.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# --- corpora (generated once; a stamp file records the shape) --------------------------------
gen() {  # gen large|small
  python3 - "$WORK" "$1" "$LARGE_FILES" "$LARGE_MIB" "$SMALL_FILES" <<'EOF'
import os, random, sys
work, which, large_files, large_mib, small_files = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
rng = random.Random(20240601)
if which == "large":
    d = os.path.join(work, "large"); os.makedirs(d, exist_ok=True)
    for i in range(large_files):
        with open(os.path.join(d, f"big{i}.bin"), "wb") as f:
            for _ in range(large_mib // 16):
                f.write(os.urandom(16 << 20))
else:
    d = os.path.join(work, "small")
    # One random pool, sliced at random offsets: random bytes without paying getrandom per file.
    pool = os.urandom(64 << 20)
    for i in range(small_files):
        sub = os.path.join(d, f"d{i // 1000:03d}")
        if i % 1000 == 0: os.makedirs(sub, exist_ok=True)
        size = rng.randint(4096, 65536)
        off = rng.randrange(0, len(pool) - size)
        with open(os.path.join(sub, f"f{i:06d}.bin"), "wb") as f:
            f.write(pool[off:off + size])
EOF
}
for set in large small; do
  stamp="$WORK/$set.stamp"; shape="$LARGE_FILES x $LARGE_MIB MiB / $SMALL_FILES small"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$shape" ]; then
    echo "generating $set corpus in $WORK/$set ..."
    rm -rf "${WORK:?}/$set" "$stamp"
    gen $set
    echo "$shape" > "$stamp"
  fi
  find "$WORK/$set" -type f | sort > "$TMP/$set.list"
done
sync

warm() { xargs -d '\n' cat < "$TMP/$1.list" > /dev/null; }
now() { date +%s.%N; }
# record TOOL SET FILES BYTES SECONDS CPU: keeps the fastest of the repeated runs.
record() { echo "$1 $2 $3 $4 $5 $6" >> "$TMP/results"; }
set_files() { wc -l < "$TMP/$1.list"; }
set_bytes() { xargs -d '\n' stat -c %s < "$TMP/$1.list" | awk '{s += $1} END {print s}'; }
declare -A FILES BYTES
for set in large small; do FILES[$set]=$(set_files $set); BYTES[$set]=$(set_bytes $set); done

# --- 1. openssl speed ---------------------------------------------------------------------------
echo "openssl speed -evp sha256 -multi $NPROC ..."
OPENSSL_MBS=0
for r in $(seq "$REPEAT"); do  # the best run counts, as for the other tools
  openssl speed -evp sha256 -multi "$NPROC" -seconds 2 > "$TMP/openssl.txt" 2>/dev/null
  # Columns: 16 64 256 1024 8192 16384 bytes, in 1000s of bytes per second.
  kbs=$(awk '$1 == "sha256" && NF >= 7 {v = $7} END {sub(/k$/, "", v); print v}' "$TMP/openssl.txt")
  OPENSSL_MBS=$(awk -v k="$kbs" -v best="$OPENSSL_MBS" 'BEGIN {v = k / 1000; printf "%.1f", (v > best ? v : best)}')
done
# One core, for the CPU-time comparison below (robust when other processes share the machine).
OPENSSL1_MBS=0
for r in $(seq "$REPEAT"); do
  kbs=$(openssl speed -evp sha256 -seconds 2 -bytes 16384 2>/dev/null |
        awk '$1 == "sha256" {v = $2} END {sub(/k$/, "", v); print v}')
  OPENSSL1_MBS=$(awk -v k="$kbs" -v best="$OPENSSL1_MBS" 'BEGIN {v = k / 1000; printf "%.1f", (v > best ? v : best)}')
done
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 2..5: tools over both sets -----------------------------------------------------------------
run_timed() {  # run_timed TOOL SET -- command...   (warms the set first; /usr/bin/time-like)
  local tool=$1 set=$2; shift 3
  local r t0 t1 c0 c1
  for r in $(seq "$REPEAT"); do
    warm "$set"
    children_cpu > "$TMP/c0"; t0=$(now)
    "$@"
    t1=$(now); children_cpu > "$TMP/c1"
    c0=$(cat "$TMP/c0"); c1=$(cat "$TMP/c1")
    record "$tool" "$set" "${FILES[$set]}" "${BYTES[$set]}" \
           "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$(awk -v a="$c0" -v b="$c1" 'BEGIN {print b - a}')"
  done
}
# CPU seconds (user + system) of this shell's waited-for children so far. `times` must run in
# this shell (a $(...) subshell would report its own, empty, children).
children_cpu() {
  times > "$TMP/times"
  awk 'END { for (i = 1; i <= 2; i++) { split($i, p, "m"); sub(/s/, "", p[2]); s += p[1] * 60 + p[2] } print s }' "$TMP/times"
}
run_result() {  # run_result TOOL SET -- command...: the tool times itself (its RESULT line)
  local tool=$1 set=$2; shift 3
  local r line
  for r in $(seq "$REPEAT"); do
    warm "$set"
    line=$("$@" | grep '^RESULT' | tail -1)
    record "$tool" "$set" "$(field files "$line")" "$(field bytes "$line")" \
           "$(field seconds "$line")" "$(field cpu "$line")"
  done
}
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$2"; }

for set in large small; do
  echo "[$set] sha256sum ..."
  run_timed sha256sum $set -- sh -c "xargs -d '\n' sha256sum < '$TMP/$set.list' > '$TMP/sha256sum.$set'"

  echo "[$set] hashdeep audit ..."
  hashdeep -c sha256 -r "$WORK/$set" > "$TMP/known.$set.txt"
  run_timed hashdeep $set -- sh -c "hashdeep -c sha256 -a -k '$TMP/known.$set.txt' -r '$WORK/$set' > '$TMP/hashdeep.$set.out' 2>&1 || true"
  grep -q "Audit passed" "$TMP/hashdeep.$set.out" || { echo "hashdeep audit failed:"; cat "$TMP/hashdeep.$set.out"; exit 1; }

  echo "[$set] ref_sha256_loop 2 threads ..."
  run_result ref_c_2thr $set -- "$REF" 2 "$TMP/$set.list"

  echo "[$set] hash_bench ..."
  run_result hash_bench $set -- "$HASH_BENCH" "$WORK/$set"
  run_result hash_bench_nodrop $set -- "$HASH_BENCH" "$WORK/$set" --no-drop-cache
  run_result hash_bench_dropall $set -- "$HASH_BENCH" "$WORK/$set" --drop-warm
done

# --- correctness: hash_bench digests == sha256sum digests (not timed) ---------------------------
for set in large small; do
  "$HASH_BENCH" "$WORK/$set" --print --no-drop-cache 2>/dev/null | sort -k2 > "$TMP/hb.$set.sums"
  sort -k2 "$TMP/sha256sum.$set" > "$TMP/ss.$set.sums"
  if cmp -s "$TMP/hb.$set.sums" "$TMP/ss.$set.sums"; then
    echo "[$set] hash_bench digests agree with sha256sum (${FILES[$set]} files)"
  else
    echo "[$set] DIGEST MISMATCH between hash_bench and sha256sum" >&2; exit 1
  fi
done

# --- table --------------------------------------------------------------------------------------
echo
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $NPROC cpus," \
     "$(grep -qw sha_ni /proc/cpuinfo && echo 'SHA extensions' || echo 'no SHA extensions')"
echo "page cache warmed (cat > /dev/null) before timing each tool: all tools read from memory."
if grep -qs '^on$' /sys/kernel/mm/damon/admin/kdamonds/*/state; then
  echo "note: DAMON (kdamond) is on here: it pages out idle cache within seconds, so a few % of"
  echo "      the 'warm' files are read from disk again, slightly more for slower tools."
fi
echo "load average at start of the tool runs: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "MB = 10^6 bytes. openssl speed -evp sha256, 16384-byte blocks: -multi $NPROC $OPENSSL_MBS MB/s," \
     "one process $OPENSSL1_MBS MB/s"
awk -v ossl="$OPENSSL_MBS" -v ossl1="$OPENSSL1_MBS" '
  { k = $1 "/" $2
    if (!(k in secs)) { order[++n] = k; tool[k] = $1; set[k] = $2 }
    if (!(k in secs) || $5 < secs[k]) { files[k] = $3; bytes[k] = $4; secs[k] = $5; cpu[k] = $6 } }
  END {
    printf "%-18s %-6s %8s %10s %9s %8s %10s %10s\n", "tool", "set", "files", "MB", "seconds", "cpu s", "MB/s", "files/s"
    for (i = 1; i <= n; i++) {
      k = order[i]; mbs[k] = bytes[k] / 1e6 / secs[k]; fps[k] = files[k] / secs[k]
      printf "%-18s %-6s %8d %10.1f %9.3f %8.2f %10.1f %10.0f\n", tool[k], set[k], files[k],
             bytes[k] / 1e6, secs[k], cpu[k], mbs[k], fps[k]
    }
    printf "\n"
    printf "large: hash_bench / openssl      = %.2f   (target >= 0.75; nodrop %.2f, dropall %.2f)\n",
           mbs["hash_bench/large"] / ossl, mbs["hash_bench_nodrop/large"] / ossl, mbs["hash_bench_dropall/large"] / ossl
    printf "small: hash_bench / hashdeep     = %.2f   (target >= 4; nodrop %.2f, dropall %.2f)\n",
           fps["hash_bench/small"] / fps["hashdeep/small"], fps["hash_bench_nodrop/small"] / fps["hashdeep/small"],
           fps["hash_bench_dropall/small"] / fps["hashdeep/small"]
    printf "small: ref_c_2thr / hashdeep     = %.2f\n", fps["ref_c_2thr/small"] / fps["hashdeep/small"]
    printf "small: hash_bench / ref_c_2thr   = %.2f\n", fps["hash_bench/small"] / fps["ref_c_2thr/small"]
    printf "by CPU time (load-independent): large: hash_bench MB per CPU-second / openssl one core = %.2f;\n",
           bytes["hash_bench/large"] / 1e6 / cpu["hash_bench/large"] / ossl1
    printf "  small: hashdeep CPU s / hash_bench CPU s = %.2f (dropall %.2f); hashdeep / ref_c_2thr = %.2f\n",
           cpu["hashdeep/small"] / cpu["hash_bench/small"], cpu["hashdeep/small"] / cpu["hash_bench_dropall/small"],
           cpu["hashdeep/small"] / cpu["ref_c_2thr/small"]
    printf "runs per tool: %d (fastest shown)\n", '"$REPEAT"'
  }' "$TMP/results"
