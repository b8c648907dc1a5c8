//! The explanation rules: each turns a difference between layers into a finding that names its cause.
//!
//! Rules read only [`Derived`] and the assembled source results, so they are pure and cheap to test.

use std::net::IpAddr;

use crate::derive::Derived;
use crate::emulate::istio::{self, Exclusion, LocalAnswer, Match, ProxyContext};
use crate::emulate::kube_dns::{ServiceShape, Subject};
use crate::finding::{Code, Finding, Severity};
use crate::model::{
    Answer, Evidence, Origin, Outcome, Rcode, SourceKind, SourceResult, canonical_name,
};

/// Collects findings and remembers whether the kube-dns/sidecar difference has been accounted for.
struct Findings {
    list: Vec<Finding>,
    sidecar_vs_kube_explained: bool,
}

impl Findings {
    fn add(&mut self, code: Code, severity: Severity, summary: String, evidence: Vec<Evidence>) {
        self.list.push(Finding {
            code,
            severity,
            summary,
            evidence,
        });
    }

    fn has(&self, code: Code) -> bool {
        self.list.iter().any(|f| f.code == code)
    }
}

/// The answers that matter to the rules, by source.
struct Answers<'a> {
    kube: Option<&'a Answer>,
    sidecar: Option<&'a Answer>,
}

/// Explains every difference between `sources` using what `derived` knows about the objects.
pub fn explain(derived: &Derived<'_>, sources: &[SourceResult]) -> Vec<Finding> {
    let answer_of = |kind: SourceKind| {
        sources
            .iter()
            .find(|s| s.source == kind)
            .and_then(SourceResult::answer)
    };
    let answers = Answers {
        kube: answer_of(SourceKind::KubeDns),
        sidecar: answer_of(SourceKind::Sidecar),
    };
    let mut findings = Findings {
        list: Vec::new(),
        sidecar_vs_kube_explained: false,
    };
    unreachable_sources(sources, &mut findings);
    capture_off(derived, &answers, &mut findings);
    stale_dns_cache(derived, sources, &answers, &mut findings);
    stale_control_plane(derived, &mut findings);
    sidecar_state(derived, &answers, &mut findings);
    by_design_local(derived, &answers, &mut findings);
    forwarded_names(derived, &answers, &mut findings);
    service_shapes(derived, &answers, &mut findings);
    unexplained(&answers, &mut findings);
    unexplained_expectation(derived, sources, &mut findings);
    let mut list = findings.list;
    list.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    list
}

fn source_evidence(kind: SourceKind, answer: &Answer) -> Evidence {
    Evidence::object("Answer", None, kind.as_str()).field("answer", answer.brief())
}

fn table_evidence(derived: &Derived<'_>, host: &str) -> Evidence {
    let workload = derived
        .input
        .workload
        .map(|w| w.proxy_id())
        .unwrap_or_default();
    let ips = derived
        .observed_table
        .and_then(|t| t.get(host))
        .map(|info| info.ips.join(", "))
        .unwrap_or_else(|| "(absent)".to_string());
    Evidence::object("NameTable", None, &workload).field(format!("table[\"{host}\"].ips"), ips)
}

/// Provenance evidence of the expected table's entry for `host`.
fn provenance_evidence(derived: &Derived<'_>, host: &str) -> Vec<Evidence> {
    derived
        .expected_table
        .as_ref()
        .and_then(|t| t.provenance.get(host))
        .map(|p| p.iter().map(|p| p.evidence.clone()).collect())
        .unwrap_or_default()
}

fn pod_evidence(derived: &Derived<'_>, field: &str, value: String) -> Vec<Evidence> {
    derived
        .input
        .workload
        .map(|w| Evidence::object("Pod", Some(&w.namespace), &w.pod).field(field, value))
        .into_iter()
        .collect()
}

fn unreachable_sources(sources: &[SourceResult], findings: &mut Findings) {
    for source in sources {
        if let Outcome::Error(why) = &source.outcome {
            findings.add(
                Code::SourceUnreachable,
                Severity::Warning,
                format!(
                    "{} could not be asked ({why}); it is left out of the comparison",
                    source.source
                ),
                vec![
                    Evidence::object("Answer", None, source.source.as_str())
                        .field("error", why.clone()),
                ],
            );
        }
    }
}

fn capture_off(derived: &Derived<'_>, answers: &Answers<'_>, findings: &mut Findings) {
    let Some(workload) = derived
        .input
        .workload
        .filter(|w| w.has_sidecar() && !w.captures_dns())
    else {
        return;
    };
    let proxy = workload
        .proxy
        .as_ref()
        .expect("sidecar workloads have a proxy");
    // What the mesh would answer if the proxy captured DNS.
    let with_capture = ProxyContext {
        namespace: workload.namespace.clone(),
        labels: workload.labels.clone(),
        dns_capture: true,
        dns_auto_allocate: proxy.dns_auto_allocate,
        families: workload.families,
    };
    let world = derived.input.world;
    let table = crate::derive::build_table(world, &with_capture, derived.observed_table).table;
    let would = istio::AgentTable::new(
        std::sync::Arc::new(table),
        &workload.namespace,
        &world.cluster.domain,
        derived.search_domain(),
    )
    .lookup(&derived.input.question.fqdn, derived.input.rtype);
    let kube_resolves = answers.kube.is_some_and(Answer::has_addresses);
    let evidence = pod_evidence(
        derived,
        "proxy metadata ISTIO_META_DNS_CAPTURE",
        "false or unset".into(),
    );
    match would {
        Some(local) if !kube_resolves && local.answer.has_addresses() => findings.add(
            Code::DnsCaptureOff,
            Severity::Warning,
            format!(
                "the sidecar of {} does not capture DNS, so the app gets kube-dns's answer ({}); with ISTIO_META_DNS_CAPTURE=true the mesh would answer {}",
                workload.proxy_id(),
                answers.kube.map_or("none".to_string(), Answer::brief),
                local.answer.brief()
            ),
            evidence,
        ),
        _ => findings.add(
            Code::DnsCaptureOff,
            Severity::Info,
            format!(
                "the sidecar of {} does not capture DNS: the app's queries go straight to kube-dns",
                workload.proxy_id()
            ),
            evidence,
        ),
    }
}

fn stale_dns_cache(
    derived: &Derived<'_>,
    sources: &[SourceResult],
    answers: &Answers<'_>,
    findings: &mut Findings,
) {
    let (Some(kube), Some(spec)) = (answers.kube, derived.spec.answer.as_ref()) else {
        return;
    };
    let zone = derived.comparison_zone();
    if kube.within_zone(zone).same_as(&spec.within_zone(zone)) {
        return;
    }
    let cached = sources
        .iter()
        .any(|s| s.source == SourceKind::KubeDns && s.origin == Some(Origin::Cache));
    let mut evidence = subject_evidence(derived);
    evidence.push(source_evidence(SourceKind::KubeDns, kube));
    if let Some(cache) = derived.coredns.cache_ttl {
        evidence.push(
            Evidence::object("ConfigMap", Some("kube-system"), "coredns")
                .field("data.Corefile", format!("cache {cache}")),
        );
    }
    let why = if cached {
        format!(
            "its TTL is below the kubernetes plugin's {} s and counting down, so a cache in front of the cluster zone (CoreDNS cache or NodeLocal DNSCache) serves an old answer",
            derived.coredns.kubernetes_ttl
        )
    } else {
        "kube-dns has not caught up with the objects (a CoreDNS watch behind, or a cache in front of it)".to_string()
    };
    findings.add(
        Code::StaleDnsCache,
        Severity::Error,
        format!(
            "kube-dns answers {} but the objects say {}: {why}",
            kube.brief(),
            spec.brief()
        ),
        evidence,
    );
    findings.sidecar_vs_kube_explained = true;
}

/// Evidence for the object the spec resolves the question through.
fn subject_evidence(derived: &Derived<'_>) -> Vec<Evidence> {
    let objects = derived.input.world.objects;
    match &derived.spec.subject {
        Subject::Service {
            namespace,
            name,
            shape,
        } => {
            let service = Evidence::object("Service", Some(namespace), name);
            match shape {
                ServiceShape::Headless => endpoint_evidence(objects, namespace, name),
                ServiceShape::ExternalName(target) => {
                    vec![service.field("spec.externalName", target.clone())]
                }
                ServiceShape::ClusterIp => {
                    let ips = objects
                        .service(namespace, name)
                        .map(crate::emulate::kube_dns::cluster_ips)
                        .unwrap_or_default();
                    vec![service.field("spec.clusterIPs", join(&ips))]
                }
            }
        }
        Subject::PodHostname {
            namespace, service, ..
        } => endpoint_evidence(objects, namespace, service),
        _ => Vec::new(),
    }
}

fn endpoint_evidence(
    objects: &crate::objects::Objects,
    namespace: &str,
    service: &str,
) -> Vec<Evidence> {
    let mut by_slice: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for e in objects.endpoints(namespace, service) {
        by_slice.entry(e.slice.clone()).or_default().push(format!(
            "{}{}",
            e.ip,
            if e.ready { "" } else { " (not ready)" }
        ));
    }
    by_slice
        .into_iter()
        .map(|(slice, ips)| {
            Evidence::object("EndpointSlice", Some(namespace), &slice)
                .field("endpoints[].addresses", ips.join(", "))
        })
        .collect()
}

fn join(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn stale_control_plane(derived: &Derived<'_>, findings: &mut Findings) {
    let captures = derived
        .input
        .workload
        .is_some_and(crate::workload::Workload::captures_dns);
    if derived.observed_table.is_none() || derived.expected_table.is_none() || !captures {
        return;
    }
    let describe = |local: Option<&LocalAnswer>| {
        local.map_or("no entry (forwarded)".to_string(), |l| l.answer.brief())
    };
    let (observed, expected) = (
        derived.observed_local.as_ref(),
        derived.expected_local.as_ref(),
    );
    let same = match (observed, expected) {
        (Some(o), Some(e)) => o.answer.same_as(&e.answer),
        (None, None) => true,
        _ => false,
    };
    if same {
        return;
    }
    let host = observed
        .or(expected)
        .map(|l| l.host.clone())
        .unwrap_or_default();
    let mut evidence = vec![table_evidence(derived, &host)];
    evidence.extend(provenance_evidence(derived, &host));
    findings.add(
        Code::StaleControlPlane,
        Severity::Error,
        format!(
            "istiod's name table for {} gives {} for {host}, but the current objects give {}: the control plane has not rebuilt or pushed the table since they changed",
            derived.input.workload.map(|w| w.proxy_id()).unwrap_or_default(),
            describe(observed),
            describe(expected)
        ),
        evidence,
    );
    findings.sidecar_vs_kube_explained = true;
}

fn sidecar_state(derived: &Derived<'_>, answers: &Answers<'_>, findings: &mut Findings) {
    let Some(sidecar) = answers.sidecar else {
        return;
    };
    let workload = derived
        .input
        .workload
        .expect("a sidecar answer implies a workload");
    if sidecar.rcode == Rcode::ServFail && answers.kube.is_none_or(|k| k.rcode != Rcode::ServFail) {
        let received = workload.proxy.as_ref().and_then(|p| p.name_table_received);
        let (code, why) = if received == Some(true) {
            (
                Code::UnexplainedDifference,
                "the agent has a name table, so its upstream query failed".to_string(),
            )
        } else {
            (
                Code::NotSynced,
                if received == Some(false) {
                    "the agent has not received a name table from istiod yet and answers SERVFAIL to everything (e.g. init containers that run before the proxy is ready)".to_string()
                } else {
                    "most likely the agent has not received a name table from istiod yet (it answers SERVFAIL to everything until then); its /debug/ndsz was not recorded to confirm".to_string()
                },
            )
        };
        let mut evidence = pod_evidence(
            derived,
            "agent /debug/ndsz",
            match received {
                Some(true) => "200 (table received)".into(),
                Some(false) => "404 (no table yet)".into(),
                None => "not recorded".into(),
            },
        );
        evidence.push(source_evidence(SourceKind::Sidecar, sidecar));
        findings.add(
            code,
            Severity::Error,
            format!("the sidecar answers SERVFAIL: {why}"),
            evidence,
        );
        findings.sidecar_vs_kube_explained = true;
        return;
    }
    if derived.observed_table.is_none() {
        return;
    }
    let stale = match &derived.observed_local {
        Some(local) if !sidecar.same_as(&local.answer) => {
            Some((local.host.clone(), local.answer.brief()))
        }
        None if looks_synthesized(sidecar) && answers.kube.is_some_and(|k| !sidecar.same_as(k)) => {
            Some((
                derived
                    .input
                    .question
                    .fqdn
                    .trim_end_matches('.')
                    .to_string(),
                "no entry (forwarded)".to_string(),
            ))
        }
        _ => None,
    };
    if let Some((host, table_says)) = stale {
        findings.add(
            Code::StaleSidecar,
            Severity::Error,
            format!(
                "the sidecar answers {} but istiod's current table for {} gives {table_says}: the agent holds an old name table (NDS push not received or not applied)",
                sidecar.brief(),
                workload.proxy_id()
            ),
            vec![table_evidence(derived, &host), source_evidence(SourceKind::Sidecar, sidecar)],
        );
        findings.sidecar_vs_kube_explained = true;
    }
}

/// An answer shaped like the agent's own: AA set and every record at the fixed mesh TTL.
pub fn looks_synthesized(answer: &Answer) -> bool {
    answer.authoritative
        && !answer.records.is_empty()
        && answer.records.iter().all(|r| r.ttl_s == istio::MESH_TTL)
}

fn by_design_local(derived: &Derived<'_>, answers: &Answers<'_>, findings: &mut Findings) {
    let (Some(sidecar), Some(local)) = (answers.sidecar, derived.reference_local()) else {
        return;
    };
    if !sidecar.same_as(&local.answer) {
        return;
    }
    let kube = answers.kube;
    let kube_text = kube.map_or("nothing".to_string(), Answer::brief);
    let host = local.host.as_str();
    let mut table_ev = vec![table_evidence(derived, host)];
    table_ev.extend(provenance_evidence(derived, host));
    let provenance = derived
        .expected_table
        .as_ref()
        .and_then(|t| t.provenance.get(host))
        .cloned()
        .unwrap_or_default();
    let registry = derived
        .observed_table
        .and_then(|t| t.get(host))
        .or_else(|| {
            derived
                .expected_table
                .as_ref()
                .and_then(|t| t.table.get(host))
        })
        .map(|i| i.registry.clone())
        .unwrap_or_default();
    let kube_negative = kube.is_some_and(|k| k.rcode == Rcode::NxDomain || k.is_nodata());
    let differs = kube.is_some_and(|k| !k.same_as(sidecar));
    let mut explained = !differs;

    if let Match::SearchCname { alias } = &local.matched {
        let search = derived.search_domain().unwrap_or_default();
        let mut evidence = table_ev.clone();
        evidence.extend(pod_evidence(
            derived,
            "resolv.conf search[0]",
            search.to_string(),
        ));
        findings.add(
            Code::SearchDomainCname,
            Severity::Info,
            format!(
                "{} is {alias} plus the first search domain {search}: the agent answers CNAME {alias} with its addresses, so the app's resolver stops at this candidate; kube-dns answers {kube_text} here and the walk would go on",
                derived.input.question.fqdn
            ),
            evidence,
        );
        explained = true;
    }
    let question = derived.input.question.fqdn.as_str();
    let short_alias = local.matched == Match::Exact
        && registry == istio::KUBERNETES_REGISTRY
        && !canonical_name(host).eq_ignore_ascii_case(question);
    if short_alias && kube_negative {
        findings.add(
            Code::MeshOnlyName,
            Severity::Info,
            format!(
                "{question} is one of the agent's short names for {host} (name., name.namespace., name.namespace.svc.); kube-dns does not serve it ({kube_text}), so only pods whose DNS the sidecar captures resolve it"
            ),
            table_ev.clone(),
        );
        explained = true;
    }
    let remote: Vec<String> = provenance
        .iter()
        .filter_map(|p| p.cluster.clone())
        .collect();
    let local_cluster = provenance.iter().any(|p| p.cluster.is_none());
    // A search-domain candidate is NXDOMAIN in kube-dns by nature; that says nothing about the host.
    let remote_only = !remote.is_empty() && !local_cluster;
    let searched = matches!(local.matched, Match::SearchCname { .. });
    if kube_negative
        && !searched
        && local.answer.has_addresses()
        && (registry == istio::EXTERNAL_REGISTRY || remote_only)
    {
        let what = if registry == istio::EXTERNAL_REGISTRY {
            "a ServiceEntry host".to_string()
        } else {
            format!(
                "a service that exists only in cluster(s) {}",
                remote.join(", ")
            )
        };
        findings.add(
            Code::MeshOnlyName,
            Severity::Info,
            format!("only the mesh knows {host}: it is {what}, which kube-dns does not serve ({kube_text})"),
            table_ev.clone(),
        );
        explained = true;
    } else if !remote.is_empty() && local_cluster {
        findings.add(
            Code::MulticlusterEndpoints,
            Severity::Info,
            format!(
                "the mesh answers endpoints of {host} from other clusters ({}) on the same network (ENABLE_MULTICLUSTER_HEADLESS); kube-dns knows only this cluster's",
                remote.join(", ")
            ),
            table_ev.clone(),
        );
        explained = true;
    }
    let prefixes = &derived.input.world.mesh.autoallocate_prefixes;
    // Addresses in the allocation prefixes, unless the objects show they were declared, not allocated.
    let declared: Vec<IpAddr> = provenance
        .iter()
        .filter(|p| !p.auto_allocated)
        .flat_map(|p| p.addresses.clone())
        .collect();
    let allocated: Vec<IpAddr> = local
        .answer
        .addresses()
        .into_iter()
        .filter(|ip| istio::in_prefixes(prefixes, *ip) && !declared.contains(ip))
        .collect();
    if !allocated.is_empty() {
        let ports = service_entry_ports(derived, host);
        let resolves_elsewhere = kube.is_some_and(Answer::has_addresses);
        let severity = if resolves_elsewhere {
            Severity::Warning
        } else {
            Severity::Info
        };
        let tail = if resolves_elsewhere {
            format!(
                " kube-dns resolves the real address ({kube_text}); through the VIP only the ServiceEntry's ports ({ports}) are routed, so connections on any other port fail"
            )
        } else {
            format!(" traffic to it is routed by the mesh on the ServiceEntry's ports ({ports})")
        };
        findings.add(
            Code::AutoAllocatedVip,
            severity,
            format!(
                "{} is a VIP istiod auto-allocated for {host} (only DNS-capturing proxies get it);{tail}",
                join(&allocated)
            ),
            table_ev.clone(),
        );
        explained = true;
    }
    if local.answer.is_nodata() && kube.is_some_and(|k| k.rcode == Rcode::NxDomain) {
        findings.add(
            Code::NodataVsNxdomain,
            Severity::Info,
            format!(
                "the agent knows {host} but has no {} address for it, so it answers NODATA (NOERROR, empty) where upstream says NXDOMAIN; resolvers then use the other family instead of failing",
                derived.input.rtype
            ),
            table_ev.clone(),
        );
        explained = true;
    }
    if let Some(kube) = kube.filter(|k| !k.records.is_empty()) {
        let kube_ttls: Vec<u32> = kube.records.iter().map(|r| r.ttl_s).collect();
        if local.answer.has_addresses() && kube_ttls.iter().any(|t| *t != istio::MESH_TTL) {
            findings.add(
                Code::MeshTtl,
                Severity::Info,
                format!(
                    "the agent answers from its table with AA and a fixed TTL of {} s; kube-dns's TTL here is {} s",
                    istio::MESH_TTL,
                    kube_ttls.iter().min().copied().unwrap_or_default()
                ),
                vec![source_evidence(SourceKind::Sidecar, sidecar), source_evidence(SourceKind::KubeDns, kube)],
            );
        }
    }
    if explained {
        findings.sidecar_vs_kube_explained = true;
    }
}

/// The ports of the ServiceEntry that defines `host`, as text.
fn service_entry_ports(derived: &Derived<'_>, host: &str) -> String {
    derived
        .input
        .world
        .objects
        .service_entries
        .iter()
        .filter(|se| se.spec.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)))
        .flat_map(|se| se.spec.ports.iter().map(|p| p.number.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn forwarded_names(derived: &Derived<'_>, answers: &Answers<'_>, findings: &mut Findings) {
    let captures = derived
        .input
        .workload
        .is_some_and(crate::workload::Workload::captures_dns);
    if !captures || derived.reference_local().is_some() {
        return;
    }
    let Some(built) = &derived.expected_table else {
        return;
    };
    let fqdn = &derived.input.question.fqdn;
    let Some((host, exclusion)) = exclusion_for(derived, built, fqdn) else {
        return;
    };
    let kube_text = answers.kube.map_or("nothing".to_string(), Answer::brief);
    let resolves = answers.kube.is_some_and(Answer::has_addresses);
    let mut evidence = vec![exclusion.evidence().clone()];
    match exclusion {
        Exclusion::ScopedOut(_) | Exclusion::NotExported(_) => {
            let by = if matches!(exclusion, Exclusion::ScopedOut(_)) {
                "the Sidecar resource's egress hosts"
            } else {
                "exportTo"
            };
            findings.add(
                Code::ScopedOut,
                Severity::Info,
                format!(
                    "{host} is hidden from {} by {by}, so it is not in the proxy's name table: the agent forwards the query and the app gets kube-dns's answer ({kube_text})",
                    derived.input.workload.map(|w| w.proxy_id()).unwrap_or_default()
                ),
                evidence,
            );
        }
        Exclusion::NoAddress(_, why) => {
            let severity = if resolves {
                Severity::Info
            } else {
                Severity::Warning
            };
            findings.add(
                Code::ServiceentryUnresolvable,
                severity,
                format!(
                    "ServiceEntry host {host} has no address in the mesh's name table ({why}); the agent forwards the query upstream, which answers {kube_text}"
                ),
                evidence,
            );
        }
        Exclusion::NoEndpoints(service) => {
            let namespace = service.namespace.as_deref().unwrap_or_default();
            evidence.extend(endpoint_evidence(
                derived.input.world.objects,
                namespace,
                &service.name,
            ));
            findings.add(
                Code::HeadlessEndpoints,
                Severity::Warning,
                format!("headless service {host} has no ready endpoints: it is absent from the name table and kube-dns answers {kube_text}"),
                evidence,
            );
        }
        // Explained with the Service's shape below.
        Exclusion::ExternalName(_) => {}
    }
    findings.sidecar_vs_kube_explained = true;
}

/// The exclusion behind the question: the name itself, its search-domain base, or the FQDN of a short alias.
fn exclusion_for<'b>(
    derived: &Derived<'_>,
    built: &'b istio::BuiltTable,
    fqdn: &str,
) -> Option<(String, &'b Exclusion)> {
    let bare = fqdn.trim_end_matches('.');
    let domain = derived.input.world.cluster.domain.trim_end_matches('.');
    let mut candidates = vec![bare.to_string()];
    if let Some(search) = derived.search_domain()
        && let Some(base) = bare.strip_suffix(&format!(".{}", search.trim_end_matches('.')))
    {
        candidates.push(base.to_string());
    }
    let expanded: Vec<String> = candidates
        .iter()
        .flat_map(|c| {
            let labels = c.split('.').count();
            match labels {
                1 => vec![format!("{c}.{}.svc.{domain}", derived.namespace())],
                2 => vec![format!("{c}.svc.{domain}")],
                3 if c.ends_with(".svc") => vec![format!("{c}.{domain}")],
                _ => Vec::new(),
            }
        })
        .collect();
    candidates
        .into_iter()
        .chain(expanded)
        .find_map(|c| built.exclusions.get(&c).map(|e| (c, e)))
}

fn service_shapes(derived: &Derived<'_>, answers: &Answers<'_>, findings: &mut Findings) {
    let Subject::Service {
        namespace,
        name,
        shape,
    } = &derived.spec.subject
    else {
        if let Subject::PodHostname {
            namespace,
            service,
            hostname,
        } = &derived.spec.subject
        {
            findings.add(
                Code::HeadlessEndpoints,
                Severity::Info,
                format!("{hostname} is one endpoint of headless service {service}: its address is the pod's own and changes when the pod is replaced"),
                endpoint_evidence(derived.input.world.objects, namespace, service),
            );
        }
        return;
    };
    match shape {
        ServiceShape::Headless if !findings.has(Code::HeadlessEndpoints) => {
            let count = derived.spec.answer.as_ref().map_or(0, |a| a.records.len());
            findings.add(
                Code::HeadlessEndpoints,
                Severity::Info,
                format!(
                    "{name}.{namespace} is headless: DNS answers the {count} published endpoint address(es) of its pods, not a VIP, and the set changes with every rollout"
                ),
                endpoint_evidence(derived.input.world.objects, namespace, name),
            );
        }
        ServiceShape::ExternalName(target) => {
            let through_mesh = if answers.sidecar.is_some() {
                "; the mesh has no table entry for it, so the sidecar forwards the query and passes the CNAME through"
            } else {
                ""
            };
            findings.add(
                Code::ExternalnameCname,
                Severity::Info,
                format!("{name}.{namespace} is an ExternalName Service: kube-dns answers CNAME {target}{through_mesh}"),
                subject_evidence(derived),
            );
            findings.sidecar_vs_kube_explained = true;
        }
        _ => {}
    }
}

/// The answer the app gets (the sidecar's when it captures DNS, else kube-dns's) must match the
/// expectation unless a fault finding already says why not.
fn unexplained_expectation(
    derived: &Derived<'_>,
    sources: &[SourceResult],
    findings: &mut Findings,
) {
    let answer_of = |kind| sources.iter().find(|s| s.source == kind);
    let captures = derived
        .input
        .workload
        .is_some_and(crate::workload::Workload::captures_dns);
    let app_source = if captures {
        SourceKind::Sidecar
    } else {
        SourceKind::KubeDns
    };
    let (Some(app), Some(expected)) = (answer_of(app_source), answer_of(SourceKind::Expected))
    else {
        return;
    };
    let (Some(app_answer), Some(expected_answer)) = (app.answer(), expected.answer()) else {
        return;
    };
    let zone = derived.comparison_zone();
    let agree = if expected.origin == Some(Origin::KubernetesSpec) {
        app_answer
            .within_zone(zone)
            .same_as(&expected_answer.within_zone(zone))
    } else {
        app_answer.same_as(expected_answer)
    };
    if agree || findings.list.iter().any(|f| f.severity == Severity::Error) {
        return;
    }
    findings.add(
        Code::UnexplainedDifference,
        Severity::Error,
        format!(
            "the app gets {} from {app_source} but the objects predict {}, and no available source shows which layer is behind",
            app_answer.brief(),
            expected_answer.brief()
        ),
        vec![source_evidence(app_source, app_answer), source_evidence(SourceKind::Expected, expected_answer)],
    );
}

fn unexplained(answers: &Answers<'_>, findings: &mut Findings) {
    let (Some(kube), Some(sidecar)) = (answers.kube, answers.sidecar) else {
        return;
    };
    if kube.same_as(sidecar) || findings.sidecar_vs_kube_explained {
        return;
    }
    findings.add(
        Code::UnexplainedDifference,
        Severity::Error,
        format!(
            "the sidecar answers {} and kube-dns {}, and no mesh rule or object explains the difference",
            sidecar.brief(),
            kube.brief()
        ),
        vec![source_evidence(SourceKind::Sidecar, sidecar), source_evidence(SourceKind::KubeDns, kube)],
    );
}
