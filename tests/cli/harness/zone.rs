//! A CoreDNS-like `cluster.local` zone text built from Service and EndpointSlice objects, for an
//! authoritative server standing in for kube-dns (TTL 5, SOA minimum 5, as CoreDNS's defaults).

use std::net::IpAddr;

use serde_json::Value;

/// The zone header: SOA (minimum 5) and NS, `$TTL 5`.
pub const ZONE_HEADER: &str = "$ORIGIN cluster.local.\n$TTL 5\n\
@ IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 5\n\
@ IN NS ns.dns.cluster.local.\n\
ns.dns IN A 127.0.0.1\n";

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut node = value;
    for step in path {
        node = node.get(step)?;
    }
    node.as_str()
}

fn address_record(ip: &str) -> Option<(&'static str, IpAddr)> {
    let ip: IpAddr = ip.parse().ok()?;
    Some((if ip.is_ipv4() { "A" } else { "AAAA" }, ip))
}

/// CoreDNS's endpoint name: the endpoint's hostname, else its address with dashes.
fn endpoint_label(endpoint: &Value, ip: &str) -> String {
    match endpoint["hostname"].as_str() {
        Some(hostname) if !hostname.is_empty() => hostname.to_string(),
        _ => ip.replace(['.', ':'], "-"),
    }
}

fn push(lines: &mut Vec<String>, line: String) {
    if !lines.contains(&line) {
        lines.push(line);
    }
}

/// The zone text for `objects` (other kinds are ignored):
/// - ClusterIP Service: `<svc>.<ns>.svc` A/AAAA per `spec.clusterIPs`, and
///   `_<port>._<proto>.<svc>.<ns>.svc` SRV `0 100 <port> <svc>.<ns>.svc.cluster.local.` per named port;
/// - headless Service (`clusterIP: None`): A/AAAA per ready endpoint of its EndpointSlices
///   (`kubernetes.io/service-name` label), `<hostname-or-dashed-ip>.<svc>.<ns>.svc` per endpoint, and
///   SRV per named slice port and endpoint, weight `100 / endpoints`;
/// - ExternalName Service: CNAME to `spec.externalName`.
pub fn coredns_zone(objects: &[Value]) -> String {
    let mut lines = Vec::new();
    for service in objects.iter().filter(|o| o["kind"] == "Service") {
        let (Some(name), Some(ns)) = (
            str_at(service, &["metadata", "name"]),
            str_at(service, &["metadata", "namespace"]),
        ) else {
            continue;
        };
        let owner = format!("{name}.{ns}.svc");
        let spec = &service["spec"];
        if spec["type"] == "ExternalName" {
            if let Some(target) = spec["externalName"].as_str() {
                push(
                    &mut lines,
                    format!("{owner} IN CNAME {}.", target.trim_end_matches('.')),
                );
            }
            continue;
        }
        if spec["clusterIP"] == "None" {
            headless(&mut lines, objects, service, name, ns, &owner);
            continue;
        }
        let mut ips: Vec<&str> = spec["clusterIPs"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if ips.is_empty()
            && let Some(ip) = spec["clusterIP"].as_str()
        {
            ips.push(ip);
        }
        for ip in ips {
            if let Some((rtype, ip)) = address_record(ip) {
                push(&mut lines, format!("{owner} IN {rtype} {ip}"));
            }
        }
        for port in spec["ports"].as_array().into_iter().flatten() {
            let (Some(port_name), Some(number)) = (port["name"].as_str(), port["port"].as_u64())
            else {
                continue;
            };
            if port_name.is_empty() {
                continue;
            }
            let proto = port["protocol"].as_str().unwrap_or("TCP").to_lowercase();
            push(
                &mut lines,
                format!(
                    "_{port_name}._{proto}.{owner} IN SRV 0 100 {number} {owner}.cluster.local."
                ),
            );
        }
    }
    let mut zone = ZONE_HEADER.to_string();
    for line in lines {
        zone.push_str(&line);
        zone.push('\n');
    }
    zone
}

fn headless(
    lines: &mut Vec<String>,
    objects: &[Value],
    service: &Value,
    name: &str,
    ns: &str,
    owner: &str,
) {
    let publish_not_ready = service["spec"]["publishNotReadyAddresses"] == true;
    let slices = objects.iter().filter(|o| {
        o["kind"] == "EndpointSlice"
            && str_at(o, &["metadata", "namespace"]) == Some(ns)
            && str_at(o, &["metadata", "labels", "kubernetes.io/service-name"]) == Some(name)
    });
    let mut endpoints: Vec<(String, String)> = Vec::new(); // (label, ip)
    let mut ports: Vec<(String, String, u64)> = Vec::new(); // (name, proto, port)
    for slice in slices {
        for endpoint in slice["endpoints"].as_array().into_iter().flatten() {
            let ready = endpoint["conditions"]["ready"] != false;
            if !ready && !publish_not_ready {
                continue;
            }
            for ip in endpoint["addresses"].as_array().into_iter().flatten() {
                let Some(ip) = ip.as_str() else { continue };
                let entry = (endpoint_label(endpoint, ip), ip.to_string());
                if !endpoints.contains(&entry) {
                    endpoints.push(entry);
                }
            }
        }
        for port in slice["ports"].as_array().into_iter().flatten() {
            if let (Some(n), Some(p)) = (port["name"].as_str(), port["port"].as_u64())
                && !n.is_empty()
            {
                let proto = port["protocol"].as_str().unwrap_or("TCP").to_lowercase();
                let entry = (n.to_string(), proto, p);
                if !ports.contains(&entry) {
                    ports.push(entry);
                }
            }
        }
    }
    for (label, ip) in &endpoints {
        if let Some((rtype, ip)) = address_record(ip) {
            push(lines, format!("{owner} IN {rtype} {ip}"));
            push(lines, format!("{label}.{owner} IN {rtype} {ip}"));
        }
    }
    let weight = if endpoints.is_empty() {
        0
    } else {
        100 / endpoints.len()
    };
    for (port_name, proto, number) in &ports {
        for (label, _) in &endpoints {
            push(
                lines,
                format!(
                    "_{port_name}._{proto}.{owner} IN SRV 0 {weight} {number} {label}.{owner}.cluster.local."
                ),
            );
        }
    }
}
