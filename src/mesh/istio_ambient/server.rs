//! ztunnel's DNS proxy (istio/ztunnel `src/dns/server.rs`, `Store::lookup`): how it answers one
//! question of one client workload from what it knows, or forwards it upstream. Names are handled
//! as lower-case label lists; the answers are what goes on the wire (every name absolute).

use std::net::IpAddr;

use hickory_proto::rr::RecordType;

use super::state::{IpFamily, Visibility, ZService, ZWorkload, ZtunnelState};
use crate::model::{Answer, Rcode, Record};

/// The TTL of every answer ztunnel synthesizes (`DEFAULT_TTL_SECONDS`).
pub const ZTUNNEL_TTL: u32 = 30;

/// What ztunnel does with one question.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The client is not a workload ztunnel knows: SERVFAIL, whatever the question.
    UnknownClient,
    /// Not a name ztunnel answers: forwarded upstream unchanged through ztunnel's own resolv.conf.
    Forward,
    /// ztunnel's own answer.
    Local(LocalAnswer),
}

/// An answer ztunnel synthesizes.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalAnswer {
    pub answer: Answer,
    /// The hostname of the service it answers for, and that service's namespace.
    pub host: String,
    pub namespace: String,
    /// The search-stripped name the answer's CNAME points to (no trailing dot, as ztunnel builds
    /// it), when the question matched only once a search domain was stripped.
    pub stripped: Option<String>,
}

impl Reply {
    /// The answer the client gets from ztunnel itself (`None`: the query is forwarded).
    pub fn answer(&self) -> Option<Answer> {
        match self {
            Self::UnknownClient => Some(Answer::empty(Rcode::ServFail, false)),
            Self::Forward => None,
            Self::Local(local) => Some(local.answer.clone()),
        }
    }
}

/// ztunnel's DNS server for one client pod.
pub struct Ztunnel<'a> {
    state: &'a ZtunnelState,
    /// `<cluster domain>` and `svc.<cluster domain>` as labels.
    domain: Vec<String>,
    svc_domain: Vec<String>,
}

/// One name ztunnel tries for a question (`Alias`): the name, and the stripped name it came from.
struct Alias {
    name: Vec<String>,
    stripped: Option<Vec<String>>,
}

impl<'a> Ztunnel<'a> {
    /// The DNS server of the ztunnel holding `state`.
    pub fn new(state: &'a ZtunnelState) -> Self {
        let domain = labels(&state.config.cluster_domain);
        let svc_domain = [vec!["svc".to_string()], domain.clone()].concat();
        Self {
            state,
            domain,
            svc_domain,
        }
    }

    /// ztunnel's reply to `fqdn` and `rtype` asked by the pod `namespace/pod` (with service
    /// account `service_account`, empty when unknown).
    pub fn lookup(&self, client: (&str, &str, &str), fqdn: &str, rtype: RecordType) -> Reply {
        let (namespace, pod, service_account) = client;
        let Some(client) = self.state.client(namespace, pod, service_account) else {
            return Reply::UnknownClient;
        };
        if !matches!(rtype, RecordType::A | RecordType::AAAA) {
            return Reply::Forward;
        }
        let requested = labels(fqdn);
        let Some((service, search_name, alias)) = self.find_server(client, &requested) else {
            return Reply::Forward;
        };
        let addresses = if self.family_allowed(service, rtype) {
            self.addresses(client, service, rtype)
        } else {
            Vec::new()
        };
        let mut records = Vec::new();
        let mut owner = join(&requested);
        let wildcard = search_name.first().is_some_and(|l| l == "*");
        let stripped = alias
            .stripped
            .filter(|_| !wildcard && !addresses.is_empty());
        if let Some(stripped) = &stripped {
            records.push(Record::new(&owner, "CNAME", ZTUNNEL_TTL, join(stripped)));
            owner = join(stripped);
        }
        let type_name = rtype.to_string();
        records.extend(
            addresses
                .iter()
                .map(|ip| Record::new(&owner, &type_name, ZTUNNEL_TTL, ip.to_string())),
        );
        Reply::Local(LocalAnswer {
            answer: Answer::records(records, true),
            host: service.hostname.clone(),
            namespace: service.namespace.clone(),
            stripped: stripped.map(|s| s.join(".")),
        })
    }

    /// The service the first alias (and its wildcards) that names one resolves to (`find_server`).
    fn find_server(
        &self,
        client: &ZWorkload,
        requested: &[String],
    ) -> Option<(&'a ZService, Vec<String>, Alias)> {
        for alias in self.aliases(client, requested) {
            for search_name in wildcards(&alias.name) {
                let host = search_name.join(".");
                let candidates = self
                    .state
                    .services_named(&host)
                    .filter(|s| !s.vips.is_empty() || self.under_svc_domain(&s.hostname))
                    .filter(|s| {
                        s.visibility == Visibility::Public || s.namespace == client.namespace
                    });
                let preferred = self.state.config.preferred_namespace.as_deref();
                if let Some(service) = best_match(candidates, &client.namespace, preferred) {
                    return Some((service, search_name, alias));
                }
            }
        }
        None
    }

    fn under_svc_domain(&self, hostname: &str) -> bool {
        hostname.ends_with(&format!(".{}", self.svc_domain.join(".")))
    }

    /// Every name ztunnel tries for `name` (`get_aliases`), first occurrences kept.
    fn aliases(&self, client: &ZWorkload, name: &[String]) -> Vec<Alias> {
        let namespaced = [
            vec![client.namespace.to_ascii_lowercase()],
            self.svc_domain.clone(),
        ]
        .concat();
        let mut out: Vec<Alias> = Vec::new();
        let mut add = |alias: Alias| {
            if !out.iter().any(|a| a.name == alias.name) {
                out.push(alias);
            }
        };
        add(Alias {
            name: name.to_vec(),
            stripped: None,
        });
        for fqdn in self.kube_fqdns(name, &namespaced) {
            add(Alias {
                name: fqdn,
                stripped: None,
            });
        }
        let search = [
            namespaced.clone(),
            self.svc_domain.clone(),
            self.domain.clone(),
        ];
        for domain in &search {
            let Some(stripped) = trim_domain(name, domain) else {
                continue;
            };
            for fqdn in
                std::iter::once(stripped.clone()).chain(self.kube_fqdns(&stripped, &namespaced))
            {
                add(Alias {
                    name: fqdn,
                    stripped: Some(stripped.clone()),
                });
            }
        }
        out
    }

    /// The Kubernetes FQDNs `name` may stand for (`to_kube_fqdns`).
    fn kube_fqdns(&self, name: &[String], namespaced: &[String]) -> Vec<Vec<String>> {
        let with = |suffix: &[String]| [name, suffix].concat();
        let ends_in_svc = name.len() > 1 && name.last().is_some_and(|l| l == "svc");
        match name.len() {
            1 => vec![with(namespaced)],
            2 => vec![with(&self.svc_domain), with(namespaced)],
            3 if ends_in_svc => vec![with(&self.domain), with(&self.svc_domain)],
            3 => vec![with(&self.svc_domain)],
            4 if ends_in_svc => vec![with(&self.domain)],
            _ => Vec::new(),
        }
    }

    /// Whether `service` serves `rtype` at all (`service_family_allowed`).
    fn family_allowed(&self, service: &ZService, rtype: RecordType) -> bool {
        if !self.state.config.ipv6_enabled && rtype == RecordType::AAAA {
            return false;
        }
        !matches!(
            (service.ip_families, rtype),
            (Some(IpFamily::IPv4), RecordType::AAAA) | (Some(IpFamily::IPv6), RecordType::A)
        )
    }

    /// The addresses of `rtype` ztunnel answers for `service` (`get_addresses`): the VIPs on the
    /// client's network, or for a service without VIP one address per endpoint.
    fn addresses(&self, client: &ZWorkload, service: &ZService, rtype: RecordType) -> Vec<IpAddr> {
        let enabled =
            |ip: &IpAddr| of_type(ip, rtype) && (ip.is_ipv4() || self.state.config.ipv6_enabled);
        if service.vips.is_empty() {
            return service
                .endpoints
                .iter()
                .filter_map(|ips| ips.iter().copied().find(|ip| enabled(ip)))
                .collect();
        }
        service
            .vips
            .iter()
            .filter(|(network, ip)| *network == client.network && enabled(ip))
            .map(|(_, ip)| *ip)
            .collect()
    }
}

/// The best service among those sharing a hostname (`ServiceMatch::find_best_match`): one in the
/// client's namespace, else a canonical one, else one in the preferred namespace, else the first.
fn best_match<'s>(
    services: impl Iterator<Item = &'s ZService>,
    client_namespace: &str,
    preferred: Option<&str>,
) -> Option<&'s ZService> {
    #[derive(PartialEq)]
    enum Rank {
        First,
        Preferred,
        Canonical,
    }
    let mut best: Option<(Rank, &ZService)> = None;
    for service in services {
        if service.namespace == client_namespace {
            return Some(service);
        }
        let rank = if service.canonical {
            Rank::Canonical
        } else if preferred == Some(service.namespace.as_str())
            && !matches!(best, Some((Rank::Canonical, _)))
        {
            Rank::Preferred
        } else if best.is_none() {
            Rank::First
        } else {
            continue;
        };
        best = Some((rank, service));
    }
    best.map(|(_, s)| s)
}

/// `name` and its wildcards of decreasing specificity (`get_wildcards`).
fn wildcards(name: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![name.to_vec()];
    for start in 0..name.len().saturating_sub(1) {
        out.push([vec!["*".to_string()], name[start + 1..].to_vec()].concat());
    }
    out
}

/// `name` without `domain`, when something is left (`trim_domain`).
fn trim_domain(name: &[String], domain: &[String]) -> Option<Vec<String>> {
    (name.len() > domain.len() && name.ends_with(domain))
        .then(|| name[..name.len() - domain.len()].to_vec())
}

fn of_type(ip: &IpAddr, rtype: RecordType) -> bool {
    match ip {
        IpAddr::V4(_) => rtype == RecordType::A,
        IpAddr::V6(_) => rtype == RecordType::AAAA,
    }
}

/// The lower-case labels of `name` (with or without trailing dot).
fn labels(name: &str) -> Vec<String> {
    name.trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The absolute name of `labels`, as it goes on the wire.
fn join(labels: &[String]) -> String {
    format!("{}.", labels.join("."))
}

#[cfg(test)]
mod tests {
    use super::super::state::ZConfig;
    use super::*;

    fn service(host: &str, namespace: &str, vip: &str) -> ZService {
        ZService {
            name: host.split('.').next().unwrap().to_string(),
            namespace: namespace.to_string(),
            hostname: host.to_string(),
            vips: vec![(String::new(), vip.parse().unwrap())],
            ..ZService::default()
        }
    }

    fn brief(fqdn: &str, rtype: RecordType) -> String {
        let state = ZtunnelState::new(
            vec![
                service(
                    "kubernetes.default.svc.cluster.local",
                    "default",
                    "10.96.0.1",
                ),
                service("api.example.com", "shop", "240.240.0.1"),
            ],
            vec![ZWorkload {
                name: "app".into(),
                namespace: "shop".into(),
                ..ZWorkload::default()
            }],
            ZConfig::defaults("cluster.local"),
        );
        match Ztunnel::new(&state).lookup(("shop", "app", ""), fqdn, rtype) {
            Reply::Local(local) => local.answer.brief(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn strips_search_domains_into_a_non_fqdn_cname() {
        assert_eq!(
            brief(
                "kubernetes.default.svc.shop.svc.cluster.local.",
                RecordType::A
            ),
            "CNAME kubernetes.default.svc., 10.96.0.1"
        );
        assert_eq!(
            brief("kubernetes.default.shop.svc.cluster.local.", RecordType::A),
            "CNAME kubernetes.default., 10.96.0.1"
        );
        assert_eq!(brief("kubernetes.default.", RecordType::A), "10.96.0.1");
        assert_eq!(brief("api.example.com.", RecordType::AAAA), "NODATA");
        assert_eq!(brief("api.example.com.", RecordType::TXT), "Forward");
        assert_eq!(brief("kubernetes.", RecordType::A), "Forward");
        let state = ZtunnelState::new(Vec::new(), Vec::new(), ZConfig::defaults("cluster.local"));
        let reply = Ztunnel::new(&state).lookup(("shop", "app", ""), "x.", RecordType::TXT);
        assert_eq!(reply, Reply::UnknownClient);
        assert_eq!(reply.answer().unwrap().rcode, Rcode::ServFail);
    }
}
