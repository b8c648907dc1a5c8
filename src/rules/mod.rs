//! The explanation rules, as a table: each rule is a small pure function over one candidate's
//! derived predictions and the layers' answers, declares the finding codes it may emit, and says
//! whether its findings account for the difference between kube-dns and the sidecar. Rules share
//! no state and run in any order; the closing rules (`unexplained`) run last and read the others'
//! findings, to call a difference nobody explained a fault.
//!
//! Two findings of one code at one candidate are kept both, except that a more severe one hides a
//! milder one (a headless Service without endpoints is a warning, not also the info that it is
//! headless).

pub mod evidence;
mod service_shapes;
mod stale_dns_cache;
mod unexplained;
mod unreachable;

use crate::derive::Derived;
use crate::finding::{Code, Finding, Severity};
use crate::model::{Answer, Evidence, Layer, SourceResult};

/// What every rule reads: the predictions derived for the candidate and the layers' results.
pub struct RuleInput<'a> {
    pub derived: &'a Derived<'a>,
    pub sources: &'a [SourceResult],
    pub answers: Answers<'a>,
}

impl<'a> RuleInput<'a> {
    /// The input of the rules for one candidate.
    pub fn new(derived: &'a Derived<'a>, sources: &'a [SourceResult]) -> Self {
        let answer_of = |kind: Layer| {
            sources
                .iter()
                .find(|s| s.source == kind)
                .and_then(SourceResult::answer)
        };
        Self {
            derived,
            sources,
            answers: Answers {
                kube: answer_of(Layer::KUBE_DNS),
                sidecar: answer_of(Layer::SIDECAR),
            },
        }
    }
}

/// The answers the rules compare, by layer.
pub struct Answers<'a> {
    pub kube: Option<&'a Answer>,
    pub sidecar: Option<&'a Answer>,
}

/// What one rule found.
#[derive(Default)]
pub struct RuleOutput {
    pub findings: Vec<Finding>,
    /// The rule accounts for kube-dns and the sidecar answering differently.
    pub explains_sidecar_vs_kube: bool,
}

impl RuleOutput {
    /// Adds a finding.
    pub fn add(
        &mut self,
        code: Code,
        severity: Severity,
        summary: String,
        evidence: Vec<Evidence>,
    ) {
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

/// The core's rules: those that hold whatever the mesh. Each mesh adds its own
/// ([`crate::mesh::Mesh::rules`]). The order is only the order findings are collected in.
pub const RULES: &[Rule] = &[
    Rule::new("unreachable", unreachable::CODES, unreachable::run),
    Rule::new(
        "stale-dns-cache",
        stale_dns_cache::CODES,
        stale_dns_cache::run,
    ),
    Rule::new("service-shapes", service_shapes::CODES, service_shapes::run),
];

impl Rule {
    /// The rule `name`, which may emit `codes`.
    pub const fn new(
        name: &'static str,
        codes: &'static [Code],
        run: fn(&RuleInput<'_>) -> RuleOutput,
    ) -> Self {
        Self { name, codes, run }
    }
}

/// Every code the core may emit: its rules', the closing rules' and the search walk's.
pub fn core_codes() -> Vec<Code> {
    RULES
        .iter()
        .flat_map(|r| r.codes.iter().copied())
        .chain(unexplained::CODES.iter().copied())
        .chain(crate::walk::CODES.iter().copied())
        .collect()
}

/// Explains every difference between the layers at one candidate, by the core's rules and
/// `mesh_rules`.
pub fn explain(
    derived: &Derived<'_>,
    sources: &[SourceResult],
    mesh_rules: &[Rule],
) -> Vec<Finding> {
    let input = RuleInput::new(derived, sources);
    let mut found: Vec<Explained> = RULES
        .iter()
        .chain(mesh_rules)
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

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
