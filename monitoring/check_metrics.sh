#!/usr/bin/env bash
# Checks a running vaultd's /metrics:
#   1. promtool check metrics (exposition format and Prometheus naming lint);
#   2. the metric contract (monitoring/metrics.txt): every metric present with its type and
#      labels, every enumerated label value exported, the same tiers everywhere. Missing
#      metrics are printed one a line ("error: missing: NAME (TYPE)").
#
#   monitoring/check_metrics.sh URL        e.g. http://127.0.0.1:8470/metrics
#                                          (a URL without a path gets /metrics appended;
#                                          file:///path/to/saved.txt works too)
# /metrics needs no bearer token. Exit status: 0 all good; 1 problems found; 2 usage;
# 3 cannot fetch the URL or promtool is missing.
set -uo pipefail

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
url=$1
case "$url" in
  file://*) ;;
  http://*/|https://*/) url="${url}metrics" ;;
  http://*/*|https://*/*) ;;
  http://*|https://*) url="${url%/}/metrics" ;;
esac
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v promtool >/dev/null 2>&1; then
  echo "check_metrics: promtool not found; install the Debian package 'prometheus' (tools/setup.sh does)" >&2
  exit 3
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if ! curl -fsS --max-time 30 -o "$tmp" "$url"; then
  echo "check_metrics: cannot fetch $url" >&2
  exit 3
fi

status=0
if lint=$(promtool check metrics < "$tmp" 2>&1); then
  echo "ok: promtool check metrics"
else
  echo "promtool check metrics found problems:" >&2
  printf '%s\n' "$lint" >&2
  status=1
fi
python3 "$here/contract.py" --metrics "$here/metrics.txt" exposition "$tmp" || status=1
exit $status
