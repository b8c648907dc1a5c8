# Helpers shared by the benchmark scripts (sourced, not run). Every server binds 127.0.0.1 only.
#
#   MESHDIG=/path/to/meshdig   use this binary instead of building target/release/meshdig

bench_die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# bench_need PROGRAM PACKAGE: fails with the install command when PROGRAM is missing.
bench_need() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] ||
    bench_die "$1 is missing: apt-get install $2"
}

# Sets MESHDIG to the release binary, building it unless MESHDIG is already set.
bench_meshdig() {
  if [ -n "${MESHDIG:-}" ]; then
    [ -x "$MESHDIG" ] || bench_die "MESHDIG=$MESHDIG is not an executable"
    return
  fi
  cargo build --release --locked --quiet
  MESHDIG="$(pwd)/${CARGO_TARGET_DIR:-target}/release/meshdig"
}

# A port free on 127.0.0.1 for both TCP and UDP right now (a server started on it retries on a race).
bench_free_port() {
  python3 - <<'EOF'
import socket
for _ in range(100):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
EOF
}

# bench_wait_dns PORT NAME TYPE: waits up to 10 s until 127.0.0.1:PORT answers NAME/TYPE over UDP and TCP.
bench_wait_dns() {
  local port=$1 name=$2 type=$3 i
  for i in $(seq 1 200); do
    if kdig +time=1 +retry=0 @127.0.0.1 -p "$port" "$name" "$type" 2>/dev/null | grep -q 'status: NOERROR' &&
      kdig +tcp +time=1 +retry=0 @127.0.0.1 -p "$port" "$name" "$type" 2>/dev/null | grep -q 'status: NOERROR'; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# bench_start_knot DIR ZONE_ORIGIN:ZONE_FILE...: starts knotd on a free 127.0.0.1 port serving the
# zones (the first one must answer SOA), with the harness's settings (tests/cli/harness/dns_servers.rs).
# Sets KNOT_PORT and KNOT_PID.
bench_start_knot() {
  local dir=$1; shift
  local attempt zones="zone:" spec origin file
  mkdir -p "$dir/run" "$dir/db"
  for spec in "$@"; do
    origin=${spec%%:*}; file=${spec#*:}
    cp "$file" "$dir/$origin.zone"
    zones+=$'\n'"  - domain: $origin"$'\n'"    file: $origin.zone"
  done
  origin=${1%%:*}
  for attempt in 1 2 3 4 5; do
    KNOT_PORT=$(bench_free_port)
    cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir/run"
    listen: 127.0.0.1@$KNOT_PORT
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$dir/db"
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
$zones
EOF
    knotd -c "$dir/knot.conf" >"$dir/knotd.log" 2>&1 &
    KNOT_PID=$!
    if bench_wait_dns "$KNOT_PORT" "$origin." SOA; then
      return 0
    fi
    kill "$KNOT_PID" 2>/dev/null || true; wait "$KNOT_PID" 2>/dev/null || true
  done
  cat "$dir/knotd.log" >&2
  bench_die "knotd did not start"
}

# bench_start_dnsmasq DIR CONF_BODY_FILE PROBE_NAME: starts dnsmasq on a free 127.0.0.1 port with the
# harness's settings plus the lines in CONF_BODY_FILE (host-record=, server=, ...). Sets DNSMASQ_PORT
# and DNSMASQ_PID.
bench_start_dnsmasq() {
  local dir=$1 body=$2 probe=$3 attempt
  mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do
    DNSMASQ_PORT=$(bench_free_port)
    {
      printf 'port=%s\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nno-poll\n' "$DNSMASQ_PORT"
      printf 'pid-file=\nuser=\nlocal-ttl=30\ncache-size=0\ndns-forward-max=1000\n'
      cat "$body"
    } >"$dir/dnsmasq.conf"
    dnsmasq -k -C "$dir/dnsmasq.conf" >"$dir/dnsmasq.log" 2>&1 &
    DNSMASQ_PID=$!
    if bench_wait_dns "$DNSMASQ_PORT" "$probe" A; then
      return 0
    fi
    kill "$DNSMASQ_PID" 2>/dev/null || true; wait "$DNSMASQ_PID" 2>/dev/null || true
  done
  cat "$dir/dnsmasq.log" >&2
  bench_die "dnsmasq did not start"
}

# The machine, for the record.
bench_machine() {
  local cpu
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  echo "$(nproc) CPUs ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
}

# bench_udp_watch FILE: until killed (TERM), writes "EPOCH_SECONDS IN_DATAGRAMS RCVBUF_ERRORS" to FILE
# once at start and then each time the UDP counters of this network namespace (/proc/net/snmp)
# change, polling every 2 ms. Run it in the background around a run whose only UDP traffic is the
# one measured: the second line is then the first datagram (within 2 ms) and the last line the last.
bench_udp_watch() {
  exec python3 - "$1" <<'PY'
import signal, sys, time
out = open(sys.argv[1], "w", encoding="utf-8")
def stop(*_):
    out.close()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
def counters():
    with open("/proc/net/snmp", encoding="ascii") as f:
        head, values = [line.split() for line in f if line.startswith("Udp:")][:2]
    return values[head.index("InDatagrams")], values[head.index("RcvbufErrors")]
last = None
while True:
    now = counters()
    if now != last:
        out.write(f"{time.time():.6f} {now[0]} {now[1]}\n")
        last = now
    time.sleep(0.002)
PY
}

# bench_kubeconfig FILE PORT: a kubeconfig for the fake API server on 127.0.0.1:PORT, namespace ns-0000.
bench_kubeconfig() {
  cat >"$1" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: http://127.0.0.1:$2
contexts:
- name: bench
  context: {cluster: bench, user: bench, namespace: ns-0000}
current-context: bench
users:
- name: bench
  user: {}
KUBECONFIG
}

# bench_serve_generated WORK: serves the cluster benches/gen_snapshot.py wrote into WORK
# (snapshot.json, live/): benches/fake_api.py as API server and istiod, Knot as kube-dns, dnsmasq as
# the sidecar's DNS proxy, and WORK/kubeconfig for the API. Sets API_PID, api (its port), KNOT_PORT,
# DNSMASQ_PORT and the servers' PIDs for the caller's cleanup.
bench_serve_generated() {
  local work=$1 probe
  python3 benches/fake_api.py "$work/snapshot.json" --port-file "$work/api.port" --log "$work/api.log" &
  API_PID=$!
  for _ in $(seq 1 200); do [ -s "$work/api.port" ] && break; sleep 0.05; done
  [ -s "$work/api.port" ] || bench_die "the fake API server did not start"
  api=$(cat "$work/api.port")
  bench_start_knot "$work/knot" "cluster.local:$work/live/cluster.local.zone" \
    "partner.example.com:$work/live/partner.example.com.zone" "corp.internal:$work/live/corp.internal.zone"
  { cat "$work/live/dnsmasq.hosts.conf"; echo "server=127.0.0.1#$KNOT_PORT"; } >"$work/dnsmasq.part"
  probe=$(head -1 "$work/live/names.txt")
  bench_start_dnsmasq "$work/dnsmasq" "$work/dnsmasq.part" "$probe"
  bench_kubeconfig "$work/kubeconfig" "$api"
}
