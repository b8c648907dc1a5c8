#!/usr/bin/env python3
"""A small loopback stand-in for the Kubernetes API server and istiod's debug endpoint, serving the
objects and the name table of a meshdig snapshot, for benches/live_audit.sh.

    python3 benches/fake_api.py SNAPSHOT.json --port-file PORTFILE [--log FILE]

It binds 127.0.0.1 on an ephemeral port, writes the port to PORTFILE, and serves what a live
`meshdig audit` reads when --kube-dns, --sidecar and --control-plane name the layers (so no
port-forward is needed):

  GET /api/v1/[namespaces/NS/]{services,pods,configmaps}[/NAME]   list (labelSelector a=b,c=d,
  GET /apis/discovery.k8s.io/v1/[namespaces/NS/]endpointslices      limit/continue) and get
  GET /apis/networking.istio.io/v1/[namespaces/NS/]{serviceentries,sidecars}
  GET /version, /api, /apis                                         minimal discovery
  GET /debug/ndsz?proxyID=POD.NS                                    istiod's name table for the proxy

Anything else is a 404 Status. No authentication, no watch, no port-forward. With --log, every
request is appended as "EPOCH_SECONDS PATH" (to time the phases of a run). Standard library only.
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# (group, plural) -> (kind, apiVersion)
RESOURCES = {
    ("", "services"): ("Service", "v1"),
    ("", "pods"): ("Pod", "v1"),
    ("", "configmaps"): ("ConfigMap", "v1"),
    ("discovery.k8s.io", "endpointslices"): ("EndpointSlice", "discovery.k8s.io/v1"),
    ("networking.istio.io", "serviceentries"): ("ServiceEntry", "networking.istio.io/v1"),
    ("networking.istio.io", "sidecars"): ("Sidecar", "networking.istio.io/v1"),
}
KINDS = {kind: key for key, (kind, _) in RESOURCES.items()}


def flatten(objects):
    for obj in objects:
        if obj.get("kind", "").endswith("List"):
            yield from flatten(obj.get("items", []))
        else:
            yield obj


class Store:
    def __init__(self, snapshot):
        self.by_resource = {key: [] for key in RESOURCES}
        for obj in flatten(snapshot.get("objects", [])):
            key = KINDS.get(obj.get("kind"))
            if key is not None:
                obj.setdefault("metadata", {}).setdefault("namespace", "default")
                self.by_resource[key].append(obj)
        for key in self.by_resource:
            self.by_resource[key].sort(key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))
        self.ndsz = {
            f"{p['pod']}.{p['namespace']}": p["ndsz"]
            for p in snapshot.get("proxies", [])
            if p.get("ndsz") is not None
        }


def matches(obj, selector):
    labels = obj.get("metadata", {}).get("labels") or {}
    for term in filter(None, (selector or "").split(",")):
        key, _, value = term.partition("=")
        if labels.get(key.strip()) != value.strip().lstrip("="):
            return False
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY each reply waits ~40 ms for the
    # client's delayed ACK.
    disable_nagle_algorithm = True
    store = None
    log_file = None
    log_lock = threading.Lock()

    def log_message(self, *args):  # quiet
        pass

    def send_json(self, code, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def status(self, code, reason, message):
        self.send_json(code, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                              "status": "Failure", "message": message, "reason": reason,
                              "code": code})

    def do_GET(self):
        url = urlsplit(self.path)
        if self.log_file:
            with self.log_lock, open(self.log_file, "a", encoding="utf-8") as f:
                f.write(f"{time.time():.6f} {url.path}\n")
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        if url.path == "/version":
            return self.send_json(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0"})
        if url.path == "/api":
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"]})
        if url.path == "/apis":
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if parts[:2] == ["debug", "ndsz"]:
            body = self.store.ndsz.get(query.get("proxyID", ""))
            if body is None:
                return self.status(404, "NotFound", "Proxy not connected to this Pilot instance")
            return self.send_json(200, body)
        if parts[:2] == ["api", "v1"]:
            group, rest = "", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, rest = parts[1], parts[3:]
        else:
            return self.status(404, "NotFound", "the server could not find the requested resource")
        namespace = None
        if rest[:1] == ["namespaces"] and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        if len(rest) not in (1, 2) or (group, rest[0]) not in RESOURCES:
            return self.status(404, "NotFound", "the server could not find the requested resource")
        kind, api_version = RESOURCES[(group, rest[0])]
        objects = self.store.by_resource[(group, rest[0])]
        if namespace is not None:
            objects = [o for o in objects if o["metadata"]["namespace"] == namespace]
        if len(rest) == 2:
            found = next((o for o in objects if o["metadata"]["name"] == rest[1]), None)
            if found is None:
                return self.status(404, "NotFound", f'{rest[0]} "{rest[1]}" not found')
            return self.send_json(200, found)
        objects = [o for o in objects if matches(o, query.get("labelSelector"))]
        start = int(query.get("continue") or 0)
        limit = int(query.get("limit") or 0) or len(objects)
        page = objects[start:start + limit]
        metadata = {"resourceVersion": "1000"}
        if start + limit < len(objects):
            metadata["continue"] = str(start + limit)
            metadata["remainingItemCount"] = len(objects) - start - limit
        self.send_json(200, {"kind": f"{kind}List", "apiVersion": api_version,
                             "metadata": metadata, "items": page})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot")
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log")
    args = parser.parse_args()
    with open(args.snapshot, encoding="utf-8") as f:
        Handler.store = Store(json.load(f))
    Handler.log_file = args.log
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    print(f"fake API and istiod on http://127.0.0.1:{server.server_address[1]}", file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
