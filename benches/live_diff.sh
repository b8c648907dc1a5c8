#!/usr/bin/env bash
# Live diff of one name typed as an app types it (walked through the search list) against the same
# name fully qualified, on real DNS servers on loopback. Markdown on stdout, progress on stderr.
#
#   bash benches/live_diff.sh                 # SERVICES=200, RUNS=30
#   RUNS=100 bash benches/live_diff.sh
#
# The cluster is benches/gen_snapshot.py's, served as in benches/live_audit.sh: Knot as kube-dns,
# dnsmasq as the sidecar's DNS proxy, benches/fake_api.py as the API server and istiod. meshdig is
# pointed at them with --kube-dns, --sidecar and --control-plane; everything binds 127.0.0.1.
# hyperfine times the whole process of `meshdig diff NAME -o json` for the service's short name (four
# candidates, each asked of both layers), its name.namespace form, and its FQDN with a trailing dot,
# each at the default --qps (queries to one server spaced 10 ms apart) and with --qps 1000000
# (pacing out of the way), so that the table shows what the pacing costs a diff.
# Needs knot, dnsmasq, knot-dnsutils (kdig), hyperfine and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
for need in "knotd knot" "dnsmasq dnsmasq-base" "kdig knot-dnsutils" "hyperfine hyperfine" "python3 python3"; do
  bench_need $need
done
bench_meshdig
services=${SERVICES:-200}
runs=${RUNS:-30}
pod=checkout-6f7d9c8b4-x2k4q

work=$(mktemp -d)
API_PID= KNOT_PID= DNSMASQ_PID=
cleanup() {
  set +e
  local pid
  for pid in $API_PID $KNOT_PID $DNSMASQ_PID; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

python3 benches/gen_snapshot.py --services "$services" -o "$work/snapshot.json" --live "$work/live" 2>"$work/gen.txt"
bench_serve_generated "$work"
fqdn=$(grep -m1 '^[a-z0-9-]*\.ns-0000\.svc\.cluster\.local\.$' "$work/live/names.txt") \
  || bench_die "no Service of ns-0000 among the generated names"
short=${fqdn%%.*}
live="--from pod/$pod -n ns-0000 --kubeconfig $work/kubeconfig --kube-dns 127.0.0.1:$KNOT_PORT --sidecar 127.0.0.1:$DNSMASQ_PORT --control-plane http://127.0.0.1:$api -o json"
echo "fake API + istiod 127.0.0.1:$api, knotd 127.0.0.1:$KNOT_PORT, dnsmasq 127.0.0.1:$DNSMASQ_PORT; asking $short" >&2
bench_machine
# Exit codes 1 and 3 are verdicts, not failures.
commands=()
for name in "$short" "$short.ns-0000" "$fqdn"; do
  commands+=("$MESHDIG diff $name $live" "$MESHDIG diff $name $live --qps 1000000")
done
hyperfine --shell=none --warmup 3 --runs "$runs" --ignore-failure --export-markdown "$work/report.md" \
  "${commands[@]}" >&2
cat "$work/report.md"
