//! The Istio agent's DNS proxy (istio-agent, `pkg/dns/client/dns.go`): how it answers one question
//! from the name table istiod pushed to it, or forwards it upstream.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use hickory_proto::rr::RecordType;

use super::table::{KUBERNETES_REGISTRY, MESH_TTL};
use crate::model::{Answer, Record, canonical_name};
use crate::name_table::{NameInfo, NameTable};

/// How a question matched the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The question is the host or one of its aliases (`name.`, `name.ns.`, `name.ns.svc.`, FQDN).
    Exact,
    /// The question is an alias (or wildcard host) plus the first search domain: answered with a
    /// CNAME to the alias.
    SearchCname { alias: String },
    /// The question matched a wildcard ServiceEntry host.
    Wildcard { pattern: String },
}

/// An answer the agent synthesizes from its table.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalAnswer {
    pub answer: Answer,
    /// The table key the question resolved to.
    pub host: String,
    pub matched: Match,
}

/// The agent's lookup structure for one proxy, built as istio-agent's `UpdateLookupTable` builds
/// it (istio/istio `pkg/dns/client/dns.go`: `BuildAlternateHosts`, `generateAltHosts`,
/// `buildDNSAnswers`).
pub struct AgentTable {
    table: Arc<NameTable>,
    /// Every alias of every host (the agent's `name4`/`name6` keys) and the table key whose
    /// addresses it answers with.
    aliases: HashMap<String, String>,
    /// Every alias plus the first search domain that is not itself an alias of the same host (the
    /// agent's `cname` table), and the alias it is a CNAME to.
    cnames: HashMap<String, String>,
}

impl AgentTable {
    /// Indexes `table` as the agent of a pod in `namespace` with first search domain `search_domain`.
    pub fn new(
        table: Arc<NameTable>,
        namespace: &str,
        domain: &str,
        search_domain: Option<&str>,
    ) -> Self {
        let proxy_domain = format!("svc.{}", domain.trim_end_matches('.'));
        let search = search_domain.map(|s| s.trim_end_matches('.').to_ascii_lowercase());
        let mut aliases = HashMap::new();
        let mut cnames = HashMap::new();
        for (host, info) in table.iter() {
            // The agent skips entries without a parseable address (`BuildAlternateHosts`).
            if !info.ips.iter().any(|ip| ip.parse::<IpAddr>().is_ok()) {
                continue;
            }
            let alt_hosts = alt_hosts(host, info, namespace, &proxy_domain);
            for alias in &alt_hosts {
                aliases.entry(alias.clone()).or_insert_with(|| host.clone());
                let Some(search) = &search else { continue };
                let expanded = format!("{alias}{search}.");
                if !alt_hosts.contains(&expanded) {
                    cnames.entry(expanded).or_insert_with(|| alias.clone());
                }
            }
        }
        Self {
            table,
            aliases,
            cnames,
        }
    }

    /// The agent's local answer to `fqdn`, or `None` when it forwards the query upstream unchanged
    /// (`ServeDNS` and `lookupHost`).
    pub fn lookup(&self, fqdn: &str, rtype: RecordType) -> Option<LocalAnswer> {
        if !matches!(rtype, RecordType::A | RecordType::AAAA) {
            return None;
        }
        let question = canonical_name(fqdn);
        let (known, pattern) = if self.knows(&question) {
            (question.clone(), None)
        } else {
            let pattern = self.wildcard(&question)?;
            (pattern.clone(), Some(pattern))
        };
        // The CNAME table is looked up first: an expanded name answers through its alias.
        let cname = self.cnames.get(&known);
        let target = cname.unwrap_or(&known);
        let host = self.aliases.get(target)?;
        // A wildcard's addresses are owned by the question, unless a CNAME led to the pattern.
        let owner = match (&pattern, cname) {
            (Some(_), None) => &question,
            _ => target,
        };
        let mut records = self.addresses(host, owner, rtype);
        if let (Some(alias), false) = (cname, records.is_empty()) {
            records.insert(0, Record::new(&question, "CNAME", MESH_TTL, alias.clone()));
        }
        let matched = match (cname, pattern) {
            (Some(alias), _) => Match::SearchCname {
                alias: alias.clone(),
            },
            (None, Some(pattern)) => Match::Wildcard { pattern },
            (None, None) => Match::Exact,
        };
        Some(LocalAnswer {
            answer: Answer::records(records, true),
            host: host.clone(),
            matched,
        })
    }

    /// True when `name` is one of the agent's `allHosts`: an alias or an expanded name.
    fn knows(&self, name: &str) -> bool {
        self.aliases.contains_key(name) || self.cnames.contains_key(name)
    }

    /// The most specific wildcard host (`*.` and the question without its first label or more)
    /// the agent knows, as `lookupHost` tries them.
    fn wildcard(&self, fqdn: &str) -> Option<String> {
        let labels: Vec<&str> = fqdn.trim_end_matches('.').split('.').collect();
        (1..labels.len()).find_map(|i| {
            let pattern = format!("*.{}.", labels[i..].join("."));
            self.knows(&pattern).then_some(pattern)
        })
    }

    /// The A or AAAA records of table entry `host`, owned by `owner`, in table order.
    fn addresses(&self, host: &str, owner: &str, rtype: RecordType) -> Vec<Record> {
        let type_name = rtype.to_string();
        self.table[host]
            .ips
            .iter()
            .filter_map(|ip| ip.parse::<IpAddr>().ok())
            .filter(|ip| {
                matches!(
                    (rtype, ip),
                    (RecordType::A, IpAddr::V4(_)) | (RecordType::AAAA, IpAddr::V6(_))
                )
            })
            .map(|ip| Record::new(owner, &type_name, MESH_TTL, ip.to_string()))
            .collect()
    }
}

/// The names the agent answers for table entry `host` (`generateAltHosts`), lower-cased with a
/// trailing dot: the host itself; for a Kubernetes service of the proxy's domain also
/// `short.ns.`, `short.ns.svc.`, `short.` in the proxy's own namespace, and the entry's `altHosts`.
fn alt_hosts(host: &str, info: &NameInfo, namespace: &str, proxy_domain: &str) -> Vec<String> {
    let mut out = vec![canonical_name(host)];
    let kubernetes = info.registry == KUBERNETES_REGISTRY;
    if !kubernetes || !host.trim_end_matches('.').ends_with(proxy_domain) {
        return out;
    }
    let short = info.shortname.to_ascii_lowercase();
    let ns = info.namespace.to_ascii_lowercase();
    out.push(format!("{short}.{ns}."));
    if info.namespace == namespace {
        out.push(format!("{short}."));
    }
    out.push(format!("{short}.{ns}.svc."));
    out.extend(info.alt_hosts.iter().map(|alt| canonical_name(alt)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> NameTable {
        serde_json::from_value(serde_json::json!({
            "reviews.bookinfo.svc.cluster.local": {"ips":["10.96.1.1"],"registry":"Kubernetes","shortname":"reviews","namespace":"bookinfo"},
            "kubernetes.default.svc.cluster.local": {"ips":["10.96.0.1"],"registry":"Kubernetes","shortname":"kubernetes","namespace":"default"},
            "api.example.com": {"ips":["240.240.0.1"],"registry":"External"},
            "*.wild.example.com": {"ips":["240.240.0.2"],"registry":"External"}
        }))
        .unwrap()
    }

    fn brief(name: &str, rtype: RecordType) -> String {
        let table = table();
        let agent = AgentTable::new(
            Arc::new(table),
            "bookinfo",
            "cluster.local",
            Some("bookinfo.svc.cluster.local"),
        );
        agent
            .lookup(name, rtype)
            .map(|l| l.answer.brief())
            .unwrap_or_else(|| "forward".into())
    }

    #[test]
    fn answers_aliases_cname_shortcut_and_wildcards() {
        assert_eq!(brief("reviews.", RecordType::A), "10.96.1.1");
        assert_eq!(brief("reviews.bookinfo.", RecordType::A), "10.96.1.1");
        assert_eq!(brief("reviews.bookinfo.svc.", RecordType::A), "10.96.1.1");
        assert_eq!(brief("kubernetes.", RecordType::A), "forward");
        assert_eq!(
            brief(
                "kubernetes.default.bookinfo.svc.cluster.local.",
                RecordType::A
            ),
            "CNAME kubernetes.default., 10.96.0.1"
        );
        assert_eq!(brief("api.example.com.", RecordType::AAAA), "NODATA");
        assert_eq!(
            brief(
                "api.example.com.bookinfo.svc.cluster.local.",
                RecordType::AAAA
            ),
            "NODATA"
        );
        assert_eq!(brief("x.wild.example.com.", RecordType::A), "240.240.0.2");
        assert_eq!(brief("api.example.com.", RecordType::TXT), "forward");
        assert_eq!(brief("other.example.com.", RecordType::A), "forward");
    }
}
