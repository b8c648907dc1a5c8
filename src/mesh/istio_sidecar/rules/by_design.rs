//! Differences the agent makes by design when it answers from its table: the search-domain CNAME,
//! names only the mesh knows, endpoints from other clusters, auto-allocated VIPs, NODATA where
//! upstream says NXDOMAIN, and its fixed TTL. Each rule applies only when the sidecar answered
//! exactly what its table implies.

use std::net::IpAddr;

use super::super::agent::{LocalAnswer, Match};
use super::super::codes;
use super::super::objects::IstioObjects;
use super::super::settings::IstioSettings;
use super::super::table::{self, Provenance};
use super::evidence::{join, pod_evidence, provenance_evidence, source_evidence, table_evidence};
use super::{RuleInput, RuleOutput};
use crate::finding::{Code, Severity};
use crate::model::{Answer, Evidence, Layer, Rcode, canonical_name};

/// What the agent's table answer says, shared by the rules below.
struct Local<'a> {
    sidecar: &'a Answer,
    kube: Option<&'a Answer>,
    kube_text: String,
    local: &'a LocalAnswer,
    /// The table entry's registry (`Kubernetes`, `External`).
    registry: String,
    /// Where the expected table's entry comes from.
    provenance: Vec<Provenance>,
    /// The table entry and the objects behind it.
    evidence: Vec<Evidence>,
    /// kube-dns says the name does not exist or has no record of the type.
    kube_negative: bool,
}

/// The table answer the sidecar gave, when it gave exactly that.
fn local<'a>(input: &'a RuleInput<'a>) -> Option<Local<'a>> {
    let derived = input.derived;
    let view = super::view(input)?;
    let (sidecar, local) = (input.answers.sidecar?, view.reference_local(derived)?);
    if !sidecar.same_as(&local.answer) {
        return None;
    }
    let host = local.host.as_str();
    let kube = input.answers.kube;
    let mut evidence = vec![table_evidence(derived, host)];
    evidence.extend(provenance_evidence(view, host));
    let expected_table = view.expected_table.as_ref();
    let registry = derived
        .observed_table()
        .and_then(|t| t.get(host))
        .or_else(|| expected_table.and_then(|t| t.table.get(host)))
        .map(|i| i.registry.clone())
        .unwrap_or_default();
    Some(Local {
        sidecar,
        kube,
        kube_text: kube.map_or("nothing".to_string(), Answer::brief),
        local,
        registry,
        provenance: expected_table
            .and_then(|t| t.provenance.get(host))
            .cloned()
            .unwrap_or_default(),
        evidence,
        kube_negative: kube.is_some_and(|k| k.rcode == Rcode::NxDomain || k.is_nodata()),
    })
}

/// The codes [`search_domain_cname`] may emit.
pub(super) const SEARCH_DOMAIN_CNAME: &[Code] = &[codes::SEARCH_DOMAIN_CNAME];

/// A candidate that is a known name plus the first search domain, answered with a CNAME.
pub(super) fn search_domain_cname(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(l) = local(input) else { return out };
    let Match::SearchCname { alias } = &l.local.matched else {
        return out;
    };
    let derived = input.derived;
    let search = derived.search_domain().unwrap_or_default();
    let mut evidence = l.evidence.clone();
    evidence.extend(pod_evidence(
        derived,
        "resolv.conf search[0]",
        search.to_string(),
    ));
    out.add(
        codes::SEARCH_DOMAIN_CNAME,
        Severity::Info,
        format!(
            "{} is {alias} plus the first search domain {search}: the agent answers CNAME {alias} with its addresses, so the app's resolver stops at this candidate; kube-dns answers {} here and the walk would go on",
            derived.input.question.fqdn, l.kube_text
        ),
        evidence,
    );
    out.explains_sidecar_vs_kube = true;
    out
}

/// The codes [`short_name`] may emit.
pub(super) const SHORT_NAME: &[Code] = &[codes::MESH_ONLY_NAME];

/// One of the agent's short names of a Kubernetes service (`name.`, `name.ns.`, `name.ns.svc.`),
/// which kube-dns does not serve.
pub(super) fn short_name(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(l) = local(input) else { return out };
    let host = l.local.host.as_str();
    let question = input.derived.input.question.fqdn.as_str();
    let short = l.local.matched == Match::Exact
        && l.registry == table::KUBERNETES_REGISTRY
        && !canonical_name(host).eq_ignore_ascii_case(question);
    if short && l.kube_negative {
        out.add(
            codes::MESH_ONLY_NAME,
            Severity::Info,
            format!(
                "{question} is one of the agent's short names for {host} (name., name.namespace., name.namespace.svc.); kube-dns does not serve it ({}), so only pods whose DNS the sidecar captures resolve it",
                l.kube_text
            ),
            l.evidence.clone(),
        );
        out.explains_sidecar_vs_kube = true;
    }
    out
}

/// The codes [`mesh_only_name`] may emit.
pub(super) const MESH_ONLY_NAME: &[Code] = &[codes::MESH_ONLY_NAME, codes::MULTICLUSTER_ENDPOINTS];

/// A name only the mesh answers (a ServiceEntry host, a service only in other clusters), or a
/// service whose endpoints the mesh takes from other clusters too.
pub(super) fn mesh_only_name(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(l) = local(input) else { return out };
    let host = l.local.host.as_str();
    let remote: Vec<String> = l
        .provenance
        .iter()
        .filter_map(|p| p.cluster.clone())
        .collect();
    let local_cluster = l.provenance.iter().any(|p| p.cluster.is_none());
    // A search-domain candidate is NXDOMAIN in kube-dns by nature; that says nothing about the host.
    let searched = matches!(l.local.matched, Match::SearchCname { .. });
    let external = l.registry == table::EXTERNAL_REGISTRY;
    let remote_only = !remote.is_empty() && !local_cluster;
    if l.kube_negative && !searched && l.local.answer.has_addresses() && (external || remote_only) {
        let what = if external {
            "a ServiceEntry host".to_string()
        } else {
            format!(
                "a service that exists only in cluster(s) {}",
                remote.join(", ")
            )
        };
        out.add(
            codes::MESH_ONLY_NAME,
            Severity::Info,
            format!(
                "only the mesh knows {host}: it is {what}, which kube-dns does not serve ({})",
                l.kube_text
            ),
            l.evidence.clone(),
        );
        out.explains_sidecar_vs_kube = true;
    } else if !remote.is_empty() && local_cluster {
        out.add(
            codes::MULTICLUSTER_ENDPOINTS,
            Severity::Info,
            format!(
                "the mesh answers endpoints of {host} from other clusters ({}) on the same network (ENABLE_MULTICLUSTER_HEADLESS); kube-dns knows only this cluster's",
                remote.join(", ")
            ),
            l.evidence.clone(),
        );
        out.explains_sidecar_vs_kube = true;
    }
    out
}

/// The codes [`auto_allocated_vip`] may emit.
pub(super) const AUTO_ALLOCATED_VIP: &[Code] = &[codes::AUTO_ALLOCATED_VIP];

/// Addresses istiod allocated for a ServiceEntry: only DNS-capturing proxies get them.
pub(super) fn auto_allocated_vip(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(l) = local(input) else { return out };
    let derived = input.derived;
    let prefixes = &IstioSettings::of(derived.input.world.mesh).autoallocate_prefixes;
    // Addresses in the allocation prefixes, unless the objects show they were declared, not allocated.
    let declared: Vec<IpAddr> = l
        .provenance
        .iter()
        .filter(|p| !p.auto_allocated)
        .flat_map(|p| p.addresses.clone())
        .collect();
    let allocated: Vec<IpAddr> = l
        .local
        .answer
        .addresses()
        .into_iter()
        .filter(|ip| table::in_prefixes(prefixes, *ip) && !declared.contains(ip))
        .collect();
    if allocated.is_empty() {
        return out;
    }
    let host = l.local.host.as_str();
    let ports = service_entry_ports(input, host);
    let resolves_elsewhere = l.kube.is_some_and(Answer::has_addresses);
    let (severity, tail) = if resolves_elsewhere {
        (
            Severity::Warning,
            format!(
                " kube-dns resolves the real address ({}); through the VIP only the ServiceEntry's ports ({ports}) are routed, so connections on any other port fail",
                l.kube_text
            ),
        )
    } else {
        (
            Severity::Info,
            format!(" traffic to it is routed by the mesh on the ServiceEntry's ports ({ports})"),
        )
    };
    out.add(
        codes::AUTO_ALLOCATED_VIP,
        severity,
        format!(
            "{} is a VIP istiod auto-allocated for {host} (only DNS-capturing proxies get it);{tail}",
            join(&allocated)
        ),
        l.evidence.clone(),
    );
    out.explains_sidecar_vs_kube = true;
    out
}

/// The ports of the ServiceEntry that defines `host`, as text.
fn service_entry_ports(input: &RuleInput<'_>, host: &str) -> String {
    IstioObjects::of(input.derived.input.world.objects)
        .service_entries
        .iter()
        .filter(|se| se.spec.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)))
        .flat_map(|se| se.spec.ports.iter().map(|p| p.number.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The codes [`nodata_vs_nxdomain`] may emit.
pub(super) const NODATA_VS_NXDOMAIN: &[Code] = &[codes::NODATA_VS_NXDOMAIN];

/// A known name without an address of the asked family: the agent says NODATA, upstream NXDOMAIN.
pub(super) fn nodata_vs_nxdomain(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(l) = local(input) else { return out };
    if l.local.answer.is_nodata() && l.kube.is_some_and(|k| k.rcode == Rcode::NxDomain) {
        out.add(
            codes::NODATA_VS_NXDOMAIN,
            Severity::Info,
            format!(
                "the agent knows {} but has no {} address for it, so it answers NODATA (NOERROR, empty) where upstream says NXDOMAIN; resolvers then use the other family instead of failing",
                l.local.host,
                input.derived.input.rtype
            ),
            l.evidence.clone(),
        );
        out.explains_sidecar_vs_kube = true;
    }
    out
}

/// The codes [`mesh_ttl`] may emit.
pub(super) const MESH_TTL: &[Code] = &[codes::MESH_TTL];

/// The agent's fixed TTL against kube-dns's: a fact, not an explanation of a different answer.
pub(super) fn mesh_ttl(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(l) = local(input) else { return out };
    let Some(kube) = l.kube.filter(|k| !k.records.is_empty()) else {
        return out;
    };
    let kube_ttls: Vec<u32> = kube.records.iter().map(|r| r.ttl_s).collect();
    if l.local.answer.has_addresses() && kube_ttls.iter().any(|t| *t != table::MESH_TTL) {
        out.add(
            codes::MESH_TTL,
            Severity::Info,
            format!(
                "the agent answers from its table with AA and a fixed TTL of {} s; kube-dns's TTL here is {} s",
                table::MESH_TTL,
                kube_ttls.iter().min().copied().unwrap_or_default()
            ),
            vec![
                source_evidence(Layer::SIDECAR, l.sidecar),
                source_evidence(Layer::KUBE_DNS, kube),
            ],
        );
    }
    out
}
