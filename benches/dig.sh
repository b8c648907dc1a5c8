#!/usr/bin/env bash
# One query, whole process: `meshdig dig @IP:PORT NAME A` against `dig` and `kdig`, all three asking
# the same Knot server on a loopback ephemeral port, measured with hyperfine. Markdown on stdout.
#
#   bash benches/dig.sh               # RUNS=300 measured runs per command, 30 warm-up runs
#   RUNS=1000 bash benches/dig.sh
#   MESHDIG=/path/to/meshdig bash benches/dig.sh   # an existing binary instead of building one
#
# Needs hyperfine, knot (knotd), dnsutils (dig) and knot-dnsutils (kdig):
#   apt-get install hyperfine knot dnsutils knot-dnsutils
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
for need in "hyperfine hyperfine" "knotd knot" "dig dnsutils" "kdig knot-dnsutils" "python3 python3"; do
  bench_need $need
done
bench_meshdig
runs=${RUNS:-300}
warmup=${WARMUP:-30}

work=$(mktemp -d)
KNOT_PID=
cleanup() {
  set +e
  if [ -n "$KNOT_PID" ]; then
    kill "$KNOT_PID" 2>/dev/null
    wait "$KNOT_PID" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A small cluster.local zone as CoreDNS would serve it (TTL 5, as tests/cli/harness/zone.rs).
cat >"$work/cluster.local.zone" <<'EOF'
$ORIGIN cluster.local.
$TTL 5
@ IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 5
@ IN NS ns.dns.cluster.local.
ns.dns IN A 127.0.0.1
reviews.bookinfo.svc IN A 10.96.12.34
ratings.bookinfo.svc IN A 10.96.12.35
details.bookinfo.svc IN A 10.96.12.36
productpage.bookinfo.svc IN A 10.96.12.37
_http._tcp.reviews.bookinfo.svc IN SRV 0 100 9080 reviews.bookinfo.svc.cluster.local.
db.shop.svc IN A 10.244.1.5
db.shop.svc IN A 10.244.2.6
db.shop.svc IN A 10.244.3.7
db-0.db.shop.svc IN A 10.244.1.5
kubernetes.default.svc IN A 10.96.0.1
EOF
bench_start_knot "$work/knot" "cluster.local:$work/cluster.local.zone"
name=reviews.bookinfo.svc.cluster.local
echo "knotd (pid $KNOT_PID) serves cluster.local on 127.0.0.1:$KNOT_PORT" >&2

# Every tool must get the same answer before it is timed.
for out in "$("$MESHDIG" dig "@127.0.0.1:$KNOT_PORT" "$name" A)" \
           "$(dig "@127.0.0.1" -p "$KNOT_PORT" "$name" A)" \
           "$(kdig "@127.0.0.1" -p "$KNOT_PORT" "$name" A)"; do
  grep -q '10\.96\.12\.34' <<<"$out" || { echo "$out" >&2; bench_die "a tool did not get the answer"; }
done

cmd_meshdig="$MESHDIG dig @127.0.0.1:$KNOT_PORT $name A"
cmd_dig="dig @127.0.0.1 -p $KNOT_PORT $name A"
cmd_kdig="kdig @127.0.0.1 -p $KNOT_PORT $name A"
hyperfine --shell=none --warmup "$warmup" --runs "$runs" --export-json "$work/dig.json" \
  -n "meshdig dig" "$cmd_meshdig" -n dig "$cmd_dig" -n kdig "$cmd_kdig" >&2

echo "Machine: $(bench_machine); meshdig $("$MESHDIG" --version | awk '{print $2}'), $(dig -v 2>&1 | head -1), $(kdig --version | head -1)."
echo "Commands (port $KNOT_PORT of this run): \`$cmd_meshdig\`, \`$cmd_dig\`, \`$cmd_kdig\`; hyperfine --shell=none, $warmup warm-up runs, $runs runs each."
echo
python3 - "$work/dig.json" <<'EOF'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
ms = lambda s: s * 1000
print("| command | median [ms] | mean ± σ [ms] | min [ms] | p95 [ms] | max [ms] | user [ms] | system [ms] |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for r in results:
    times = sorted(r["times"])
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(f"| `{r['command']}` | {ms(r['median']):.2f} | {ms(r['mean']):.2f} ± {ms(r['stddev']):.2f} "
          f"| {ms(r['min']):.2f} | {ms(p95):.2f} | {ms(r['max']):.2f} | {ms(r['user']):.2f} | {ms(r['system']):.2f} |")
by = {r["command"]: r for r in results}
m, d = by["meshdig dig"]["median"], by["dig"]["median"]
verdict = "PASS" if m <= d else "MISS"
print()
print(f"meshdig dig / dig (medians): {m / d:.2f}; target: no slower than dig -> {verdict}")
EOF
