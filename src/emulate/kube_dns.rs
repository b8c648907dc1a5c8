//! What kube-dns must answer, by the Kubernetes DNS-Based Service Discovery specification 1.1.0.
//!
//! Only names inside the cluster domain are predicted; anything else is forwarded upstream by CoreDNS
//! and no object in the cluster says what it should be.

use std::net::IpAddr;

use hickory_proto::rr::{Name, RecordType};
use k8s_openapi::api::core::v1::Service;

use crate::model::{Answer, Rcode, Record};
use crate::objects::{EndpointAddress, Objects, ns_name};

/// The version of the Kubernetes DNS specification emulated, served as `dns-version.<zone>. TXT`.
pub const SPEC_VERSION: &str = "1.1.0";

/// The kind of Service a name belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceShape {
    ClusterIp,
    Headless,
    ExternalName(String),
}

/// Which object a name resolves through, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The name lies outside the cluster domain: CoreDNS forwards it upstream.
    OutsideZone,
    /// A name in the zone that the spec does not define records for (apex, pod records, …).
    Unpredicted,
    /// `<svc>.<ns>.svc.<zone>` or one of its SRV names.
    Service {
        namespace: String,
        name: String,
        shape: ServiceShape,
    },
    /// `<hostname>.<svc>.<ns>.svc.<zone>`: one endpoint of a headless Service.
    PodHostname {
        namespace: String,
        service: String,
        hostname: String,
    },
    /// An empty non-terminal such as `<ns>.svc.<zone>`.
    Intermediate,
    /// No object defines the name.
    Missing,
}

/// The spec's answer and the object it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// `None` when the spec does not predict an answer (see [`Subject`]).
    pub answer: Option<Answer>,
    pub subject: Subject,
}

/// Predicts kube-dns's answer to `fqdn` (canonical, trailing dot) of type `rtype` in cluster domain `domain`.
pub fn predict(
    objects: &Objects,
    domain: &str,
    ttl: u32,
    fqdn: &str,
    rtype: RecordType,
) -> Prediction {
    if let Some(ip) = reverse_address(fqdn) {
        return predict_reverse(objects, domain, ttl, fqdn, ip, rtype);
    }
    let zone = format!("{}.", domain.trim_end_matches('.'));
    let Some(in_zone) = fqdn.strip_suffix(&zone) else {
        return Prediction {
            answer: None,
            subject: Subject::OutsideZone,
        };
    };
    if in_zone == "dns-version." {
        // The schema version record every conforming implementation serves.
        let records = if rtype == RecordType::TXT {
            vec![Record::new(fqdn, "TXT", ttl, format!("\"{SPEC_VERSION}\""))]
        } else {
            Vec::new()
        };
        return Prediction {
            answer: Some(Answer::records(records, true)),
            subject: Subject::Intermediate,
        };
    }
    let under_svc = match in_zone.strip_suffix("svc.") {
        Some(rest) if rest.is_empty() || rest.ends_with('.') => rest.trim_end_matches('.'),
        // The apex (SOA, NS) and pod records depend on settings the spec leaves open.
        _ if in_zone.is_empty() || in_zone == "pod." || in_zone.ends_with(".pod.") => {
            return Prediction {
                answer: None,
                subject: Subject::Unpredicted,
            };
        }
        // CoreDNS behaviour, not spec: a name under the zone that is neither `svc` nor `pod`
        // is an invalid request to the kubernetes plugin, answered NXDOMAIN (coredns
        // plugin/kubernetes `parseRequest` → `errInvalidRequest`, `IsNameError`).
        _ => {
            return Prediction {
                answer: Some(Answer::empty(Rcode::NxDomain, true)),
                subject: Subject::Missing,
            };
        }
    };
    let labels: Vec<&str> = if under_svc.is_empty() {
        Vec::new()
    } else {
        under_svc.split('.').collect()
    };
    let nodata = || Answer::empty(Rcode::NoError, true);
    let nxdomain = || Prediction {
        answer: Some(Answer::empty(Rcode::NxDomain, true)),
        subject: Subject::Missing,
    };
    match labels.as_slice() {
        [] => Prediction {
            answer: Some(nodata()),
            subject: Subject::Intermediate,
        },
        [namespace] => {
            if objects
                .services
                .iter()
                .any(|s| ns_name(&s.metadata).0 == *namespace)
            {
                Prediction {
                    answer: Some(nodata()),
                    subject: Subject::Intermediate,
                }
            } else {
                nxdomain()
            }
        }
        [name, namespace] => match objects.service(namespace, name) {
            Some(service) => service_answer(objects, service, fqdn, ttl, rtype),
            None => nxdomain(),
        },
        [hostname, name, namespace] => {
            let Some(service) = objects.service(namespace, name) else {
                return nxdomain();
            };
            let addresses: Vec<EndpointAddress> = published(objects, service)
                .into_iter()
                .filter(|e| e.hostname.as_deref() == Some(*hostname))
                .collect();
            if shape(service) != ServiceShape::Headless || addresses.is_empty() {
                return nxdomain();
            }
            Prediction {
                answer: Some(address_answer(
                    fqdn,
                    ttl,
                    rtype,
                    addresses.iter().map(|e| e.ip),
                )),
                subject: Subject::PodHostname {
                    namespace: namespace.to_string(),
                    service: name.to_string(),
                    hostname: hostname.to_string(),
                },
            }
        }
        [port, protocol, name, namespace] if port.starts_with('_') && protocol.starts_with('_') => {
            match objects.service(namespace, name) {
                Some(service) => srv_answer(
                    objects,
                    service,
                    fqdn,
                    ttl,
                    rtype,
                    &port[1..],
                    &protocol[1..],
                ),
                None => nxdomain(),
            }
        }
        _ => nxdomain(),
    }
}

/// The address a full-length `in-addr.arpa.`/`ip6.arpa.` name stands for.
pub fn reverse_address(fqdn: &str) -> Option<IpAddr> {
    let name = Name::from_ascii(fqdn).ok()?;
    let net = name.parse_arpa_name().ok()?;
    (net.prefix_len() == net.max_prefix_len()).then(|| net.addr())
}

/// PTR records for a ClusterIP (`<svc>.<ns>.svc.<zone>`) or a headless endpoint
/// (`<hostname>.<svc>.<ns>.svc.<zone>`); any other address falls through to the upstream resolver.
fn predict_reverse(
    objects: &Objects,
    domain: &str,
    ttl: u32,
    fqdn: &str,
    ip: IpAddr,
    rtype: RecordType,
) -> Prediction {
    let domain = domain.trim_end_matches('.');
    for service in &objects.services {
        let (namespace, name) = ns_name(&service.metadata);
        let service_fqdn = format!("{name}.{namespace}.svc.{domain}.");
        let targets: Vec<String> = match shape(service) {
            ServiceShape::ClusterIp if cluster_ips(service).contains(&ip) => vec![service_fqdn],
            ServiceShape::Headless => published(objects, service)
                .iter()
                .filter(|e| e.ip == ip)
                .map(|e| {
                    format!(
                        "{}.{service_fqdn}",
                        e.hostname.clone().unwrap_or_else(|| dashed(ip))
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        if targets.is_empty() {
            continue;
        }
        let records = if rtype == RecordType::PTR {
            targets
                .iter()
                .map(|t| Record::new(fqdn, "PTR", ttl, t.clone()))
                .collect()
        } else {
            Vec::new()
        };
        return Prediction {
            answer: Some(Answer::records(records, true)),
            subject: Subject::Service {
                namespace: namespace.to_string(),
                name: name.to_string(),
                shape: shape(service),
            },
        };
    }
    Prediction {
        answer: None,
        subject: Subject::OutsideZone,
    }
}

/// The shape of a Service: ClusterIP, headless or ExternalName.
pub fn shape(service: &Service) -> ServiceShape {
    let spec = service.spec.as_ref();
    if let Some(target) = spec
        .filter(|s| s.type_.as_deref() == Some("ExternalName"))
        .and_then(|s| s.external_name.clone())
    {
        return ServiceShape::ExternalName(target);
    }
    match spec.and_then(|s| s.cluster_ip.as_deref()) {
        Some("None") => ServiceShape::Headless,
        _ => ServiceShape::ClusterIp,
    }
}

/// The ClusterIPs of a Service (both families on dual-stack Services).
pub fn cluster_ips(service: &Service) -> Vec<IpAddr> {
    let Some(spec) = service.spec.as_ref() else {
        return Vec::new();
    };
    let ips = spec
        .cluster_ips
        .clone()
        .filter(|ips| !ips.is_empty())
        .or_else(|| spec.cluster_ip.clone().map(|ip| vec![ip]))
        .unwrap_or_default();
    ips.iter().filter_map(|ip| ip.parse().ok()).collect()
}

/// The endpoints DNS publishes for a Service: ready ones, or all with `publishNotReadyAddresses`.
pub fn published(objects: &Objects, service: &Service) -> Vec<EndpointAddress> {
    let (namespace, name) = ns_name(&service.metadata);
    let all = service
        .spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false);
    objects
        .endpoints(namespace, name)
        .into_iter()
        .filter(|e| all || e.ready)
        .collect()
}

fn service_answer(
    objects: &Objects,
    service: &Service,
    fqdn: &str,
    ttl: u32,
    rtype: RecordType,
) -> Prediction {
    let (namespace, name) = ns_name(&service.metadata);
    let shape = shape(service);
    let answer = match &shape {
        ServiceShape::ExternalName(target) => {
            let target = crate::model::canonical_name(target);
            Some(Answer::records(
                vec![Record::new(fqdn, "CNAME", ttl, target)],
                true,
            ))
        }
        ServiceShape::ClusterIp if matches!(rtype, RecordType::A | RecordType::AAAA) => Some(
            address_answer(fqdn, ttl, rtype, cluster_ips(service).into_iter()),
        ),
        ServiceShape::Headless if matches!(rtype, RecordType::A | RecordType::AAAA) => {
            let endpoints = published(objects, service);
            if endpoints.is_empty() {
                Some(Answer::empty(Rcode::NxDomain, true))
            } else {
                Some(address_answer(
                    fqdn,
                    ttl,
                    rtype,
                    endpoints.iter().map(|e| e.ip),
                ))
            }
        }
        // CoreDNS answers SRV on the bare service name with every port; the spec does not define it.
        _ if rtype == RecordType::SRV => None,
        _ => Some(Answer::empty(Rcode::NoError, true)),
    };
    Prediction {
        answer,
        subject: Subject::Service {
            namespace: namespace.to_string(),
            name: name.to_string(),
            shape,
        },
    }
}

fn srv_answer(
    objects: &Objects,
    service: &Service,
    fqdn: &str,
    ttl: u32,
    rtype: RecordType,
    port_name: &str,
    protocol: &str,
) -> Prediction {
    let (namespace, name) = ns_name(&service.metadata);
    let shape = shape(service);
    let subject = Subject::Service {
        namespace: namespace.to_string(),
        name: name.to_string(),
        shape: shape.clone(),
    };
    let port = service
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_ref())
        .and_then(|ports| {
            ports.iter().find(|p| {
                p.name.as_deref() == Some(port_name)
                    && p.protocol
                        .as_deref()
                        .unwrap_or("TCP")
                        .eq_ignore_ascii_case(protocol)
            })
        });
    let Some(port) = port else {
        return Prediction {
            answer: Some(Answer::empty(Rcode::NxDomain, true)),
            subject,
        };
    };
    if rtype != RecordType::SRV {
        return Prediction {
            answer: Some(Answer::empty(Rcode::NoError, true)),
            subject,
        };
    }
    let service_fqdn = format!(
        "{name}.{namespace}.{}",
        fqdn.splitn(5, '.').nth(4).unwrap_or("")
    );
    let targets: Vec<String> = match shape {
        ServiceShape::Headless => published(objects, service)
            .iter()
            .map(|e| {
                let host = e.hostname.clone().unwrap_or_else(|| dashed(e.ip));
                format!("{host}.{service_fqdn}")
            })
            .collect(),
        _ => vec![service_fqdn],
    };
    if targets.is_empty() {
        return Prediction {
            answer: Some(Answer::empty(Rcode::NxDomain, true)),
            subject,
        };
    }
    let weight = 100 / targets.len();
    let records = targets
        .iter()
        .map(|t| Record::new(fqdn, "SRV", ttl, format!("0 {weight} {} {t}", port.port)))
        .collect();
    Prediction {
        answer: Some(Answer::records(records, true)),
        subject,
    }
}

/// The label CoreDNS gives an endpoint without hostname: its address with `-` for separators.
fn dashed(ip: IpAddr) -> String {
    ip.to_string().replace(['.', ':'], "-")
}

/// An A or AAAA answer with the addresses of the asked family, NODATA when there are none.
fn address_answer(
    fqdn: &str,
    ttl: u32,
    rtype: RecordType,
    ips: impl Iterator<Item = IpAddr>,
) -> Answer {
    let mut seen = Vec::new();
    let records = ips
        .filter(|ip| {
            matches!(
                (rtype, ip),
                (RecordType::A, IpAddr::V4(_)) | (RecordType::AAAA, IpAddr::V6(_))
            )
        })
        .filter(|ip| {
            let fresh = !seen.contains(ip);
            seen.push(*ip);
            fresh
        })
        .map(|ip| Record::new(fqdn, &rtype.to_string(), ttl, ip.to_string()))
        .collect();
    Answer::records(records, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn objects() -> Objects {
        let services = [
            json!({"kind":"Service","metadata":{"name":"reviews","namespace":"bookinfo"},"spec":{"clusterIP":"10.96.1.1","clusterIPs":["10.96.1.1"],"ports":[{"name":"http","port":9080}]}}),
            json!({"kind":"Service","metadata":{"name":"db","namespace":"bookinfo"},"spec":{"clusterIP":"None","ports":[{"name":"tcp","port":5432}]}}),
            json!({"kind":"Service","metadata":{"name":"ext","namespace":"bookinfo"},"spec":{"type":"ExternalName","externalName":"db.example.com"}}),
        ];
        let slice = json!({"kind":"EndpointSlice","addressType":"IPv4","metadata":{"name":"db-1","namespace":"bookinfo","labels":{"kubernetes.io/service-name":"db"}},
            "endpoints":[{"addresses":["10.244.0.5"],"hostname":"db-0","conditions":{"ready":true}},{"addresses":["10.244.0.6"],"conditions":{"ready":false}}]});
        Objects {
            services: services
                .into_iter()
                .map(|s| serde_json::from_value(s).unwrap())
                .collect(),
            endpoint_slices: vec![serde_json::from_value(slice).unwrap()],
            ..Objects::default()
        }
    }

    fn brief(name: &str, rtype: RecordType) -> String {
        predict(&objects(), "cluster.local", 5, name, rtype)
            .answer
            .map(|a| a.brief())
            .unwrap_or_else(|| "-".into())
    }

    #[test]
    fn follows_the_spec_for_each_service_shape() {
        let cases = [
            (
                "reviews.bookinfo.svc.cluster.local.",
                RecordType::A,
                "10.96.1.1",
            ),
            (
                "reviews.bookinfo.svc.cluster.local.",
                RecordType::AAAA,
                "NODATA",
            ),
            (
                "db.bookinfo.svc.cluster.local.",
                RecordType::A,
                "10.244.0.5",
            ),
            (
                "db-0.db.bookinfo.svc.cluster.local.",
                RecordType::A,
                "10.244.0.5",
            ),
            (
                "ext.bookinfo.svc.cluster.local.",
                RecordType::A,
                "CNAME db.example.com.",
            ),
            (
                "nope.bookinfo.svc.cluster.local.",
                RecordType::A,
                "NXDOMAIN",
            ),
            ("bookinfo.svc.cluster.local.", RecordType::A, "NODATA"),
            ("example.com.", RecordType::A, "-"),
            (
                "_http._tcp.reviews.bookinfo.svc.cluster.local.",
                RecordType::SRV,
                "SRV 0 100 9080 reviews.bookinfo.svc.cluster.local.",
            ),
            (
                "_tcp._tcp.db.bookinfo.svc.cluster.local.",
                RecordType::SRV,
                "SRV 0 100 5432 db-0.db.bookinfo.svc.cluster.local.",
            ),
            ("34.12.96.10.in-addr.arpa.", RecordType::PTR, "-"),
            (
                "dns-version.cluster.local.",
                RecordType::TXT,
                "TXT \"1.1.0\"",
            ),
            ("dns-version.cluster.local.", RecordType::A, "NODATA"),
            (
                "reviews.bookinfo.svc.cluster.local.",
                RecordType::TXT,
                "NODATA",
            ),
            (
                "1.1.96.10.in-addr.arpa.",
                RecordType::PTR,
                "PTR reviews.bookinfo.svc.cluster.local.",
            ),
            (
                "5.0.244.10.in-addr.arpa.",
                RecordType::PTR,
                "PTR db-0.db.bookinfo.svc.cluster.local.",
            ),
        ];
        for (name, rtype, expected) in cases {
            assert_eq!(brief(name, rtype), expected, "{name} {rtype}");
        }
    }
}
