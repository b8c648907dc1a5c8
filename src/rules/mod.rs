//! The explanation rules, as a table: each rule is a small pure function over one candidate's
//! derived predictions and the layers' answers, declares the finding codes it may emit, and says
//! whether its findings account for the difference between kube-dns and the sidecar. Rules share
//! no state and run in any order; the closing rules (`unexplained`) run last and read the others'
//! findings, to call a difference nobody explained a fault.
//!
//! Two findings of one code at one candidate are kept both, except that a more severe one hides a
//! milder one (a headless Service without endpoints is a warning, not also the info that it is
//! headless).

mod by_design;
mod capture_off;
mod evidence;
mod forwarded;
mod service_shapes;
mod sidecar_state;
mod stale_control_plane;
mod stale_dns_cache;
mod unexplained;
mod unreachable;

use crate::derive::Derived;
use crate::emulate::istio;
use crate::finding::{Code, Finding, Severity};
use crate::model::{Answer, Evidence, SourceKind, SourceResult};

/// What every rule reads: the predictions derived for the candidate and the layers' results.
pub struct RuleInput<'a> {
    pub derived: &'a Derived<'a>,
    pub sources: &'a [SourceResult],
    answers: Answers<'a>,
}

impl<'a> RuleInput<'a> {
    /// The input of the rules for one candidate.
    pub fn new(derived: &'a Derived<'a>, sources: &'a [SourceResult]) -> Self {
        let answer_of = |kind: SourceKind| {
            sources
                .iter()
                .find(|s| s.source == kind)
                .and_then(SourceResult::answer)
        };
        Self {
            derived,
            sources,
            answers: Answers {
                kube: answer_of(SourceKind::KubeDns),
                sidecar: answer_of(SourceKind::Sidecar),
            },
        }
    }
}

/// The answers the rules compare, by layer.
struct Answers<'a> {
    kube: Option<&'a Answer>,
    sidecar: Option<&'a Answer>,
}

/// What one rule found.
#[derive(Default)]
struct RuleOutput {
    findings: Vec<Finding>,
    /// The rule accounts for kube-dns and the sidecar answering differently.
    explains_sidecar_vs_kube: bool,
}

impl RuleOutput {
    fn add(&mut self, code: Code, severity: Severity, summary: String, evidence: Vec<Evidence>) {
        self.findings.push(Finding {
            code,
            severity,
            summary,
            evidence,
        });
    }
}

/// A finding with whether it explains the kube-dns/sidecar difference.
struct Explained {
    finding: Finding,
    explains_sidecar_vs_kube: bool,
}

/// One explanation rule.
pub struct Rule {
    /// A name for tests and docs.
    pub name: &'static str,
    /// Every code the rule may emit.
    pub codes: &'static [Code],
    run: fn(&RuleInput<'_>) -> RuleOutput,
}

/// Every rule but the closing ones. The order is only the order findings are collected in.
pub const RULES: &[Rule] = &[
    rule("unreachable", unreachable::CODES, unreachable::run),
    rule("capture-off", capture_off::CODES, capture_off::run),
    rule(
        "stale-dns-cache",
        stale_dns_cache::CODES,
        stale_dns_cache::run,
    ),
    rule(
        "stale-control-plane",
        stale_control_plane::CODES,
        stale_control_plane::run,
    ),
    rule("sidecar-state", sidecar_state::CODES, sidecar_state::run),
    rule(
        "search-domain-cname",
        by_design::SEARCH_DOMAIN_CNAME,
        by_design::search_domain_cname,
    ),
    rule("short-name", by_design::SHORT_NAME, by_design::short_name),
    rule(
        "mesh-only-name",
        by_design::MESH_ONLY_NAME,
        by_design::mesh_only_name,
    ),
    rule(
        "auto-allocated-vip",
        by_design::AUTO_ALLOCATED_VIP,
        by_design::auto_allocated_vip,
    ),
    rule(
        "nodata-vs-nxdomain",
        by_design::NODATA_VS_NXDOMAIN,
        by_design::nodata_vs_nxdomain,
    ),
    rule("mesh-ttl", by_design::MESH_TTL, by_design::mesh_ttl),
    rule("forwarded", forwarded::CODES, forwarded::run),
    rule("service-shapes", service_shapes::CODES, service_shapes::run),
];

const fn rule(
    name: &'static str,
    codes: &'static [Code],
    run: fn(&RuleInput<'_>) -> RuleOutput,
) -> Rule {
    Rule { name, codes, run }
}

/// Every code a rule may emit, the closing rules' and the search walk's included, sorted.
pub fn declared_codes() -> Vec<Code> {
    let mut codes: Vec<Code> = RULES
        .iter()
        .flat_map(|r| r.codes.iter().copied())
        .chain(unexplained::CODES.iter().copied())
        .chain(crate::walk::CODES.iter().copied())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Explains every difference between the layers at one candidate.
pub fn explain(derived: &Derived<'_>, sources: &[SourceResult]) -> Vec<Finding> {
    let input = RuleInput::new(derived, sources);
    let mut found: Vec<Explained> = RULES
        .iter()
        .flat_map(|rule| {
            let out = (rule.run)(&input);
            let explains = out.explains_sidecar_vs_kube;
            out.findings.into_iter().map(move |finding| Explained {
                finding,
                explains_sidecar_vs_kube: explains,
            })
        })
        .collect();
    let closing = unexplained::sidecar_vs_kube(&input, &found);
    found.extend(closing.into_iter().map(|finding| Explained {
        finding,
        explains_sidecar_vs_kube: false,
    }));
    // The expectation's closing rule sees every other finding, the first closing rule's too.
    let expectation = unexplained::expectation(&input, &found);
    let mut list: Vec<Finding> = found
        .into_iter()
        .map(|f| f.finding)
        .chain(expectation)
        .collect();
    let worst_of = |code: Code, list: &[Finding]| {
        list.iter()
            .filter(|f| f.code == code)
            .map(|f| f.severity)
            .max()
    };
    let worst: Vec<Option<Severity>> = list.iter().map(|f| worst_of(f.code, &list)).collect();
    let mut kept = worst.iter();
    list.retain(|f| kept.next().is_some_and(|w| *w == Some(f.severity)));
    list.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    list
}

/// An answer shaped like the agent's own: AA set and every record at the fixed mesh TTL.
pub fn looks_synthesized(answer: &Answer) -> bool {
    answer.authoritative
        && !answer.records.is_empty()
        && answer.records.iter().all(|r| r.ttl_s == istio::MESH_TTL)
}

#[cfg(test)]
mod tests;
