//! The JSON contract of `meshdig diff -o json` (documented in `docs/json.md`): serialize-only DTOs,
//! kept apart from the domain types so that the contract changes only on purpose.

use serde::Serialize;

use super::dto::{JsonFinding, JsonRecord};
use crate::error::ExitCode;
use crate::model::{Outcome, SourceResult};
use crate::report::Report;
use crate::walk::{CandidateVerdict, LayerWalk, WalkReport, WalkStep};

/// The version of the JSON document; bumped only when a field is renamed, removed or changes
/// meaning. 2: `query.name` and `sources` describe the app's decisive candidate, and `walk` became
/// `resolution`.
pub const JSON_SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    meshdig_version: &'static str,
    /// What the app gets and why, in one line for people.
    summary: String,
    query: Query<'a>,
    from: From<'a>,
    sources: Vec<Source<'a>>,
    /// The layer whose answer the app gets.
    app_source: &'static str,
    /// The layers that answered at `query.name`: what the verdict compared.
    answered_layers: Vec<&'static str>,
    /// The resolution of a relative name: every candidate through every layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution: Option<Resolution<'a>>,
    verdict: &'static str,
    exit_code: u8,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct Query<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    rtype: &'a str,
    input: &'a str,
    derivation: Option<&'a str>,
}

#[derive(Serialize)]
struct From<'a> {
    namespace: &'a str,
    pod: Option<&'a str>,
    proxy: &'a str,
    mesh: Option<&'static str>,
    proxy_kind: Option<&'a str>,
    captures_dns: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Answered,
    Error,
    NotApplicable,
    NotRecorded,
}

#[derive(Serialize)]
struct Source<'a> {
    source: &'static str,
    /// True for the layer that intercepts the app's DNS queries before kube-dns.
    intercepts_dns: bool,
    status: Status,
    rcode: Option<String>,
    records: Vec<JsonRecord<'a>>,
    rtt_ms: Option<f64>,
    authoritative: Option<bool>,
    error: Option<&'a str>,
    origin: Option<&'static str>,
    transport: Option<&'a str>,
    note: Option<&'a str>,
}

impl<'a> Source<'a> {
    fn from_result(result: &'a SourceResult, report: &Report) -> Self {
        let (status, answer, error, note) = match &result.outcome {
            Outcome::Answered(answer) => (Status::Answered, Some(answer), None, None),
            Outcome::Error(why) => (Status::Error, None, Some(why.as_str()), None),
            Outcome::NotApplicable(why) => (Status::NotApplicable, None, None, Some(why.as_str())),
            Outcome::NotRecorded(why) => (Status::NotRecorded, None, None, Some(why.as_str())),
        };
        Self {
            source: result.source.as_str(),
            intercepts_dns: report.intercepts_dns(result.source),
            status,
            rcode: answer.map(|a| a.rcode.to_string()),
            records: JsonRecord::all(answer.map_or(&[], |a| a.records.as_slice())),
            rtt_ms: result.rtt_ms,
            authoritative: answer.map(|a| a.authoritative),
            error,
            origin: result.origin.map(|o| o.as_str()),
            transport: result.transport.as_deref(),
            note,
        }
    }
}

#[derive(Serialize)]
struct Resolution<'a> {
    libc: &'a str,
    ndots: usize,
    search: &'a [String],
    layers: Vec<WalkLayer<'a>>,
    candidates: Vec<Candidate<'a>>,
}

impl<'a> Resolution<'a> {
    fn from_walk(walk: &'a WalkReport) -> Self {
        Self {
            libc: walk.libc,
            ndots: walk.ndots,
            search: &walk.search,
            layers: walk.layers.iter().map(WalkLayer::from_walk).collect(),
            candidates: walk
                .candidates
                .iter()
                .map(Candidate::from_verdict)
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct WalkLayer<'a> {
    source: &'static str,
    answered_by: Option<&'a str>,
    decisive: Option<&'a str>,
    answer: Option<&'a str>,
    end: &'a str,
    queries: usize,
    missing: &'a [String],
    steps: Vec<Step<'a>>,
}

impl<'a> WalkLayer<'a> {
    fn from_walk(layer: &'a LayerWalk) -> Self {
        Self {
            source: layer.source.as_str(),
            answered_by: layer.answered_by.as_deref(),
            decisive: layer.decisive.as_deref(),
            answer: layer.answer.as_deref(),
            end: &layer.end,
            queries: layer.queries,
            missing: &layer.missing,
            steps: layer.steps.iter().map(Step::of).collect(),
        }
    }
}

/// One candidate of a layer's walk, with the answer to each query sent for it.
#[derive(Serialize)]
struct Step<'a> {
    name: &'a str,
    answers: Vec<StepAnswer<'a>>,
}

#[derive(Serialize)]
struct StepAnswer<'a> {
    #[serde(rename = "type")]
    rtype: &'a str,
    answer: &'a str,
}

impl<'a> Step<'a> {
    fn of(step: &'a WalkStep) -> Self {
        Self {
            name: &step.name,
            answers: step
                .answers
                .iter()
                .map(|a| StepAnswer {
                    rtype: &a.rtype,
                    answer: &a.answer,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct Candidate<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    rtype: &'a str,
    reached: bool,
    verdict: &'static str,
    findings: Vec<JsonFinding<'a>>,
}

impl<'a> Candidate<'a> {
    fn from_verdict(candidate: &'a CandidateVerdict) -> Self {
        Self {
            name: &candidate.name,
            rtype: &candidate.rtype,
            reached: candidate.reached,
            verdict: candidate.verdict.as_str(),
            findings: JsonFinding::all(&candidate.findings),
        }
    }
}

/// Renders `report` as one pretty-printed JSON document with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut text =
        serde_json::to_string_pretty(&to_value(report)).expect("report DTOs always serialize");
    text.push('\n');
    text
}

/// The JSON document of `report`, for embedding in other documents (check results).
pub fn to_value(report: &Report) -> serde_json::Value {
    let document = Document {
        schema_version: JSON_SCHEMA_VERSION,
        meshdig_version: env!("CARGO_PKG_VERSION"),
        summary: report.summary(),
        query: Query {
            name: &report.question.fqdn,
            rtype: &report.question.rtype,
            input: &report.question.input,
            derivation: report.question.derivation.as_deref(),
        },
        from: From {
            namespace: &report.from.namespace,
            pod: report.from.pod.as_deref(),
            proxy: &report.from.proxy,
            mesh: report.from.mesh,
            proxy_kind: report.from.proxy_kind.as_deref(),
            captures_dns: report.from.captures_dns,
        },
        sources: report
            .sources
            .iter()
            .map(|s| Source::from_result(s, report))
            .collect(),
        app_source: report.app_source.as_str(),
        answered_layers: report
            .answered_layers()
            .into_iter()
            .map(|l| l.as_str())
            .collect(),
        resolution: report.walk.as_ref().map(Resolution::from_walk),
        verdict: report.verdict.as_str(),
        exit_code: ExitCode::of_verdict(report.verdict).code(),
        findings: JsonFinding::all(&report.findings),
    };
    serde_json::to_value(&document).expect("report DTOs always serialize")
}
