//! Names the agent forwards: scoped out, ServiceEntries without an address, headless Services without endpoints.

use super::super::codes;
use super::super::table::{BuiltTable, Exclusion};
use super::evidence::endpoint_evidence;
use crate::derive::Derived;
use crate::finding::{Code, Severity};
use crate::model::Answer;

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[
    codes::SCOPED_OUT,
    codes::SERVICEENTRY_UNRESOLVABLE,
    Code::HEADLESS_ENDPOINTS,
];

/// Names the agent forwards: scoped out, ServiceEntries without an address, headless Services without endpoints.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let derived = input.derived;
    let answers = &input.answers;
    let mut out = RuleOutput::default();
    let Some(view) = super::capturing_view(input) else {
        return out;
    };
    if view.reference_local(derived).is_some() {
        return out;
    }
    let Some(built) = &view.expected_table else {
        return out;
    };
    let fqdn = &derived.input.question.fqdn;
    let Some((host, exclusion)) = exclusion_for(derived, built, fqdn) else {
        return out;
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
            out.add(
                codes::SCOPED_OUT,
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
            out.add(
                codes::SERVICEENTRY_UNRESOLVABLE,
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
            out.add(
                Code::HEADLESS_ENDPOINTS,
                Severity::Warning,
                format!("headless service {host} has no ready endpoints: it is absent from the name table and kube-dns answers {kube_text}"),
                evidence,
            );
        }
        // Explained with the Service's shape below.
        Exclusion::ExternalName(_) => {}
    }
    out.explains_sidecar_vs_kube = true;
    out
}

/// The exclusion behind the question: the name itself, its search-domain base, or the FQDN of a short alias.
fn exclusion_for<'b>(
    derived: &Derived<'_>,
    built: &'b BuiltTable,
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
