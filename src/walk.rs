//! The search walk, per layer: every candidate the app's resolver (glibc or musl) asks for a
//! relative name, what kube-dns and the sidecar answer each, where the walk stops, and what it costs.
//! Pure: the answers come in, a [`WalkReport`] and its findings go out.

use std::collections::HashMap;

use hickory_proto::rr::RecordType;
use serde::Serialize;

use crate::model::{Evidence, Outcome, SourceKind, SourceResult};
use crate::query::QueryName;
use crate::report::{Code, Finding, Severity};
use crate::search::{self, AddressFamily, GiveUp, Libc, Reply, ResolvConf, WalkEnd};

/// Walks that send more queries than this before an answer get an amplification finding.
const AMPLIFICATION_QUERIES: usize = 3;

/// What one layer answered, keyed by candidate and type.
pub type LayerAnswers = HashMap<(String, RecordType), SourceResult>;

/// The walk of one name through every layer that answers the app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkReport {
    pub libc: &'static str,
    pub ndots: usize,
    pub search: Vec<String>,
    pub layers: Vec<LayerWalk>,
}

/// One layer's walk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerWalk {
    pub source: SourceKind,
    /// Each name the resolver asked, in order, with each type's answer.
    pub steps: Vec<WalkStep>,
    /// The name whose addresses the app gets, if any.
    pub answered_by: Option<String>,
    /// How the walk ended, in words.
    pub end: String,
    /// DNS queries sent (names × types).
    pub queries: usize,
    /// Candidates whose answers were not recorded; the walk is cut there.
    pub missing: Vec<String>,
}

/// One candidate of a walk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkStep {
    pub name: String,
    /// The answer to each query sent for this name.
    pub answers: Vec<StepAnswer>,
}

/// One query of a walk step and its answer in brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepAnswer {
    #[serde(rename = "type")]
    pub rtype: String,
    pub answer: String,
}

/// The address family getaddrinfo is asked for, from the question's type.
pub fn family_of(rtype: RecordType) -> Option<AddressFamily> {
    match rtype {
        RecordType::A => Some(AddressFamily::Inet),
        RecordType::AAAA => Some(AddressFamily::Inet6),
        _ => None,
    }
}

/// Walks `name` through each layer's answers as `libc` would.
pub fn walk(
    name: &QueryName,
    conf: &ResolvConf,
    libc: Libc,
    family: AddressFamily,
    layers: &[(SourceKind, &LayerAnswers)],
) -> WalkReport {
    let layers = layers
        .iter()
        .map(|(source, answers)| layer_walk(name, conf, libc, family, *source, answers))
        .collect();
    WalkReport {
        libc: match libc {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
        },
        ndots: conf.ndots,
        search: conf.search.clone(),
        layers,
    }
}

fn layer_walk(
    name: &QueryName,
    conf: &ResolvConf,
    libc: Libc,
    family: AddressFamily,
    source: SourceKind,
    answers: &LayerAnswers,
) -> LayerWalk {
    let mut steps: Vec<WalkStep> = Vec::new();
    let mut missing = Vec::new();
    let walked = search::walk(name, conf, libc, family, |candidate, rtype| {
        let (reply, brief) = match answers
            .get(&(candidate.to_string(), rtype))
            .map(|r| &r.outcome)
        {
            Some(Outcome::Answered(answer)) => (Reply::of(answer, rtype), answer.brief()),
            Some(Outcome::Error(why)) => (Reply::Timeout, format!("error: {why}")),
            Some(Outcome::NotApplicable(_)) | None => {
                if !missing.contains(&candidate.to_string()) {
                    missing.push(candidate.to_string());
                }
                // Unknown: treated as NXDOMAIN so the walk shape stays the library's.
                (
                    Reply::Empty(crate::model::Rcode::NxDomain),
                    "not recorded".to_string(),
                )
            }
        };
        let answer = StepAnswer {
            rtype: rtype.to_string(),
            answer: brief,
        };
        match steps.last_mut().filter(|s| s.name == candidate) {
            Some(step) => step.answers.push(answer),
            None => steps.push(WalkStep {
                name: candidate.to_string(),
                answers: vec![answer],
            }),
        }
        reply
    });
    let queries = walked.asked.len() * family.query_types().len();
    let (answered_by, end) = match &walked.end {
        WalkEnd::Answered(by) => (Some(by.clone()), format!("answered at {by}")),
        WalkEnd::NotFound if !missing.is_empty() => (
            None,
            "no recorded candidate has an address (some candidates were not recorded)".to_string(),
        ),
        WalkEnd::NotFound => (
            None,
            "no candidate has an address: the app gets a lookup failure".to_string(),
        ),
        WalkEnd::GaveUp { candidate, reason } => (
            None,
            format!("gave up at {candidate}: {}", give_up_text(*reason)),
        ),
    };
    LayerWalk {
        source,
        steps,
        answered_by,
        end,
        queries,
        missing,
    }
}

/// Why musl gave up, in words.
fn give_up_text(reason: GiveUp) -> &'static str {
    match reason {
        GiveUp::NoData => {
            "the name exists without an address of the asked family (NODATA; EAI_NONAME)"
        }
        GiveUp::NoUsableReply => {
            "no reply musl accepts (SERVFAIL, REFUSED or silence); the app waits the full timeout and gets EAI_AGAIN"
        }
        GiveUp::TooLong => "the candidate is longer than 253 characters (EAI_NONAME)",
        GiveUp::RootSearchDomain => {
            "a root search domain makes musl send a malformed query; the app gets EAI_AGAIN after the timeout"
        }
    }
}

/// Findings about the walk of the layer the app uses (`app`), compared with the other layers.
pub fn findings(walk: &WalkReport, name: &QueryName, app: SourceKind) -> Vec<Finding> {
    let mut out = Vec::new();
    let complete = |l: &&LayerWalk| l.missing.is_empty();
    let Some(app_walk) = walk
        .layers
        .iter()
        .filter(complete)
        .find(|l| l.source == app)
    else {
        return out;
    };
    let failed_first = app_walk
        .queries
        .saturating_sub(walk_queries_per_name(app_walk));
    if app_walk.queries > AMPLIFICATION_QUERIES {
        let reached = app_walk
            .answered_by
            .as_deref()
            .map_or("it gives up without an address".to_string(), |by| {
                format!("{failed_first} of them before the answer at {by}")
            });
        out.push(Finding {
            code: Code::NdotsAmplification,
            severity: Severity::Info,
            summary: format!(
                "'{}' has {} dot(s) against ndots:{}: the app's resolver ({}) sends {} queries, {reached}; end the name with a dot, or lower ndots in the pod's dnsConfig",
                name.ascii(),
                name.dots(),
                walk.ndots,
                walk.libc,
                app_walk.queries
            ),
            evidence: vec![Evidence::object("Answer", None, app.as_str()).field("walk", app_walk.end.clone())],
        });
    }
    for other in walk
        .layers
        .iter()
        .filter(complete)
        .filter(|l| l.source != app)
    {
        if other.answered_by != app_walk.answered_by {
            out.push(Finding {
                code: Code::SearchWalkDivergence,
                severity: Severity::Info,
                summary: format!(
                    "the app's resolver, through {app}: {}; asking {} directly instead: {}",
                    walk_outcome(app_walk),
                    other.source,
                    walk_outcome(other)
                ),
                evidence: vec![
                    Evidence::object("Answer", None, app.as_str())
                        .field("walk", app_walk.end.clone()),
                    Evidence::object("Answer", None, other.source.as_str())
                        .field("walk", other.end.clone()),
                ],
            });
        }
    }
    out
}

/// `stop at NAME after N queries` or `fail after N queries`.
fn walk_outcome(walk: &LayerWalk) -> String {
    let queries = if walk.queries == 1 {
        "1 query".to_string()
    } else {
        format!("{} queries", walk.queries)
    };
    match &walk.answered_by {
        Some(name) => format!("answer at {name} after {queries}"),
        None => format!("no answer after {queries} ({})", walk.end),
    }
}

/// Queries per asked name in a walk.
fn walk_queries_per_name(walk: &LayerWalk) -> usize {
    walk.steps.last().map_or(0, |s| s.answers.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Answer, Rcode, Record};

    fn answered(name: &str, ip: Option<&str>) -> SourceResult {
        let answer = match ip {
            Some(ip) => Answer::records(vec![Record::new(name, "A", 30, ip)], true),
            None => Answer::empty(Rcode::NxDomain, true),
        };
        SourceResult::new(SourceKind::KubeDns, Outcome::Answered(answer), None)
    }

    #[test]
    fn walks_to_the_first_answer_and_counts_queries() {
        let conf = ResolvConf {
            search: vec![
                "shop.svc.cluster.local".into(),
                "svc.cluster.local".into(),
                "cluster.local".into(),
            ],
            ndots: 5,
            ..ResolvConf::default()
        };
        let name = QueryName::parse("api.example.com").unwrap();
        let mut answers = LayerAnswers::new();
        for candidate in search::candidates(&name, &conf, Libc::Glibc) {
            let ip = (candidate == "api.example.com.").then_some("203.0.113.7");
            answers.insert((candidate.clone(), RecordType::A), answered(&candidate, ip));
        }
        let report = walk(
            &name,
            &conf,
            Libc::Glibc,
            AddressFamily::Inet,
            &[(SourceKind::KubeDns, &answers)],
        );
        let layer = &report.layers[0];
        assert_eq!(layer.answered_by.as_deref(), Some("api.example.com."));
        assert_eq!(layer.queries, 4);
        assert!(layer.missing.is_empty());
        let found = findings(&report, &name, SourceKind::KubeDns);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::NdotsAmplification);
        assert!(
            found[0]
                .summary
                .contains("sends 4 queries, 3 of them before the answer"),
            "{}",
            found[0].summary
        );
    }
}
