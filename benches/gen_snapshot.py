#!/usr/bin/env python3
"""Writes a synthetic meshdig snapshot (schema_version 1) of N Services, for `meshdig audit` benchmarks.

    python3 benches/gen_snapshot.py --services 10000 -o /tmp/snap-10k.json
    meshdig audit -A --from pod/checkout-6f7d9c8b4-x2k4q -n ns-0000 --snapshot /tmp/snap-10k.json

What it holds (deterministic for a given --services and --seed):

- N Services in namespaces of 50 (ns-0000, ns-0001, ...): ~80% ClusterIP, ~15% headless, ~5% ExternalName;
- an EndpointSlice for every ClusterIP Service (2 ready endpoints, no hostname) and every headless
  Service (3 ready endpoints with hostnames <svc>-0..2), and one Pod per endpoint;
- ~N/20 ServiceEntries: half resolution DNS with an auto-allocated VIP in status.addresses
  (240.240.x.y), half resolution STATIC with spec.addresses (100.64.x.y);
- the CoreDNS ConfigMap (kubernetes ttl 30) and the asking pod ns-0000/checkout-6f7d9c8b4-x2k4q
  (--client-namespace to move it), with an
  istio-proxy that captures DNS, and its proxies[] entry holding istiod's name table for it;
- a kube-dns answer and a sidecar answer (from the asking pod) for every name `meshdig audit -A`
  enumerates, so that every name is diffed (`not_recorded` is 0).

Planted problems, so that the audit has work to report: 1% of ClusterIP Services answered with an
old ClusterIP by the sidecar (stale-sidecar), 0.5% of headless Services whose endpoints istiod's table
(and so the sidecar) still gives with old pod IPs (stale-control-plane), and 0.2% of names whose
kube-dns answer is recorded as a time-out (incomplete). Auto-allocated ServiceEntry VIPs are reported
as auto-allocated-vip warnings, as they are by design.

Python 3 standard library only.
"""

import argparse
import ipaddress
import json
import random
import sys

DOMAIN = "cluster.local"
CLIENT_NS = "ns-0000"  # --client-namespace
CLIENT_POD = "checkout-6f7d9c8b4-x2k4q"
CLIENT_IP = "10.245.0.10"
SERVICES_PER_NAMESPACE = 50
KUBE_TTL = 30
MESH_TTL = 30

COREFILE = (
    ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n"
    "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n"
    "       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n"
    "    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n"
    "    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n"
    "    loop\n    reload\n    loadbalance\n}\n"
)


class Pool:
    """Consecutive IPv4 addresses from a base address."""

    def __init__(self, base):
        self.next = int(ipaddress.IPv4Address(base))

    def take(self):
        ip = str(ipaddress.IPv4Address(self.next))
        self.next += 1
        return ip


def record(name, rtype, ttl, data):
    return {"name": name, "type": rtype, "ttl_s": ttl, "data": data}


def answered(source, fqdn, records, aa=True, rcode="NOERROR", rtt=0.3, from_pod=False):
    entry = {}
    if from_pod:
        entry["from"] = {"namespace": CLIENT_NS, "pod": CLIENT_POD}
    entry.update(
        {
            "source": source,
            "question": {"name": fqdn, "type": "A"},
            "rcode": rcode,
            "flags": {"aa": aa, "rd": True, "ra": True},
            "records": records,
            "rtt_ms": rtt,
            "transport": "udp",
        }
    )
    return entry


def failed(source, fqdn, why, from_pod=False):
    entry = {}
    if from_pod:
        entry["from"] = {"namespace": CLIENT_NS, "pod": CLIENT_POD}
    entry.update({"source": source, "question": {"name": fqdn, "type": "A"}, "error": why})
    return entry


def a_records(fqdn, ips, ttl):
    return [record(fqdn, "A", ttl, ip) for ip in ips]


def build(n_services, seed):
    rng = random.Random(seed)
    cluster_ips = Pool("10.96.0.10")
    pod_ips = Pool("10.244.0.2")
    old_cluster_ips = Pool("10.112.0.10")
    old_pod_ips = Pool("10.250.0.2")
    se_vips = Pool("240.240.0.1")
    se_static = Pool("100.64.0.1")
    se_upstream = Pool("198.18.0.1")

    services, slices, pods, entries = [], [], [], []
    table = {}
    # name -> (kube-dns answer entry, sidecar answer entry); filled in object order.
    answers = []
    # What kube-dns really answers (before planted time-outs): (fqdn, rcode, records), for --live.
    truth = []
    counts = {"clusterip": 0, "headless": 0, "externalname": 0, "serviceentries": 0,
              "stale_sidecar": 0, "stale_control_plane": 0, "kube_dns_timeouts": 0}

    def kube_dns_answer(fqdn, records, aa=True, rcode="NOERROR"):
        truth.append((fqdn, rcode, records))
        if rng.random() < 0.002:
            counts["kube_dns_timeouts"] += 1
            return failed("kube-dns", fqdn, "timed out after 5 s")
        return answered("kube-dns", fqdn, records, aa=aa, rcode=rcode, rtt=1.1)

    def sidecar_answer(fqdn, records, aa=True, rcode="NOERROR"):
        return answered("sidecar", fqdn, records, aa=aa, rcode=rcode, rtt=0.2, from_pod=True)

    def pod(name, ns, app, ip, hostname=None):
        spec = {"containers": [{"name": app, "image": f"registry.example/{app}:1.0"}]}
        if hostname:
            spec["hostname"] = hostname
            spec["subdomain"] = app
        return {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
            "spec": spec,
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
        }

    def endpoint_slice(ns, svc, endpoints):
        return {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{svc}-{rng.getrandbits(20):05x}", "namespace": ns,
                         "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        }

    for i in range(n_services):
        ns = f"ns-{i // SERVICES_PER_NAMESPACE:04d}"
        name = f"svc-{i:05d}"
        host = f"{name}.{ns}.svc.{DOMAIN}"
        fqdn = host + "."
        roll = rng.random()
        if roll < 0.80:
            counts["clusterip"] += 1
            ip = cluster_ips.take()
            services.append({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
                "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                         "ipFamilies": ["IPv4"], "selector": {"app": name},
                         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
            })
            endpoints = []
            for k in range(2):
                pip = pod_ips.take()
                pname = f"{name}-{rng.getrandbits(32):08x}-{k}"
                pods.append(pod(pname, ns, name, pip))
                endpoints.append({"addresses": [pip], "conditions": {"ready": True},
                                  "targetRef": {"kind": "Pod", "namespace": ns, "name": pname}})
            slices.append(endpoint_slice(ns, name, endpoints))
            table[host] = {"ips": [ip], "registry": "Kubernetes", "shortname": name, "namespace": ns}
            sidecar_ips = [ip]
            if rng.random() < 0.01:
                counts["stale_sidecar"] += 1
                sidecar_ips = [old_cluster_ips.take()]
            answers.append(kube_dns_answer(fqdn, a_records(fqdn, [ip], KUBE_TTL)))
            answers.append(sidecar_answer(fqdn, a_records(fqdn, sidecar_ips, MESH_TTL)))
        elif roll < 0.95:
            counts["headless"] += 1
            services.append({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
                "spec": {"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"],
                         "selector": {"app": name},
                         "ports": [{"name": "grpc", "port": 9090, "protocol": "TCP"}]},
            })
            stale = rng.random() < 0.005
            if stale:
                counts["stale_control_plane"] += 1
            endpoints, ips, table_ips = [], [], []
            per_pod = []
            for k in range(3):
                pip = pod_ips.take()
                hostname = f"{name}-{k}"
                pods.append(pod(hostname, ns, name, pip, hostname=hostname))
                endpoints.append({"addresses": [pip], "hostname": hostname,
                                  "conditions": {"ready": True},
                                  "targetRef": {"kind": "Pod", "namespace": ns, "name": hostname}})
                ips.append(pip)
                old = old_pod_ips.take() if stale else pip
                table_ips.append(old)
                per_pod.append((hostname, pip, old))
            slices.append(endpoint_slice(ns, name, endpoints))
            table[host] = {"ips": table_ips, "registry": "Kubernetes", "shortname": name,
                           "namespace": ns}
            answers.append(kube_dns_answer(fqdn, a_records(fqdn, ips, KUBE_TTL)))
            answers.append(sidecar_answer(fqdn, a_records(fqdn, table_ips, MESH_TTL)))
            for hostname, pip, old in per_pod:
                pod_host = f"{hostname}.{host}"
                table[pod_host] = {"ips": [old], "registry": "Kubernetes",
                                   "shortname": f"{hostname}.{name}", "namespace": ns}
                pod_fqdn = pod_host + "."
                answers.append(kube_dns_answer(pod_fqdn, a_records(pod_fqdn, [pip], KUBE_TTL)))
                answers.append(sidecar_answer(pod_fqdn, a_records(pod_fqdn, [old], MESH_TTL)))
        else:
            counts["externalname"] += 1
            target = f"ext-{i:05d}.example.com"
            services.append({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"type": "ExternalName", "externalName": target},
            })
            # Not in the name table: the agent forwards the question to kube-dns.
            cname = [record(fqdn, "CNAME", KUBE_TTL, target + ".")]
            answers.append(kube_dns_answer(fqdn, cname))
            answers.append(sidecar_answer(fqdn, cname))

    n_entries = max(1, n_services // 20)
    for j in range(n_entries):
        counts["serviceentries"] += 1
        ns = f"ns-{(j * 20) // SERVICES_PER_NAMESPACE:04d}"
        if j % 2 == 0:
            host = f"api-{j:05d}.partner.example.com"
            vip = se_vips.take()
            entries.append({
                "apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                "metadata": {"name": f"partner-{j:05d}", "namespace": ns},
                "spec": {"hosts": [host], "location": "MESH_EXTERNAL", "resolution": "DNS",
                         "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}]},
                "status": {"addresses": [{"value": vip, "host": host}]},
            })
            table[host] = {"ips": [vip], "registry": "External"}
            fqdn = host + "."
            upstream = se_upstream.take()
            answers.append(kube_dns_answer(fqdn, a_records(fqdn, [upstream], 300), aa=False))
            answers.append(sidecar_answer(fqdn, a_records(fqdn, [vip], MESH_TTL)))
        else:
            host = f"db-{j:05d}.corp.internal"
            address = se_static.take()
            entries.append({
                "apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                "metadata": {"name": f"corp-db-{j:05d}", "namespace": ns},
                "spec": {"hosts": [host], "addresses": [address], "location": "MESH_INTERNAL",
                         "resolution": "STATIC",
                         "ports": [{"number": 5432, "name": "tcp-pg", "protocol": "TCP"}],
                         "endpoints": [{"address": se_static.take()}]},
            })
            table[host] = {"ips": [address], "registry": "External"}
            fqdn = host + "."
            # Only the mesh knows the name; upstream DNS does not.
            answers.append(kube_dns_answer(fqdn, [], aa=False, rcode="NXDOMAIN"))
            answers.append(sidecar_answer(fqdn, a_records(fqdn, [address], MESH_TTL)))

    client = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": CLIENT_POD, "namespace": CLIENT_NS, "labels": {"app": "checkout"}},
        "spec": {
            "dnsPolicy": "ClusterFirst",
            "containers": [
                {"name": "checkout", "image": "registry.example/checkout:1.0"},
                {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.28.1",
                 "env": [{"name": "ISTIO_META_DNS_CAPTURE", "value": "true"}]},
            ],
        },
        "status": {"phase": "Running", "podIP": CLIENT_IP, "podIPs": [{"ip": CLIENT_IP}]},
    }
    coredns = {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": COREFILE},
    }
    objects = [coredns] + services + slices + entries + pods + [client]
    snapshot = {
        "schema_version": 1,
        "description": (
            f"synthetic benchmark cluster: {n_services} Services, {len(slices)} EndpointSlices, "
            f"{len(entries)} ServiceEntries, {len(pods) + 1} Pods (benches/gen_snapshot.py, "
            f"seed {seed})"
        ),
        "captured_at": "2026-11-24T00:00:00Z",
        "cluster": {"domain": DOMAIN, "name": "primary", "network": "net1"},
        "mesh": {"kind": "istio", "version": "1.28.1"},
        "objects": objects,
        "proxies": [{
            "namespace": CLIENT_NS, "pod": CLIENT_POD, "kind": "sidecar",
            "dns_capture": True, "name_table_received": True,
            "ndsz": {"resource": {
                "@type": "type.googleapis.com/istio.networking.nds.v1.NameTable",
                "table": table,
            }},
        }],
        "answers": answers,
    }
    counts.update({"endpointslices": len(slices), "pods": len(pods) + 1,
                   "names": len(answers) // 2, "answers": len(answers)})
    return snapshot, counts, truth


ZONE_HEADER = """$ORIGIN {origin}.
$TTL 30
@ IN SOA ns.{origin}. hostmaster.{origin}. 1700000000 7200 1800 86400 5
@ IN NS ns.{origin}.
ns IN A 127.0.0.1
"""
LIVE_ZONES = ("cluster.local", "partner.example.com", "corp.internal")


def write_live(directory, snapshot, truth):
    """Configuration for live servers that answer as the snapshot records: Knot zones (kube-dns), the
    dnsmasq lines of the sidecar's local names, and the query list."""
    import os

    os.makedirs(directory, exist_ok=True)
    zones = {origin: [ZONE_HEADER.format(origin=origin)] for origin in LIVE_ZONES}
    for fqdn, _rcode, records in truth:
        origin = next(o for o in LIVE_ZONES if fqdn.endswith("." + o + "."))
        for r in records:
            zones[origin].append(f"{r['name']} {r['ttl_s']} IN {r['type']} {r['data']}\n")
    for origin, lines in zones.items():
        with open(os.path.join(directory, f"{origin}.zone"), "w", encoding="utf-8") as f:
            f.writelines(lines)
    table = snapshot["proxies"][0]["ndsz"]["resource"]["table"]
    with open(os.path.join(directory, "dnsmasq.hosts.conf"), "w", encoding="utf-8") as f:
        for answer in snapshot["answers"]:
            name = answer["question"]["name"].rstrip(".")
            if answer["source"] == "sidecar" and name in table:
                for r in answer["records"]:
                    f.write(f"host-record={name},{r['data']}\n")
    with open(os.path.join(directory, "queries.txt"), "w", encoding="utf-8") as f:
        f.writelines(f"{fqdn} A\n" for fqdn, _, _ in truth)
    with open(os.path.join(directory, "names.txt"), "w", encoding="utf-8") as f:
        f.writelines(f"{fqdn}\n" for fqdn, _, _ in truth)


def main():
    global CLIENT_NS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", "-N", type=int, required=True, help="number of Services")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", required=True, help="the snapshot file to write ('-': stdout)")
    parser.add_argument("--client-namespace", default=CLIENT_NS,
                        help=f"the namespace of the asking pod (default {CLIENT_NS})")
    parser.add_argument("--live", metavar="DIR",
                        help="also write Knot zones, dnsmasq host records and the query list for a "
                             "live run (benches/live_audit.sh) into DIR")
    args = parser.parse_args()
    if args.services < 1:
        parser.error("--services must be at least 1")
    CLIENT_NS = args.client_namespace
    snapshot, counts, truth = build(args.services, args.seed)
    if args.live:
        write_live(args.live, snapshot, truth)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    with out:
        json.dump(snapshot, out, separators=(",", ":"))
        out.write("\n")
    print(" ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
