#!/bin/sh
# Runs one resolver program against dnsmasq inside private user, mount and network namespaces, so
# neither the machine's /etc/resolv.conf nor its network is touched:
#
#   unshare --map-root-user --mount --net sh sandbox.sh BIN_DIR DNSMASQ RUN_DIR PROGRAM NAME FAMILY
#
# BIN_DIR holds the compiled helpers (loopback_up, upstream, PROGRAM); DNSMASQ is dnsmasq's path.
# RUN_DIR holds resolv.conf, hosts and nsswitch.conf (bound over /etc for the program),
# dnsmasq.conf (which names its query log) and upstreams (lines "ADDRESS A-RCODE AAAA-RCODE", one
# stand-in upstream server each). PROGRAM's output goes to RUN_DIR/answer and its exit status
# becomes the script's.
set -eu
bin=$1 dnsmasq=$2 run=$3 program=$4 name=$5 family=$6

"$bin/loopback_up"
for file in resolv.conf hosts nsswitch.conf; do
  mount --bind "$run/$file" "/etc/$file"
done
# A running nscd would answer from the machine's own configuration: hide its socket.
if [ -d /run/nscd ]; then mount --bind "$run" /run/nscd; fi

# Each server is ready when its command returns: upstream prints its pid, dnsmasq writes a pid
# file. Without --user and --group dnsmasq would switch to nobody, whom the namespace does not map.
servers=
while read -r address a_rcode aaaa_rcode; do
  servers="$servers $("$bin/upstream" "$address" "$a_rcode" "$aaaa_rcode")"
done <"$run/upstreams"
"$dnsmasq" --conf-file="$run/dnsmasq.conf" --user= --group= --pid-file="$run/dnsmasq.pid"
dnsmasq_pid=$(cat "$run/dnsmasq.pid")

status=0
"$bin/$program" "$name" "$family" >"$run/answer" || status=$?

kill "$dnsmasq_pid" $servers
# dnsmasq writes its last log lines as it exits.
while kill -0 "$dnsmasq_pid" 2>/dev/null; do sleep 0.01; done
exit "$status"
