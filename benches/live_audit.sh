#!/usr/bin/env bash
# Live scale: `meshdig audit -A` against real DNS servers on loopback, beside dnsperf on the same
# servers. Markdown on stdout, progress on stderr.
#
#   bash benches/live_audit.sh                  # SERVICES=6700 (about 10k names), CONCURRENCY="16 128"
#   SERVICES=1000 CONCURRENCY=64 TIMEOUT=120 bash benches/live_audit.sh
#   MESHDIG=/path/to/meshdig bash benches/live_audit.sh
#
# The cluster is benches/gen_snapshot.py's: Knot serves what kube-dns answers (cluster.local, plus the
# upstream zones of the ServiceEntry hosts), dnsmasq stands in for the sidecar's DNS proxy (a host
# record per name of istiod's table as the sidecar answers it, everything else forwarded to Knot, as
# tests/cli/harness/dns_servers.rs configures it), and benches/fake_api.py serves the objects and
# istiod's /debug/ndsz. meshdig is pointed at them with --kube-dns, --sidecar and --control-plane,
# so no port-forward is involved, and given --qps 1000000: the benchmark measures how fast meshdig
# can ask, not the pacing that keeps it gentle on a production server (100 a second by default).
# Everything binds 127.0.0.1.
#
# Measured, for each --concurrency:
#   - `meshdig snapshot NAME... -t A`: the capture alone (API reads, every name asked of both layers,
#     the file written);
#   - `meshdig audit -A`: the whole live audit (two captures, then every name diffed), stopped after
#     TIMEOUT seconds (default 600);
# and dnsperf for DURATION seconds (default 10) against Knot, dnsmasq, and both at once.
# Each meshdig run is cut into three phases by this network namespace's UDP counters (/proc/net/snmp,
# polled every 2 ms; the only UDP traffic during a run is meshdig's questions and dnsmasq's forwards
# to Knot): before the first datagram (API reads and set-up), the query phase (first to last
# datagram), and after the last datagram (writing the file, or the audit's diff). meshdig's rate is
# its questions (2 per name, one per layer) over the query phase; the datagrams received are
# checked against the count a run without retries gives.
# Needs knot, dnsmasq, knot-dnsutils (kdig), dnsperf and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
for need in "knotd knot" "dnsmasq dnsmasq-base" "kdig knot-dnsutils" "dnsperf dnsperf" "python3 python3"; do
  bench_need $need
done
bench_meshdig
services=${SERVICES:-6700}
concurrency=${CONCURRENCY:-16 128}
limit=${TIMEOUT:-600}
duration=${DURATION:-10}
pod=checkout-6f7d9c8b4-x2k4q

work=${WORKDIR:-$(mktemp -d)}
mkdir -p "$work"
API_PID= KNOT_PID= DNSMASQ_PID= WATCH_PID=
cleanup() {
  set +e
  local pid
  for pid in $WATCH_PID $API_PID $KNOT_PID $DNSMASQ_PID; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  [ -n "${WORKDIR:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

echo "generating $services Services ..." >&2
python3 benches/gen_snapshot.py --services "$services" -o "$work/snapshot.json" --live "$work/live" 2>"$work/gen.txt"
names=$(wc -l <"$work/live/names.txt")
# dnsmasq forwards to Knot every name it holds no host record for: two more datagrams each.
forwarded=$(( names - $(cut -d= -f2 "$work/live/dnsmasq.hosts.conf" | cut -d, -f1 | sort -u | wc -l) ))
mapfile -t all_names <"$work/live/names.txt"   # one command line (about 45 bytes a name)

bench_serve_generated "$work"
echo "fake API + istiod 127.0.0.1:$api, knotd 127.0.0.1:$KNOT_PORT, dnsmasq 127.0.0.1:$DNSMASQ_PORT; $names names" >&2
live=(--from "pod/$pod" -n ns-0000 --kubeconfig "$work/kubeconfig" --kube-dns "127.0.0.1:$KNOT_PORT"
      --sidecar "127.0.0.1:$DNSMASQ_PORT" --control-plane "http://127.0.0.1:$api" --request-timeout 60s
      --qps 1000000)
results="$work/results.tsv"
: >"$results"

now() { date +%s.%N; }
last_ndsz() { grep ' /debug/ndsz' "$work/api.log" | tail -1 | cut -d' ' -f1; }

# dnsperf LABEL: one run per server, and one on both at once; "label server qps lost".
perf_one() {
  dnsperf -s 127.0.0.1 -p "$2" -d "$work/live/queries.txt" -l "$duration" >"$work/dnsperf-$1.txt" 2>&1 || true
}
qps() { awk '/Queries per second/ {print $4}' "$1"; }
lost() { awk '/Queries lost/ {print $3}' "$1"; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "dnsperf ..." >&2
perf_one knot "$KNOT_PORT"
perf_one dnsmasq "$DNSMASQ_PORT"
perf_one both-knot "$KNOT_PORT" &
p1=$!
perf_one both-dnsmasq "$DNSMASQ_PORT"
wait "$p1"
for label in knot dnsmasq both-knot both-dnsmasq; do
  printf 'dnsperf\t%s\t%s\t%s\n' "$label" "$(qps "$work/dnsperf-$label.txt")" "$(lost "$work/dnsperf-$label.txt")" >>"$results"
done

# watched CMD...: runs CMD with the UDP counters watched into $work/udp.txt; sets started, ended, rc.
watched() {
  rm -f "$work/udp.txt"
  bench_udp_watch "$work/udp.txt" &
  WATCH_PID=$!
  for _ in $(seq 1 100); do [ -s "$work/udp.txt" ] && break; sleep 0.01; done
  started=$(now)
  rc=0
  "$@" || rc=$?
  ended=$(now)
  sleep 0.05
  kill "$WATCH_PID" 2>/dev/null || true
  wait "$WATCH_PID" 2>/dev/null || true
  WATCH_PID=
}
# "first_datagram last_datagram datagrams rcvbuf_errors" of the last watched run (0 0 0 0 without traffic).
udp_phase() {
  awk 'NR == 1 {in0 = $2; err0 = $3} NR == 2 {first = $1} {last = $1; in1 = $2; err1 = $3}
       END {if (NR < 2) print "0 0 0 0"; else printf "%s %s %d %d\n", first, last, in1 - in0, err1 - err0}' "$work/udp.txt"
}

audit_timed_out=0
for c in $concurrency; do
  echo "meshdig snapshot, --concurrency $c ..." >&2
  watched "$MESHDIG" snapshot "${all_names[@]}" -t A "${live[@]}" --concurrency "$c" \
    -o "$work/captured-$c.json" 2>"$work/snapshot-$c.err"
  asked=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); a=d['answers']; print(len(a), sum(1 for x in a if 'error' in x))" "$work/captured-$c.json" 2>/dev/null || echo "0 0")
  printf 'snapshot\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$started" "$ended" "$rc" "$(udp_phase)" "$asked" "$(last_ndsz)" >>"$results"
  tail -1 "$results" >&2

  if [ "$audit_timed_out" = 1 ]; then
    printf 'audit\t%s\tskipped\n' "$c" >>"$results"
    continue
  fi
  echo "meshdig audit -A, --concurrency $c (stopped after $limit s) ..." >&2
  watched /usr/bin/time -f '%M' -o "$work/audit-$c.rss" timeout --foreground -s INT -k 5 "$limit" \
    "$MESHDIG" audit -A "${live[@]}" --concurrency "$c" -o json >"$work/audit-$c.json" 2>"$work/audit-$c.err"
  totals=$(python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['totals']; print(t['names'], t['not_recorded'], t['discrepancy'], t['incomplete'])" "$work/audit-$c.json" 2>/dev/null || echo "0 0 0 0")
  printf 'audit\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$started" "$ended" "$rc" "$(udp_phase)" "$(tail -1 "$work/audit-$c.rss")" "$totals" "$(last_ndsz)" >>"$results"
  tail -1 "$results" >&2
  case $rc in 124|137|130) audit_timed_out=1 ;; esac
done

echo "Machine: $(bench_machine), load average $load before the runs; $("$MESHDIG" --version); $(dnsperf -h 2>&1 | grep -m1 Version); $(knotd --version | head -1); $(dnsmasq --version | head -1 | cut -d' ' -f1-3)."
echo "Cluster: $services Services ($(cat "$work/gen.txt")); $names names, each asked as A of 2 layers (kube-dns = Knot, sidecar = dnsmasq): $((2 * names)) questions a run; dnsmasq forwards $forwarded of its names to Knot, so a run without retries receives $((4 * names + 2 * forwarded)) UDP datagrams."
echo "Commands: \`meshdig snapshot NAME... -t A --from pod/$pod -n ns-0000 --kubeconfig K --kube-dns 127.0.0.1:KNOT --sidecar 127.0.0.1:DNSMASQ --control-plane http://127.0.0.1:API --concurrency C -o F\` (all $names names on its command line); \`meshdig audit -A\` with the same live flags under \`timeout --foreground -s INT -k 5 $limit\`; \`dnsperf -s 127.0.0.1 -p PORT -d queries.txt -l $duration\` (the same $names questions, defaults otherwise: 1 client, 100 outstanding, no rate limit)."
echo
python3 - "$results" "$names" "$limit" "$forwarded" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
names, limit, forwarded = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
questions = 2 * names
perf = {r[1]: (float(r[2] or 0), r[3]) for r in rows if r[0] == "dnsperf"}
both = perf["both-knot"][0] + perf["both-dnsmasq"][0]
print("| dnsperf | queries/s | lost |")
print("|---|---:|---:|")
for label, text in [("knot", "Knot alone"), ("dnsmasq", "dnsmasq alone"),
                    ("both-knot", "Knot, while dnsmasq is also loaded"),
                    ("both-dnsmasq", "dnsmasq, while Knot is also loaded")]:
    q, lost = perf[label]
    print(f"| {text} | {q:,.0f} | {lost} |")
print(f"| **both servers at once (sum)** | **{both:,.0f}** | |")
# meshdig asks every name of both layers, so its questions are half Knot's and half dnsmasq's.
mix = 2 * min(perf["both-knot"][0], perf["both-dnsmasq"][0])
print(f"| a half-and-half mix at most (2 × the slower server, both loaded) | {mix:,.0f} | |")
print()


def phases(r):
    """(wall, before the first datagram, query phase, after the last datagram, "datagrams (drops)")."""
    start, end = float(r[2]), float(r[3])
    first, last, seen, drops = r[5].split()
    first, last = float(first), float(last)
    udp = f"{int(seen):,} ({drops})"
    if first == 0:
        return end - start, None, None, None, udp
    return end - start, first - start, last - first, end - last, udp


print("| `meshdig snapshot`, --concurrency | wall | before the questions | query phase | questions/s in the query phase | vs dnsperf, both servers | after the last answer | answers (errors) | UDP datagrams received (drops) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r[0] != "snapshot":
        continue
    wall, before, phase, after, drops = phases(r)
    answers, errors = r[6].split()
    if phase is None:
        print(f"| {r[1]} | {wall:.2f} s | no DNS traffic (exit {r[4]}) | | | | | {answers} ({errors}) | |")
        continue
    rate = questions / phase
    print(f"| {r[1]} | {wall:.2f} s | {before:.2f} s | {phase:.2f} s | {rate:,.0f} | {rate / both:.2f} "
          f"| {after:.2f} s | {answers} ({errors}) | {drops} |")
print()
print("| `meshdig audit -A`, --concurrency | wall | before the questions | query phase | questions/s in the query phase | vs dnsperf, both servers (target ≥ 0.5) | diff phase (after the last answer) | whole run: questions / wall | peak RSS | names diffed (discrepancy, incomplete) | UDP datagrams received (drops) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r[0] != "audit":
        continue
    if r[2] == "skipped":
        print(f"| {r[1]} | not run (an earlier run was stopped) | | | | | | | | | |")
        continue
    wall, before, phase, after, drops = phases(r)
    rss = int(r[6]) / 1024 if r[6].isdigit() else 0
    diffed, _, discrepancy, incomplete = r[7].split()
    stopped = r[4] in ("124", "137", "130") or diffed == "0"
    if phase is None:
        print(f"| {r[1]} | {wall:.2f} s | no DNS traffic (exit {r[4]}) | | | MISS | | | {rss:.0f} MB | {diffed} | |")
        continue
    rate = questions / phase
    verdict = "PASS" if rate / both >= 0.5 else "MISS"
    diff = f"> {after:.0f} s (stopped at {limit:.0f} s)" if stopped else f"{after:.2f} s"
    whole = "-" if stopped else f"{questions / wall:,.0f}"
    print(f"| {r[1]} | {wall:.2f} s | {before:.2f} s | {phase:.2f} s | {rate:,.0f} | {rate / both:.2f} {verdict} "
          f"| {diff} | {whole} | {rss:.0f} MB | {diffed} ({discrepancy}, {incomplete}) | {drops} |")
EOF
