#!/usr/bin/env bash
# Offline scale: `meshdig audit -A --snapshot` on synthetic clusters of 1k, 10k and 50k Services
# (benches/gen_snapshot.py), wall time and peak memory (/usr/bin/time -v) at each size, and how the
# cost grows. Markdown on stdout, progress on stderr.
#
#   bash benches/audit.sh                       # SIZES="1000 10000 50000", RUNS=3, TIMEOUT=600
#   SIZES="250 500 1000 2000" RUNS=1 bash benches/audit.sh
#   MESHDIG=/path/to/meshdig WORKDIR=/tmp/audit-bench bash benches/audit.sh   # keep snapshots
#
# Per size, three measurements: *load only* (a namespace with no names: read and validate the
# snapshot, diff nothing), *one namespace* (the asking pod's, 50 Services: the cost of one name at
# this size) and the whole *audit -A*. A run still going after TIMEOUT seconds gets SIGINT (meshdig
# then prints the names diffed so far) and SIGKILL 5 s later; the table then gives the estimate
# load + names × cost per name. After a stopped size, larger sizes run -A once.
# Needs GNU time (apt-get install time) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
bench_need python3 python3
[ -x /usr/bin/time ] || bench_die "/usr/bin/time is missing: apt-get install time"
bench_meshdig
sizes=${SIZES:-1000 10000 50000}
runs=${RUNS:-3}
limit=${TIMEOUT:-600}
pod=pod/checkout-6f7d9c8b4-x2k4q

work=${WORKDIR:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${WORKDIR:-}" ] || trap 'rm -rf "$work"' EXIT
results="$work/results.tsv"
: >"$results"
: >"$work/sizes.txt"

# measure LABEL SIZE FILE ARGS...: one timed run; appends a line to results.tsv.
measure() {
  local label=$1 size=$2 file=$3; shift 3
  local out="$work/$label-$size.json" tv="$work/$label-$size.time" rc=0
  /usr/bin/time -v -o "$tv" timeout --foreground -s INT -k 5 "$limit" "$MESHDIG" audit "$@" --snapshot "$file" -o json \
    >"$out" 2>"$work/stderr" || rc=$?
  python3 - "$label" "$size" "$out" "$tv" "$rc" >>"$results" <<'PY'
import json, re, sys
label, size, out, tv, rc = sys.argv[1:]
text = open(tv).read()
clock = re.search(r"Elapsed \(wall clock\) time.*: (.+)", text).group(1).strip()
parts = [float(p) for p in clock.split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
try:
    report = json.load(open(out))
    totals, interrupted = report["totals"], report.get("interrupted", False)
except Exception:
    totals, interrupted = {}, True
print("\t".join(map(str, [label, size, f"{wall:.3f}", rss_kb, rc, int(interrupted),
                          totals.get("names", 0), totals.get("not_recorded", 0),
                          totals.get("discrepancy", 0), totals.get("incomplete", 0)])))
PY
  tail -1 "$results" >&2
}

timed_out=0
for size in $sizes; do
  file="$work/snapshot-$size.json"
  if [ ! -s "$file" ] || [ ! -s "$work/gen-$size.txt" ]; then
    echo "generating $size Services ..." >&2
    python3 benches/gen_snapshot.py --services "$size" -o "$file" 2>"$work/gen-$size.txt"
  fi
  echo "$size $(cat "$work/gen-$size.txt") bytes=$(stat -c %s "$file")" >>"$work/sizes.txt"
  measure load "$size" "$file" --from "$pod" -n no-such-namespace
  measure one "$size" "$file" --from "$pod" -n ns-0000
  n=$runs
  [ "$timed_out" = 1 ] && n=1
  for _ in $(seq 1 "$n"); do
    measure audit "$size" "$file" -A --from "$pod" -n ns-0000
    if [ "$(tail -1 "$results" | cut -f6)" = 1 ]; then
      timed_out=1
      break
    fi
  done
done

echo "Machine: $(bench_machine); $("$MESHDIG" --version)."
echo "Command per size: \`meshdig audit -A --from $pod -n ns-0000 --snapshot snapshot-N.json -o json\` under \`/usr/bin/time -v timeout --foreground -s INT -k 5 $limit\`, $runs run(s) (one after a smaller size was stopped). *Load only*: \`-n no-such-namespace\` instead of \`-A\`. *One namespace*: \`-n ns-0000\` without \`-A\`; (its time − load) / its names is the cost of one name at that size."
echo
python3 - "$results" "$work/sizes.txt" "$limit" <<'PY'
import math, statistics, sys
from collections import defaultdict
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
limit = float(sys.argv[3])
meta = {}
for line in open(sys.argv[2]):
    size, *fields = line.split()
    meta[int(size)] = dict(f.split("=", 1) for f in fields)
runs = defaultdict(list)
for label, size, wall, rss, rc, interrupted, names, not_recorded, disc, inc in rows:
    runs[(label, int(size))].append(dict(wall=float(wall), rss=int(rss) / 1024, rc=int(rc),
        interrupted=interrupted == "1", names=int(names), not_recorded=int(not_recorded)))
sizes = sorted({s for _, s in runs})

def t(x):
    return f"{x:.2f} s" if x < 100 else f"{x:,.0f} s"

def per_name(s):
    load, one = runs[("load", s)][0], runs[("one", s)][0]
    return max(0.0, one["wall"] - load["wall"]) / max(1, one["names"])

print("| Services | names | snapshot | load only: wall, peak RSS | one namespace: names, cost per name "
      "| audit -A: wall, median (min–max) | audit -A: peak RSS | names diffed |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
points = []
for s in sizes:
    m = meta.get(s, {})
    total = int(m.get("names", 0))
    load, one = runs[("load", s)][0], runs[("one", s)][0]
    audit = runs[("audit", s)]
    done = [r for r in audit if not r["interrupted"]]
    rss = max(r["rss"] for r in audit)
    if done:
        walls = [r["wall"] for r in done]
        med = statistics.median(walls)
        wall = f"{t(med)} ({min(walls):.2f}–{max(walls):.2f})"
        diffed = f"{done[0]['names']:,} (not recorded: {done[0]['not_recorded']})"
        rss_text = f"{rss:.0f} MB"
        points.append((s, med, rss))
    else:
        est = load["wall"] + total * per_name(s)
        wall = f"stopped after {limit:.0f} s; estimate {t(est)} (≈ {est / 3600:.1f} h)"
        diffed = "-"
        rss_text = f"≥ {max(rss, load['rss'], one['rss']):.0f} MB"
    print(f"| {s:,} | {total:,} | {int(m.get('bytes', 0)) / 1e6:.1f} MB "
          f"| {load['wall']:.2f} s, {load['rss']:.0f} MB | {one['names']}, {per_name(s) * 1e3:.2f} ms "
          f"| {wall} | {rss_text} | {diffed} |")
print()
for (s1, t1, m1), (s2, t2, m2) in zip(points, points[1:]):
    k = math.log(t2 / t1) / math.log(s2 / s1)
    km = math.log(m2 / m1) / math.log(s2 / s1)
    print(f"- audit -A, {s1:,} → {s2:,} Services (×{s2 / s1:g}): time ×{t2 / t1:.1f} (exponent {k:.2f}), "
          f"peak RSS ×{m2 / m1:.1f} (exponent {km:.2f}); linear growth is exponent 1.")
for s1, s2 in zip(sizes, sizes[1:]):
    p1, p2 = per_name(s1), per_name(s2)
    l1, l2 = runs[("load", s1)][0], runs[("load", s2)][0]
    if p1 > 0 and p2 > 0:
        print(f"- cost per name, {s1:,} → {s2:,} Services: ×{p2 / p1:.1f} "
              f"(exponent {math.log(p2 / p1) / math.log(s2 / s1):.2f}; linear growth needs 0); "
              f"load ×{l2['wall'] / max(l1['wall'], 1e-3):.1f}, its peak RSS ×{l2['rss'] / l1['rss']:.1f}.")
if 10000 in sizes:
    ten = [p for p in points if p[0] == 10000]
    if ten:
        _, tt, mm = ten[0]
        print(f"- 10k Services: {tt:.2f} s (target < 1 s: {'PASS' if tt < 1 else 'MISS'}), "
              f"{mm:.0f} MB peak (target < 200 MB: {'PASS' if mm < 200 else 'MISS'}).")
    else:
        m = max(r["rss"] for k in ("audit", "load", "one") for r in runs[(k, 10000)])
        print(f"- 10k Services: stopped after {limit:.0f} s (target < 1 s: MISS); peak RSS ≥ {m:.0f} MB "
              f"(target < 200 MB: {'PASS' if m < 200 else 'MISS'}).")
PY
