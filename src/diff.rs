//! The pure diff: assembles every layer's answer for one question, tells by-design differences from
//! faults via [`crate::rules`], and reaches a verdict. No I/O happens here.

use crate::derive::{Derived, DiffInput, TableObservation, derive};
use crate::emulate::kube_dns;
use crate::finding::{Severity, Verdict};
use crate::mesh::{self, DnsProxy, Mesh};
use crate::model::{Answer, Layer, Origin, Outcome, SourceResult, in_zone};
use crate::report::{From, Report};
use crate::rules;
use crate::workload::Workload;

/// Runs the diff: derives predictions (the spec's, and the asking proxy's mesh's), explains every
/// difference and returns the report.
pub fn diff(input: &DiffInput<'_>) -> Report {
    let (derived, mesh) = derive_with_mesh(input);
    let emulator = mesh.and_then(|m| m.dns_proxy());
    let mut sources: Vec<SourceResult> = input
        .asked
        .iter()
        .map(|asked| classify(asked.clone(), &derived, emulator))
        .collect();
    sources.push(control_plane_result(&derived));
    sources.push(expected_result(&derived));
    sources.sort_by_key(|s| s.source);
    let findings = rules::explain(&derived, &sources, mesh.map_or(&[], |m| m.rules()));
    let verdict = verdict(&sources, &findings, derived.comparison_zone());
    let captures = input.workload.is_some_and(Workload::captures_dns);
    Report {
        question: input.question.clone(),
        from: describe_from(input),
        sources,
        app_source: if captures {
            Layer::SIDECAR
        } else {
            Layer::KUBE_DNS
        },
        walk: None,
        findings,
        verdict,
    }
}

/// The predictions of one diff: the spec's, and those of the asking proxy's mesh, if any.
pub fn derive_with_mesh<'a>(input: &'a DiffInput<'a>) -> (Derived<'a>, Option<&'static dyn Mesh>) {
    let mesh = input
        .workload
        .and_then(Workload::dns_proxy)
        .and_then(mesh::named);
    let mut derived = derive(input);
    derived.proxy = mesh
        .and_then(|m| m.dns_proxy())
        .and_then(|e| e.predict(&derived));
    (derived, mesh)
}

/// Says how an asked layer's answer came to be, where its shape tells.
fn classify(
    result: SourceResult,
    derived: &Derived<'_>,
    emulator: Option<&dyn DnsProxy>,
) -> SourceResult {
    match result.source {
        Layer::KUBE_DNS => classify_kube_dns(result, derived),
        Layer::SIDECAR => classify_sidecar(result, derived, emulator),
        _ => result,
    }
}

/// Tells kube-dns answers served fresh by the kubernetes plugin from cached ones (TTL counting down).
fn classify_kube_dns(mut result: SourceResult, derived: &Derived<'_>) -> SourceResult {
    if let Some(answer) = result.answer() {
        let zone = &derived.input.world.cluster.domain;
        let in_cluster: Vec<u32> = answer
            .records
            .iter()
            .filter(|r| in_zone(&r.name, &format!("{}.", zone.trim_end_matches('.'))))
            .map(|r| r.ttl_s)
            .collect();
        result.origin = match in_cluster.iter().min() {
            Some(ttl) if *ttl < derived.coredns.kubernetes_ttl => Some(Origin::Cache),
            Some(_) => Some(Origin::Kubernetes),
            None => None,
        };
    }
    result
}

/// Marks the sidecar's answer as synthesized from its table or forwarded upstream.
fn classify_sidecar(
    mut result: SourceResult,
    derived: &Derived<'_>,
    emulator: Option<&dyn DnsProxy>,
) -> SourceResult {
    let Some(answer) = result.answer() else {
        return result;
    };
    let reference = derived.reference_answer();
    // CoreDNS answers with AA and often TTL 30 too, so the answer's shape only decides when it
    // contradicts what the tables say.
    let upstream = derived
        .input
        .asked(Layer::KUBE_DNS)
        .and_then(SourceResult::answer);
    let synthesized_against_upstream = emulator.is_some_and(|e| e.synthesized(answer))
        && upstream.is_none_or(|kube| !kube.same_as(answer));
    result.origin = if answer.rcode == crate::model::Rcode::ServFail {
        None
    } else if reference.is_some_and(|local| local.same_as(answer)) || synthesized_against_upstream {
        Some(Origin::NameTable)
    } else {
        Some(Origin::Forwarded)
    };
    result
}

fn control_plane_result(derived: &Derived<'_>) -> SourceResult {
    let captures = derived.input.workload.is_some_and(Workload::captures_dns);
    let outcome = match (&derived.input.control_plane, &derived.proxy) {
        (TableObservation::Table(_) | TableObservation::Unavailable(_), _) if !captures => Outcome::NotApplicable(
            "the sidecar does not capture DNS, so its name table does not answer this pod's queries".to_string(),
        ),
        (TableObservation::Unavailable(why), _) => Outcome::Error(why.clone()),
        (TableObservation::NotApplicable(why), _) => Outcome::NotApplicable(why.clone()),
        (TableObservation::Table(_), Some(proxy)) => proxy.table_outcome(derived.input.rtype),
        (TableObservation::Table(_), None) => Outcome::NotApplicable(
            "no emulator of this mesh's DNS proxy reads the table".to_string(),
        ),
    };
    let origin = matches!(outcome, Outcome::Answered(_)).then_some(Origin::NameTable);
    SourceResult::new(Layer::CONTROL_PLANE, outcome, origin)
}

fn expected_result(derived: &Derived<'_>) -> SourceResult {
    let world = derived.input.world;
    let errors = world.object_errors;
    if !errors.is_empty() {
        let why = format!("cannot predict from partial objects: {}", errors.join("; "));
        return SourceResult::new(Layer::EXPECTED, Outcome::Error(why), None);
    }
    if let Some(unread) =
        world.unread_namespace(&derived.input.question.fqdn, derived.search_domain())
    {
        let why = format!(
            "cannot predict: the objects of namespace {} were not read ({})",
            unread.namespace, unread.reason
        );
        return SourceResult::new(Layer::EXPECTED, Outcome::Error(why), None);
    }
    let captures = derived.input.workload.is_some_and(Workload::captures_dns);
    if captures && let Some(local) = derived.proxy.as_ref().and_then(|p| p.expected()) {
        return SourceResult::new(
            Layer::EXPECTED,
            Outcome::Answered(local.clone()),
            Some(Origin::MeshRules),
        );
    }
    let outcome = match (&derived.spec.answer, &derived.spec.subject) {
        (Some(predicted), _) => Outcome::Answered(predicted.answer.clone()),
        (None, kube_dns::Subject::OutsideZone) => Outcome::NotApplicable(format!(
            "outside the cluster domain {} and the zones CoreDNS serves: the upstream resolver answers, and no object predicts what",
            derived.input.world.cluster.domain
        )),
        (None, kube_dns::Subject::NoPrediction(why)) => Outcome::NotApplicable(why.clone()),
        (None, _) => Outcome::NotApplicable(
            "the Kubernetes DNS spec defines no answer for this name and type".to_string(),
        ),
    };
    let origin = matches!(outcome, Outcome::Answered(_)).then_some(Origin::KubernetesSpec);
    SourceResult::new(Layer::EXPECTED, outcome, origin)
}

/// True when every answered source gives the same rcode and record set.
///
/// The Kubernetes DNS spec predicts only records inside the cluster domain (an ExternalName's CNAME,
/// not the target's addresses upstream), so answers are compared with such a prediction in-zone only.
pub fn answers_agree(sources: &[SourceResult], zone: &str) -> bool {
    let spec_only = sources
        .iter()
        .any(|s| s.source == Layer::EXPECTED && s.origin == Some(Origin::KubernetesSpec));
    let answers: Vec<Answer> = sources
        .iter()
        .filter_map(SourceResult::answer)
        .map(|a| {
            if spec_only {
                a.within_zone(zone)
            } else {
                a.clone()
            }
        })
        .collect();
    answers.windows(2).all(|pair| pair[0].same_as(&pair[1]))
}

fn verdict(sources: &[SourceResult], findings: &[crate::finding::Finding], zone: &str) -> Verdict {
    let worst = findings.iter().map(|f| f.severity).max();
    if worst == Some(Severity::Error) {
        Verdict::Discrepancy
    } else if sources
        .iter()
        .any(|s| matches!(s.outcome, Outcome::Error(_) | Outcome::NotRecorded(_)))
    {
        Verdict::Incomplete
    } else if worst == Some(Severity::Warning) || !answers_agree(sources, zone) {
        Verdict::Explained
    } else {
        Verdict::Consistent
    }
}

fn describe_from(input: &DiffInput<'_>) -> From {
    let Some(workload) = input.workload else {
        return From {
            namespace: input.namespace.to_string(),
            pod: None,
            proxy: "no pod given: kube-dns and the spec only".to_string(),
            mesh: None,
            proxy_kind: None,
            captures_dns: false,
        };
    };
    let mesh = |p: &crate::snapshot::ProxyInfo| mesh::of_proxy(&input.world.mesh.kind, &p.kind);
    let meshed = workload.proxy.as_ref().and_then(|p| Some((mesh(p)?, p)));
    let proxy = match meshed {
        Some((mesh, p)) => mesh.describe(p),
        None => "no mesh proxy".to_string(),
    };
    From {
        namespace: workload.namespace.clone(),
        pod: Some(workload.pod.clone()),
        proxy,
        mesh: meshed.map(|(mesh, _)| mesh.name()),
        proxy_kind: meshed.map(|(_, p)| p.kind.clone()),
        captures_dns: workload.captures_dns(),
    }
}
