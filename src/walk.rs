//! The search walk, per layer: every candidate the app's resolver (glibc or musl) asks for a
//! relative name, what each layer (kube-dns, the sidecar, the control plane's table, the expected
//! answer) gives each candidate, where each layer's walk stops, and what it costs.
//! Pure: the per-candidate diffs come in, a [`WalkReport`] and its findings go out.

use hickory_proto::rr::RecordType;

use crate::finding::{Code, Finding, Severity};
use crate::model::{Answer, Evidence, Layer, Outcome, Record, SourceResult};
use crate::query::QueryName;
use crate::search::{self, AddressFamily, GiveUp, Libc, Reply, ResolvConf, WalkEnd};

/// The codes the walk's own findings may have.
pub const CODES: &[Code] = &[Code::NDOTS_AMPLIFICATION, Code::SEARCH_WALK_DIVERGENCE];

/// Walks that send more queries than this before an answer get an amplification finding.
const AMPLIFICATION_QUERIES: usize = 3;

/// What every layer answered one candidate and query type: what the walk reads.
#[derive(Debug, Clone, Copy)]
pub struct CandidateAnswers<'a> {
    pub name: &'a str,
    pub rtype: RecordType,
    pub sources: &'a [SourceResult],
}

/// The walk of one name through every layer.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkReport {
    pub libc: &'static str,
    pub ndots: usize,
    pub search: Vec<String>,
    pub layers: Vec<LayerWalk>,
    /// Every candidate diffed, in the order the resolver asks them, with its own verdict.
    pub candidates: Vec<CandidateVerdict>,
}

/// One candidate's own judgement: what its layers' answers alone say.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateVerdict {
    pub name: String,
    pub rtype: String,
    /// True when the app's resolver, or one asking kube-dns directly, reaches this candidate; only
    /// then do its findings count.
    pub reached: bool,
    pub verdict: crate::finding::Verdict,
    pub findings: Vec<Finding>,
}

impl WalkReport {
    /// The walk of `source`, when that layer took part.
    pub fn layer(&self, source: Layer) -> Option<&LayerWalk> {
        self.layers.iter().find(|l| l.source == source)
    }
}

/// One layer's walk.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerWalk {
    pub source: Layer,
    /// Each name the resolver asked, in order, with each type's answer.
    pub steps: Vec<WalkStep>,
    /// The name whose addresses the app gets, if any.
    pub answered_by: Option<String>,
    /// The candidate that decides what the app gets: where the walk stops, or the last one asked.
    pub decisive: Option<String>,
    /// What the app ends up with through this layer, in brief (the answer at `answered_by`).
    pub answer: Option<String>,
    /// How the walk ended, in words.
    pub end: String,
    /// DNS queries the library sends, resends included ([`search::Walk::sent`]).
    pub queries: usize,
    /// Candidates whose answers were not recorded; the walk is cut there.
    pub missing: Vec<String>,
    /// True when the layer answered at least one query; a layer that could not be asked at all
    /// walks no real path.
    pub replied: bool,
}

impl LayerWalk {
    /// True when the walk reached `candidate`.
    pub fn reached(&self, candidate: &str) -> bool {
        self.steps.iter().any(|s| s.name == candidate)
    }
}

/// One candidate of a walk.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkStep {
    pub name: String,
    /// The answer to each query sent for this name.
    pub answers: Vec<StepAnswer>,
}

/// One query of a walk step and its answer in brief.
#[derive(Debug, Clone, PartialEq)]
pub struct StepAnswer {
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

/// The layers that answer queries; the others are predictions of what they should answer.
const RESOLVERS: [Layer; 2] = [Layer::KUBE_DNS, Layer::SIDECAR];

/// The layers in walk order: the resolvers first, then the predictions.
const LAYERS: [Layer; 4] = [
    Layer::KUBE_DNS,
    Layer::SIDECAR,
    Layer::CONTROL_PLANE,
    Layer::EXPECTED,
];

/// Walks `name` through each layer's answers in `candidates` as `libc` would. A layer takes part
/// when it has a say at some candidate; where the control plane's table or the expectation has
/// none (the proxy forwards), the walk follows kube-dns's answer, which is what the proxy passes on.
pub fn walk(
    name: &QueryName,
    conf: &ResolvConf,
    libc: Libc,
    family: AddressFamily,
    candidates: &[CandidateAnswers<'_>],
) -> WalkReport {
    let layers = LAYERS
        .into_iter()
        .filter(|layer| takes_part(*layer, candidates))
        .map(|layer| layer_walk(name, conf, libc, family, layer, candidates))
        .collect();
    WalkReport {
        libc: match libc {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
        },
        ndots: conf.ndots,
        search: conf.search.clone(),
        layers,
        candidates: Vec::new(),
    }
}

fn takes_part(layer: Layer, candidates: &[CandidateAnswers<'_>]) -> bool {
    candidates
        .iter()
        .filter_map(|c| own_outcome(c.sources, layer))
        .any(|o| !matches!(o, Outcome::NotApplicable(_)))
}

fn own_outcome(sources: &[SourceResult], layer: Layer) -> Option<&Outcome> {
    sources
        .iter()
        .find(|s| s.source == layer)
        .map(|s| &s.outcome)
}

/// What `layer` gives the resolver at one candidate; `None`: not recorded. A prediction that
/// leaves the answer to the upstream (the proxy forwards, or a CNAME leaves the cluster domain)
/// is completed by kube-dns's answer, which is what the resolver then gets.
fn layer_outcome(sources: &[SourceResult], layer: Layer) -> Option<&Outcome> {
    let own = own_outcome(sources, layer)?;
    let predicted = matches!(layer, Layer::CONTROL_PLANE | Layer::EXPECTED);
    let upstream =
        own_outcome(sources, Layer::KUBE_DNS).filter(|o| !matches!(o, Outcome::NotApplicable(_)));
    match own {
        Outcome::NotApplicable(_) if predicted => upstream,
        Outcome::NotApplicable(_) => None,
        Outcome::Answered(answer) if predicted && leaves_zone(answer) => match upstream {
            Some(Outcome::Answered(kube)) if extends(kube, answer) => upstream,
            _ => Some(own),
        },
        outcome => Some(outcome),
    }
}

/// True for a CNAME chain without addresses: its target is answered elsewhere.
fn leaves_zone(answer: &Answer) -> bool {
    !answer.has_addresses() && answer.records.iter().any(|r| r.rtype == "CNAME")
}

/// True when `longer` carries every record of `shorter`, with the same code.
fn extends(longer: &Answer, shorter: &Answer) -> bool {
    let have: Vec<_> = longer.records.iter().map(Record::identity).collect();
    longer.rcode == shorter.rcode && shorter.records.iter().all(|r| have.contains(&r.identity()))
}

fn layer_walk(
    name: &QueryName,
    conf: &ResolvConf,
    libc: Libc,
    family: AddressFamily,
    source: Layer,
    candidates: &[CandidateAnswers<'_>],
) -> LayerWalk {
    let mut steps: Vec<WalkStep> = Vec::new();
    let mut missing = Vec::new();
    let mut answers = Vec::new();
    let mut replied = false;
    let walked = search::walk(name, conf, libc, family, |candidate, rtype| {
        let outcome = candidates
            .iter()
            .find(|c| c.name == candidate && c.rtype == rtype)
            .and_then(|c| layer_outcome(c.sources, source));
        let (reply, brief) = match outcome {
            Some(Outcome::Answered(answer)) => (Reply::of(answer, rtype), answer.brief()),
            Some(Outcome::Error(why)) => (Reply::Timeout, format!("error: {why}")),
            Some(Outcome::NotApplicable(_) | Outcome::NotRecorded(_)) | None => {
                if !missing.iter().any(|m| m == candidate) {
                    missing.push(candidate.to_string());
                }
                // Unknown: treated as NXDOMAIN so the walk shape stays the library's.
                (
                    Reply::Empty(crate::model::Rcode::NxDomain),
                    "not recorded".to_string(),
                )
            }
        };
        if reply == Reply::Records {
            answers.push((candidate.to_string(), brief.clone()));
        }
        replied |= matches!(outcome, Some(Outcome::Answered(_)));
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
    let queries = walked.sent;
    let (answered_by, end) = ending(&walked.end, !missing.is_empty());
    let answer = answered_by.as_ref().map(|by| {
        answers
            .iter()
            .filter(|(name, _)| name == by)
            .map(|(_, brief)| brief.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    });
    LayerWalk {
        source,
        decisive: answered_by.clone().or_else(|| walked.asked.last().cloned()),
        steps,
        answered_by,
        answer,
        end,
        queries,
        missing,
        replied,
    }
}

/// Where a layer's walk ended (the candidate that answered, if any), in words; `unrecorded`: some
/// candidates were not recorded.
fn ending(end: &WalkEnd, unrecorded: bool) -> (Option<String>, String) {
    match end {
        WalkEnd::Answered(by) => (Some(by.clone()), format!("answered at {by}")),
        WalkEnd::NotFound if unrecorded => (
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
pub fn findings(walk: &WalkReport, name: &QueryName, app: Layer) -> Vec<Finding> {
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
            code: Code::NDOTS_AMPLIFICATION,
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
        .filter(|l| l.source != app && RESOLVERS.contains(&l.source))
    {
        if other.answered_by != app_walk.answered_by {
            out.push(Finding {
                code: Code::SEARCH_WALK_DIVERGENCE,
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
    use crate::model::Rcode;

    fn answer(name: &str, ip: Option<&str>) -> Answer {
        match ip {
            Some(ip) => Answer::records(vec![Record::new(name, "A", 30, ip)], true),
            None => Answer::empty(Rcode::NxDomain, true),
        }
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
        let names = search::candidates(&name, &conf, Libc::Glibc);
        let sources: Vec<Vec<SourceResult>> = names
            .iter()
            .map(|c| {
                let ip = (c == "api.example.com.").then_some("203.0.113.7");
                let answered = Outcome::Answered(answer(c, ip));
                vec![SourceResult::new(Layer::KUBE_DNS, answered, None)]
            })
            .collect();
        let candidates: Vec<CandidateAnswers<'_>> = names
            .iter()
            .zip(&sources)
            .map(|(name, sources)| CandidateAnswers {
                name,
                rtype: RecordType::A,
                sources,
            })
            .collect();
        let report = walk(&name, &conf, Libc::Glibc, AddressFamily::Inet, &candidates);
        let layer = report.layer(Layer::KUBE_DNS).unwrap();
        assert_eq!(layer.answered_by.as_deref(), Some("api.example.com."));
        assert_eq!(layer.decisive.as_deref(), Some("api.example.com."));
        assert_eq!(layer.answer.as_deref(), Some("203.0.113.7"));
        assert_eq!(layer.queries, 4);
        assert!(layer.missing.is_empty());
        let found = findings(&report, &name, Layer::KUBE_DNS);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::NDOTS_AMPLIFICATION);
        assert!(
            found[0]
                .summary
                .contains("sends 4 queries, 3 of them before the answer"),
            "{}",
            found[0].summary
        );
    }
}
