//! The resolution: what the app ends up with for the name it asks. A relative name is diffed at
//! every candidate of its search walk, through every layer; this module judges the whole walk.
//! Pure: per-candidate diffs and the walk come in, one [`Report`] goes out.
//!
//! The rules (docs/search.md, "The verdict follows the app"):
//! - A candidate counts when the app's resolver reaches it through the layer it uses (the sidecar
//!   when it captures DNS, else kube-dns), or a resolver asking kube-dns directly does. Its
//!   findings keep their severity. A layer that could not be asked at all walks no path.
//! - A finding at a candidate that no resolver reaches does not count: nobody sees that answer. It
//!   stays in that candidate's own verdict (`walk.candidates`).
//! - The same cause found at several candidates (same code, same evidence) is reported once.
//! - The report's `sources` are the layers' answers at the app's decisive candidate: where its walk
//!   stops, or the last candidate it asks.

use crate::finding::{Finding, Verdict};
use crate::model::{Evidence, Layer};
use crate::report::Report;
use hickory_proto::rr::RecordType;

use crate::query::QueryName;
use crate::search::{AddressFamily, Libc, ResolvConf};
use crate::walk::{self, CandidateAnswers, CandidateVerdict, WalkReport};

/// The layers whose walks decide which candidates count: the app's, and kube-dns asked directly.
fn deciding_layers(app: Layer) -> [Layer; 2] {
    [app, Layer::KUBE_DNS]
}

/// The diff of one candidate and query type: every layer's answer to it, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateDiff {
    pub name: String,
    pub rtype: RecordType,
    pub report: Report,
}

/// How the app's resolver walks the name: what it typed, under which resolv.conf, with which
/// library and address family, and through which layer.
#[derive(Clone, Copy)]
pub struct AppWalk<'a> {
    pub name: &'a QueryName,
    pub conf: &'a ResolvConf,
    pub libc: Libc,
    pub family: AddressFamily,
    /// The layer the app's queries go through: the sidecar when it captures DNS, else kube-dns.
    pub app: Layer,
}

/// Walks every layer through the candidates' answers and judges the resolution: the report of the
/// app's decisive candidate, with the findings and verdict of the whole resolution and the walk
/// attached. `None` when no candidate was diffed.
pub fn judge(how: AppWalk<'_>, candidates: Vec<CandidateDiff>) -> Option<Report> {
    let answers: Vec<CandidateAnswers<'_>> = candidates
        .iter()
        .map(|c| CandidateAnswers {
            name: &c.name,
            rtype: c.rtype,
            sources: &c.report.sources,
        })
        .collect();
    let walk = walk::walk(how.name, how.conf, how.libc, how.family, &answers);
    let walk_findings = walk::findings(&walk, how.name, how.app);
    drop(answers);
    judge_walk(candidates, walk, walk_findings, how.app)
}

/// [`judge`] once the walk is known; `walk_findings` are the walk's own (`ndots-amplification`,
/// `search-walk-divergence`).
fn judge_walk(
    candidates: Vec<CandidateDiff>,
    mut walk: WalkReport,
    walk_findings: Vec<Finding>,
    app: Layer,
) -> Option<Report> {
    let reached = |name: &str| {
        deciding_layers(app)
            .iter()
            .filter_map(|layer| walk.layer(*layer))
            .filter(|l| l.replied)
            .any(|l| l.reached(name))
    };
    let decisive = decisive_candidate(&walk, app);
    let mut findings = Vec::new();
    let mut verdict = Verdict::Consistent;
    // The decisive candidate's findings first: a cause found at several candidates is told there.
    let mut counted: Vec<&CandidateDiff> = candidates.iter().filter(|c| reached(&c.name)).collect();
    counted.sort_by_key(|c| Some(&c.name) != decisive.as_ref());
    for candidate in counted {
        verdict = verdict.worse(candidate.report.verdict);
        for finding in &candidate.report.findings {
            push_unique(&mut findings, finding.clone());
        }
    }
    let mut verdicts = Vec::new();
    for candidate in &candidates {
        let counts = reached(&candidate.name);
        verdicts.push(CandidateVerdict {
            name: candidate.name.clone(),
            rtype: candidate.rtype.to_string(),
            reached: counts,
            verdict: candidate.report.verdict,
            findings: candidate.report.findings.clone(),
        });
    }
    for finding in walk_findings {
        push_unique(&mut findings, finding);
    }
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    if verdict == Verdict::Consistent && walks_differ(&walk) {
        verdict = Verdict::Explained;
    }
    walk.candidates = verdicts;
    let mut report = candidates
        .into_iter()
        .find(|c| Some(&c.name) == decisive.as_ref())?
        .report;
    report.findings = findings;
    report.verdict = verdict;
    report.walk = Some(walk);
    Some(report)
}

/// The candidate whose answers the report shows: where the app's walk stops; when it finds no
/// address, the candidate on its path where the expectation (or else kube-dns) stops, which is
/// where the app should have got its answer; else the last one it asked.
fn decisive_candidate(walk: &WalkReport, app: Layer) -> Option<String> {
    let path = walk
        .layer(app)
        .filter(|l| l.replied)
        .or_else(|| walk.layer(Layer::KUBE_DNS))?;
    if path.answered_by.is_some() {
        return path.decisive.clone();
    }
    [Layer::EXPECTED, Layer::KUBE_DNS]
        .iter()
        .filter_map(|layer| walk.layer(*layer))
        .filter_map(|l| l.answered_by.clone())
        .find(|stop| path.reached(stop))
        .or_else(|| path.decisive.clone())
}

/// True when the resolvers' walks end differently: another name, answer or number of queries.
fn walks_differ(walk: &WalkReport) -> bool {
    let ends: Vec<_> = walk
        .layers
        .iter()
        .filter(|l| l.missing.is_empty())
        .map(|l| (&l.answered_by, &l.answer))
        .collect();
    ends.windows(2).any(|pair| pair[0] != pair[1])
}

/// Adds `finding` unless the same cause is already there: the same code and the same objects
/// behind it (the answers seen may differ from candidate to candidate). A more severe occurrence
/// replaces a milder one.
fn push_unique(findings: &mut Vec<Finding>, finding: Finding) {
    match findings
        .iter_mut()
        .find(|f| f.code == finding.code && cause(f) == cause(&finding))
    {
        Some(existing) if existing.severity < finding.severity => *existing = finding,
        Some(_) => {}
        None => findings.push(finding),
    }
}

/// The evidence that names a cause: the objects, or the answers when nothing else is named.
fn cause(finding: &Finding) -> Vec<&Evidence> {
    let objects: Vec<&Evidence> = finding
        .evidence
        .iter()
        .filter(|e| e.kind != "Answer")
        .collect();
    if objects.is_empty() {
        finding.evidence.iter().collect()
    } else {
        objects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::mesh::istio_sidecar::codes;
    use crate::model::{Answer, Rcode, Record};
    use crate::model::{Outcome, SourceResult};
    use crate::report::{AskedQuestion, From};

    /// The diff of `name` (type A) where kube-dns and the sidecar answer so, with `findings`.
    fn candidate(
        name: &str,
        kube: Answer,
        sidecar: Answer,
        findings: Vec<Finding>,
    ) -> CandidateDiff {
        let verdict = if findings.iter().any(|f| f.severity == Severity::Error) {
            Verdict::Discrepancy
        } else {
            Verdict::Consistent
        };
        let source = |kind, answer| SourceResult::new(kind, Outcome::Answered(answer), None);
        CandidateDiff {
            name: name.to_string(),
            rtype: RecordType::A,
            report: Report {
                question: AskedQuestion {
                    input: "web".into(),
                    fqdn: name.into(),
                    rtype: "A".into(),
                    derivation: None,
                },
                from: From {
                    namespace: "shop".into(),
                    pod: Some("client".into()),
                    proxy: "istio sidecar".into(),
                    mesh: None,
                    proxy_kind: None,
                    captures_dns: true,
                },
                sources: vec![
                    source(Layer::KUBE_DNS, kube),
                    source(Layer::SIDECAR, sidecar),
                ],
                app_source: Layer::SIDECAR,
                walk: None,
                findings,
                verdict,
            },
        }
    }

    fn stale(at: &str) -> Finding {
        Finding {
            code: codes::STALE_SIDECAR,
            severity: Severity::Error,
            summary: format!("stale at {at}"),
            evidence: vec![Evidence::object("Service", Some("shop"), "web")],
        }
    }

    fn nx() -> Answer {
        Answer::empty(Rcode::NxDomain, true)
    }

    fn a(name: &str, ip: &str) -> Answer {
        Answer::records(vec![Record::new(name, "A", 30, ip)], true)
    }

    #[test]
    fn findings_count_only_where_a_resolver_reaches() {
        let conf = ResolvConf {
            search: vec!["shop.svc.cluster.local".into(), "svc.cluster.local".into()],
            ndots: 5,
            ..Default::default()
        };
        let name = QueryName::parse("web").unwrap();
        let first = "web.shop.svc.cluster.local.";
        let second = "web.svc.cluster.local.";
        let candidates = vec![
            candidate(first, a(first, "10.0.0.1"), a(first, "10.0.0.1"), vec![]),
            candidate(second, nx(), nx(), vec![stale(second)]),
        ];
        let how = AppWalk {
            name: &name,
            conf: &conf,
            libc: Libc::Glibc,
            family: AddressFamily::Inet,
            app: Layer::SIDECAR,
        };
        let judged = judge(how, candidates).unwrap();
        assert_eq!(judged.question.fqdn, first);
        assert!(judged.findings.is_empty(), "{:?}", judged.findings);
        assert_eq!(judged.verdict, Verdict::Consistent);
        let walk = judged.walk.unwrap();
        let unreached = &walk.candidates[1];
        assert!(!unreached.reached);
        assert_eq!(unreached.verdict, Verdict::Discrepancy);
        assert_eq!(unreached.findings[0].code, codes::STALE_SIDECAR);
    }

    #[test]
    fn one_cause_at_two_reached_candidates_is_reported_once_at_its_worst() {
        let mut findings = Vec::new();
        let mut mild = stale("x");
        mild.severity = Severity::Info;
        push_unique(&mut findings, mild);
        push_unique(&mut findings, stale("y"));
        push_unique(&mut findings, stale("z"));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
    }
}
