#!/usr/bin/env bash
# Audit benchmark (docs/RETENTION.md §6): what signed checkpoints and the offline audit cost as a
# vault grows. One vault is grown in steps to 1,000 / 10,000 / 100,000 stored files (10 / 100 /
# 1,000 packages of 100 files of 4 KiB, each file distinct; bag-info carries Title, File-Code,
# Retention-Rule: TT05-06, End-Date: 2020), ingested through the real vaultd
# (`vaultctl ingest PATH --wait`, 4 at a time for the 2 ingest workers) and replicated to both
# tiers. At each size:
#   checkpoint    POST /api/v1/audit/checkpoint (Merkle root over every catalog file + Ed25519
#                 signature), wall time seen by curl; fastest and slowest of CP_REPEAT (3).
#                 Sent with an empty body (--data ''): a bare `curl -X POST` has no
#                 Content-Length, and vaultd's HTTP server then waits for a body until its read
#                 timeout (30 s) and answers 400.
#   audit         vaultd stopped, then `vaultctl --root H audit verify --json`, with content
#                 hashing and with --no-content: wall time and peak RSS (/usr/bin/time -v); the
#                 report must say intact. The tiers are read (cat) before the content run, but
#                 the audit hashes through HashFile(drop_cache=true), which evicts what it reads,
#                 so the content figure is close to a cold-cache one.
#   cp line       bytes per line of log/checkpoints.jsonl (mean over the file, and the last line)
# The background fixity scheduler is switched off ([fixity] enabled = false) so that it does not
# read the tiers while checkpoints are timed; replication and checkpoints run as usual.
#
# usage: tests/bench/audit_bench.sh BUILD_DIR [WORKDIR]   (WORKDIR default /tmp/vault-audit-bench)
# env: ONLY=1k,10k,100k (sizes to measure; default 1k,10k,100k), CP_REPEAT (3),
#      PER_PKG (100 files per package), FILE_BYTES (4096)
# Figures: printed, and written to WORKDIR/audit_bench.txt.
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [WORKDIR]}" && pwd)
WORK=${2:-/tmp/vault-audit-bench}
ONLY=${ONLY:-1k,10k,100k}
CP_REPEAT=${CP_REPEAT:-3}; PER_PKG=${PER_PKG:-100}; FILE_BYTES=${FILE_BYTES:-4096}
VAULTD=$BUILD/bin/vaultd; VAULTCTL=$BUILD/bin/vaultctl
for t in python3 curl bc; do
  command -v $t >/dev/null || { echo "missing tool: $t (tools/setup.sh installs it)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (package 'time', tools/setup.sh)" >&2; exit 1; }
[ -x "$VAULTD" ] && [ -x "$VAULTCTL" ] || { echo "no $VAULTD / $VAULTCTL: build vaultd vaultctl" >&2; exit 1; }

# Sizes: name → stored files; packages = files / PER_PKG. Measured in increasing order.
declare -A FILES_OF=([1k]=1000 [10k]=10000 [100k]=100000)
SIZES=()
for s in 1k 10k 100k; do
  case ",$ONLY," in *",$s,"*) SIZES+=("$s") ;; esac
done
[ ${#SIZES[@]} -gt 0 ] || { echo "ONLY must name some of 1k,10k,100k" >&2; exit 2; }
MAX_PKGS=$(( FILES_OF[${SIZES[-1]}] / PER_PKG ))
mkdir -p "$WORK"

# --- packages (generated once, reused by later runs) -----------------------------------------
python3 - "$WORK/pkgs" "$MAX_PKGS" "$PER_PKG" "$FILE_BYTES" <<'EOF'
import hashlib, os, sys
root, n_pkgs, per_pkg, size = sys.argv[1], *map(int, sys.argv[2:])
for p in range(n_pkgs):
    d = os.path.join(root, f"p-{p:04d}")
    stamp = os.path.join(d, ".done")
    if os.path.exists(stamp): continue
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    lines = []
    blob = os.urandom(per_pkg * size)
    for i in range(per_pkg):
        chunk = blob[i * size:(i + 1) * size]
        rel = f"data/d{i // 50:02d}/f{i:04d}.bin"
        os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(d, rel), "wb") as f: f.write(chunk)
        lines.append(f"{hashlib.sha256(chunk).hexdigest()}  {rel}\n")
    open(os.path.join(d, "bagit.txt"), "w").write("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    open(os.path.join(d, "manifest-sha256.txt"), "w").writelines(lines)
    open(os.path.join(d, "bag-info.txt"), "w").write(
        f"Payload-Oxum: {per_pkg * size}.{per_pkg}\n"
        f"Title: Audit benchmark package {p:04d}\n"
        f"File-Code: BENCH-{p:04d}\n"
        "Retention-Rule: TT05-06\n"
        "End-Date: 2020\n")
    open(stamp, "w").write("ok\n")
EOF

now() { date +%s.%N; }
H="$WORK/vault"
DPID=""
start_daemon() {
  "$VAULTD" --root "$H" --listen 127.0.0.1:0 >> "$WORK/vaultd.log" 2>&1 &
  DPID=$!
  for _ in $(seq 1200); do
    if [ -s "$H/run/api" ] && curl -sf "$(cat "$H/run/api")/readyz" > /dev/null; then return 0; fi
    sleep 0.05
  done
  echo "vaultd did not become ready (see $WORK/vaultd.log)" >&2; return 1
}
stop_daemon() {
  [ -n "$DPID" ] || return 0
  kill -TERM "$DPID" 2>/dev/null || true; wait "$DPID" 2>/dev/null || true; DPID=""
}
trap stop_daemon EXIT
wait_replicated() {  # every object with a copy on every tier, none below policy
  for _ in $(seq 12000); do
    local n; n=$("$VAULTCTL" --root "$H" status --json | python3 -c '
import json,sys; s=json.load(sys.stdin); t={x["tier"]:x.get("copies",0) for x in s["integrity"]["tiers"]}
print(1 if s["objects"]>0 and all(v==s["objects"] for v in t.values()) and s["integrity"]["below_policy"]==0 else 0)')
    [ "$n" = 1 ] && return 0; sleep 0.2
  done
  echo "replication did not finish" >&2; return 1
}
# timed_audit OUT.json TIME.txt [ARGS...]: sets A_S (wall s) and A_MIB (peak RSS)
timed_audit() {
  local out=$1 tv=$2; shift 2
  local t0 t1 rc=0; t0=$(now)
  /usr/bin/time -v -o "$tv" "$VAULTCTL" --root "$H" audit verify --json "$@" > "$out" || rc=$?
  t1=$(now)
  A_S=$(echo "$t1 - $t0" | bc -l)
  A_MIB=$(awk -F: '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$tv")
  python3 - "$out" "$rc" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
if not j.get("intact") or sys.argv[2] != "0":
    print(f"audit NOT intact (exit {sys.argv[2]}):", json.dumps(j["breaks"][:5], ensure_ascii=False), file=sys.stderr)
    sys.exit(1)
EOF
}

rm -rf "$H"; "$VAULTCTL" init "$H" > /dev/null
python3 - "$H/vault.toml" <<'EOF'
import re, sys
p = sys.argv[1]; t = open(p).read()
t2 = re.sub(r"(\[fixity\]\s*\nenabled\s*=\s*)true", r"\1false", t, count=1)
assert t2 != t, "could not switch off [fixity] enabled in vault.toml"
open(p, "w").write(t2)
EOF
: > "$WORK/vaultd.log"
TOKEN=$(cat "$H/secrets/admin.token")
RESULTS="$WORK/audit_bench.txt"
{
  echo "== audit benchmark: $(nproc) cores, $(date -u +%FT%TZ), $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "   packages of $PER_PKG files x $FILE_BYTES bytes; 2 tiers (hot, warm); fixity scheduler off"
  printf '%-5s %7s %6s %9s | %15s %7s | %9s %8s | %9s %8s | %9s\n' \
    size files objs ingest_s "checkpoint_ms" entries audit_s MiB nocont_s MiB cp_line_B
  printf '%-5s %7s %6s %9s | %15s %7s | %9s %8s | %9s %8s | %9s\n' \
    "" "" "" "(+repl)" "(best/worst)" "" "(content)" "" "(--no-c.)" "" "(mean/last)"
} | tee "$RESULTS"

ingested=0
mapfile -t PKGS < <(ls -d "$WORK"/pkgs/p-* | sort | head -n "$MAX_PKGS")
for size in "${SIZES[@]}"; do
  want=$(( FILES_OF[$size] / PER_PKG ))
  start_daemon
  t0=$(now)
  if [ "$ingested" -lt "$want" ]; then
    printf '%s\n' "${PKGS[@]:$ingested:$(( want - ingested ))}" |
      xargs -P 4 -I{} "$VAULTCTL" --root "$H" ingest {} --wait > "$WORK/ingest.out" ||
      { echo "ingest failed:" >&2; grep -v accepted "$WORK/ingest.out" >&2; exit 1; }
    ingested=$want
  fi
  wait_replicated
  ingest_s=$(echo "$(now) - $t0" | bc -l)
  api=$(cat "$H/run/api")

  # 1. signed checkpoints
  cp_best=""; cp_worst=""; entries=""
  for _ in $(seq "$CP_REPEAT"); do
    r=$(curl -s -o "$WORK/cp.json" -w '%{http_code} %{time_total}' -X POST --data '' \
          -H "Authorization: Bearer $TOKEN" "$api/api/v1/audit/checkpoint")
    [ "${r%% *}" = 201 ] || { echo "checkpoint failed: $r $(cat "$WORK/cp.json")" >&2; exit 1; }
    ms=$(echo "${r#* } * 1000" | bc -l)
    if [ -z "$cp_best" ] || [ "$(echo "$ms < $cp_best" | bc -l)" = 1 ]; then cp_best=$ms; fi
    if [ -z "$cp_worst" ] || [ "$(echo "$ms > $cp_worst" | bc -l)" = 1 ]; then cp_worst=$ms; fi
    entries=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["entries"])' "$WORK/cp.json")
  done
  objects=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"])' "$WORK/cp.json")
  stop_daemon  # writes one more checkpoint only if the log moved

  # 2. offline audit: content, then --no-content
  find "$H/tiers" -type f -print0 | xargs -0 cat > /dev/null
  timed_audit "$WORK/audit-$size.json" "$WORK/time-$size.txt"
  ac_s=$A_S; ac_mib=$A_MIB
  timed_audit "$WORK/audit-$size-nc.json" "$WORK/time-$size-nc.txt" --no-content
  an_s=$A_S; an_mib=$A_MIB
  files=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checked"]["files"])' "$WORK/audit-$size.json")

  # 3. checkpoint line size
  cpf="$H/log/checkpoints.jsonl"
  cp_mean=$(awk '{n++; b+=length($0)+1} END {printf "%.0f", b/n}' "$cpf")
  cp_last=$(tail -n 1 "$cpf" | wc -c)

  printf '%-5s %7d %6d %9.1f | %7.1f/%7.1f %7d | %9.2f %8.1f | %9.2f %8.1f | %4d/%4d\n' \
    "$size" "$entries" "$objects" "$ingest_s" "$cp_best" "$cp_worst" "$entries" \
    "$ac_s" "$ac_mib" "$an_s" "$an_mib" "$cp_mean" "$cp_last" | tee -a "$RESULTS"
  echo "      audit checked: $(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["checked"]))' "$WORK/audit-$size.json") (stored content files $files)" >> "$RESULTS"
done
echo "figures written to $RESULTS"
