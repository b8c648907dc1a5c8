//! CI checks: the expectation file format (YAML or JSON, `docs/check.md`) and the pure evaluation of
//! a diff report against one expectation.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};
use crate::finding::{Code, Severity, Verdict};
use crate::model::{Answer, Layer, Outcome, Rcode, SourceResult};
use crate::query::{QueryName, QueryType};
use crate::report::Report;

/// The only check file version this build reads.
pub const CHECK_FILE_VERSION: u32 = 1;

/// A loaded, validated check file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckFile {
    /// Must be 1.
    pub version: u32,
    /// Values every expectation inherits unless it sets its own.
    #[serde(default)]
    pub defaults: Defaults,
    pub expectations: Vec<Expectation>,
}

/// Inherited values.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub from: Option<String>,
    pub namespace: Option<String>,
}

/// Which layer's answer an expectation's answer assertions look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckedLayer {
    /// The answer the app gets: the sidecar's when it captures DNS, else kube-dns's.
    #[default]
    App,
    KubeDns,
    Sidecar,
    ControlPlane,
    Expected,
}

/// One expectation: a question and what must hold of its diff.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    #[serde(deserialize_with = "query_name")]
    pub name: QueryName,
    #[serde(default, rename = "type", deserialize_with = "query_type")]
    pub rtype: Option<QueryType>,
    pub from: Option<String>,
    pub namespace: Option<String>,
    /// Free text shown in reports.
    pub description: Option<String>,
    #[serde(default)]
    pub layer: CheckedLayer,
    /// The layer answers with at least one record of the asked type (true), or does not (false).
    pub resolves: Option<bool>,
    /// The layer's rcode.
    pub rcode: Option<Rcode>,
    /// Every layer that answered agrees (verdict `consistent`), or not.
    pub layers_agree: Option<bool>,
    /// The layer's addresses equal this set.
    pub addresses: Option<Vec<IpAddr>>,
    /// Every address of the layer lies in one of these CIDRs (and there is at least one).
    pub addresses_in: Option<Vec<IpNet>>,
    /// None of these finding codes appears.
    #[serde(default, deserialize_with = "finding_codes")]
    pub no_findings: Vec<Code>,
    /// No finding is more severe than this.
    pub max_severity: Option<Severity>,
    /// Every live source answered within this many milliseconds.
    pub max_rtt_ms: Option<f64>,
}

/// Finding codes, each one a rule declares ([`crate::mesh::declared_codes`]).
fn finding_codes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Vec<Code>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|text| {
            crate::mesh::code_named(text).ok_or_else(|| {
                let known: Vec<&str> = crate::mesh::declared_codes()
                    .into_iter()
                    .map(Code::as_str)
                    .collect();
                serde::de::Error::custom(format!(
                    "unknown finding code {}; expected one of {}",
                    crate::error::quoted(text),
                    known.join(", ")
                ))
            })
        })
        .collect()
}

fn query_name<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<QueryName, D::Error> {
    let text = String::deserialize(deserializer)?;
    QueryName::parse(&text).map_err(serde::de::Error::custom)
}

fn query_type<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<QueryType>, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

impl Expectation {
    /// The record type asked: the given one, or A (PTR for an address).
    pub fn query_type(&self) -> QueryType {
        self.rtype.unwrap_or_else(|| self.name.default_type())
    }

    fn asserts_something(&self) -> bool {
        self.resolves.is_some()
            || self.rcode.is_some()
            || self.layers_agree.is_some()
            || self.addresses.is_some()
            || self.addresses_in.is_some()
            || !self.no_findings.is_empty()
            || self.max_severity.is_some()
            || self.max_rtt_ms.is_some()
    }
}

/// Reads and validates a check file: JSON when it ends in `.json`, YAML otherwise. Errors name the
/// file, the line and the field.
pub async fn load(path: &Path) -> Result<CheckFile> {
    let cannot = |e: &dyn std::fmt::Display| {
        Error::CheckFile(format!(
            "cannot read {}: {e}",
            crate::error::quoted(&path.display().to_string())
        ))
    };
    let bytes = crate::input::read_bounded(path, crate::input::MAX_INPUT_BYTES)
        .await
        .map_err(|e| cannot(&e))?;
    let text = String::from_utf8(bytes).map_err(|_| cannot(&"it is not UTF-8 text"))?;
    parse(&text, path)
}

/// Parses and validates check-file `text` read from `path`, which names the file in errors and
/// chooses the format: JSON when it ends in `.json`, YAML otherwise.
pub fn parse(text: &str, path: &Path) -> Result<CheckFile> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if is_json {
        from_json(text)
    } else {
        from_yaml(text)
    };
    let file = parsed.map_err(|(line, field, message)| {
        let at = line.map_or(String::new(), |l| format!(":{l}"));
        let field = if field.is_empty() || field == "." {
            String::new()
        } else {
            format!(" at {field}")
        };
        Error::CheckFile(format!(
            "{}{at}{field}: {message}",
            PathBuf::from(path).display()
        ))
    })?;
    if file.version != CHECK_FILE_VERSION {
        return Err(Error::CheckFile(format!(
            "{}: version {} is not supported; this meshdig reads check files of version {CHECK_FILE_VERSION}",
            path.display(),
            file.version
        )));
    }
    if file.expectations.is_empty() {
        return Err(Error::CheckFile(format!(
            "{}: `expectations` is empty; add at least one",
            path.display()
        )));
    }
    if let Some(index) = file
        .expectations
        .iter()
        .position(|e| !e.asserts_something())
    {
        return Err(Error::CheckFile(format!(
            "{} at expectations[{index}]: the expectation asserts nothing; add resolves, rcode, layers_agree, addresses, addresses_in, no_findings, max_severity or max_rtt_ms",
            path.display()
        )));
    }
    if let Some((index, max)) = file.expectations.iter().enumerate().find_map(|(i, e)| {
        e.max_rtt_ms
            .filter(|m| !(m.is_finite() && *m > 0.0))
            .map(|m| (i, m))
    }) {
        return Err(Error::CheckFile(format!(
            "{} at expectations[{index}].max_rtt_ms: {max} is not a positive number of milliseconds",
            path.display()
        )));
    }
    Ok(file)
}

type ParseError = (Option<usize>, String, String);

fn from_yaml(text: &str) -> std::result::Result<CheckFile, ParseError> {
    serde_path_to_error::deserialize(serde_yaml_ng::Deserializer::from_str(text)).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let line = inner.location().map(|l| l.line());
        let message = strip_location(&inner.to_string());
        (line, field, message)
    })
}

fn from_json(text: &str) -> std::result::Result<CheckFile, ParseError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let message = strip_location(&inner.to_string());
        ((inner.line() > 0).then_some(inner.line()), field, message)
    })
}

/// Drops the parser's own path prefix (`expectations[0]: `) and "at line L column C" suffix; the
/// caller names the path and the line itself.
fn strip_location(message: &str) -> String {
    let message = match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') => rest,
        _ => message,
    };
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// How one expectation fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// A layer the expectation needs could not be asked.
    Error,
}

impl Status {
    /// The status as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Error => "error",
        }
    }
}

/// The evaluation of one expectation against its diff.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub status: Status,
    /// What did not hold (Fail) or why it could not be judged (Error).
    pub reasons: Vec<String>,
}

/// Judges `report` against `expectation`.
pub fn evaluate(expectation: &Expectation, report: &Report) -> Evaluation {
    let mut failures = Vec::new();
    let needs_answer = expectation.resolves.is_some()
        || expectation.rcode.is_some()
        || expectation.addresses.is_some()
        || expectation.addresses_in.is_some();
    if needs_answer {
        let kind = layer_source(expectation.layer, report);
        let source = report
            .sources
            .iter()
            .find(|s| s.source == kind)
            .expect("every report has all four sources");
        match &source.outcome {
            Outcome::Answered(answer) => {
                check_answer(expectation, kind, answer, report, &mut failures)
            }
            Outcome::Error(why) => {
                return Evaluation {
                    status: Status::Error,
                    reasons: vec![format!("{kind} could not be asked: {why}")],
                };
            }
            Outcome::NotApplicable(why) => {
                failures.push(format!("{kind} gave no answer to check: {why}"))
            }
        }
    }
    let answered = report.answered_layers();
    if let Some(agree) = expectation.layers_agree
        && report.verdict != Verdict::Incomplete
        && answered.len() >= 2
    {
        let consistent = report.verdict == Verdict::Consistent;
        if consistent != agree {
            failures.push(format!(
                "expected the layers to {}agree, but the verdict is {}",
                if agree { "" } else { "dis" },
                report.verdict
            ));
        }
    }
    // A source that could not be asked is not a finding about DNS: it makes the check incomplete.
    let judged = || {
        report
            .findings
            .iter()
            .filter(|f| f.code != Code::SOURCE_UNREACHABLE)
    };
    for code in &expectation.no_findings {
        if let Some(finding) = judged().find(|f| f.code == *code) {
            failures.push(format!("finding {code} is present: {}", finding.summary));
        }
    }
    if let Some(max) = expectation.max_severity {
        for finding in judged().filter(|f| f.severity > max) {
            failures.push(format!(
                "{} finding {} exceeds max_severity {max}: {}",
                finding.severity, finding.code, finding.summary
            ));
        }
    }
    if let Some(max) = expectation.max_rtt_ms {
        for source in report
            .sources
            .iter()
            .filter(|s| s.rtt_ms.is_some_and(|rtt| rtt > max))
        {
            failures.push(format!(
                "{} took {:.1} ms, over max_rtt_ms {max}",
                source.source,
                source.rtt_ms.unwrap_or_default()
            ));
        }
    }
    let unreachable: Vec<&SourceResult> = report
        .sources
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Error(_)))
        .collect();
    // Agreement and the absence of findings are judged over every layer.
    let over_all_layers = expectation.layers_agree.is_some()
        || !expectation.no_findings.is_empty()
        || expectation.max_severity.is_some();
    let status = if !failures.is_empty() {
        Status::Fail
    } else if expectation.layers_agree.is_some() && answered.len() < 2 {
        let only: Vec<&str> = answered.iter().map(|s| s.as_str()).collect();
        failures.push(format!(
            "only {} answered, so there is no agreement to judge",
            if only.is_empty() {
                "no layer".to_string()
            } else {
                only.join(", ")
            }
        ));
        Status::Error
    } else if over_all_layers && !unreachable.is_empty() {
        failures.extend(unreachable.iter().map(|s| {
            format!(
                "{} could not be asked, so the layers' agreement and findings cannot be judged",
                s.source
            )
        }));
        Status::Error
    } else {
        Status::Pass
    };
    Evaluation {
        status,
        reasons: failures,
    }
}

/// The source an expectation's answer assertions read.
pub fn layer_source(layer: CheckedLayer, report: &Report) -> Layer {
    match layer {
        CheckedLayer::App => report.app_source,
        CheckedLayer::KubeDns => Layer::KUBE_DNS,
        CheckedLayer::Sidecar => Layer::SIDECAR,
        CheckedLayer::ControlPlane => Layer::CONTROL_PLANE,
        CheckedLayer::Expected => Layer::EXPECTED,
    }
}

fn check_answer(
    expectation: &Expectation,
    kind: Layer,
    answer: &Answer,
    report: &Report,
    failures: &mut Vec<String>,
) {
    let asked = &report.question.rtype;
    let resolves = answer.rcode == Rcode::NoError
        && answer
            .records
            .iter()
            .any(|r| r.rtype.eq_ignore_ascii_case(asked));
    if let Some(expected) = expectation.resolves
        && expected != resolves
    {
        failures.push(format!(
            "expected {} to {}resolve {} {asked}, but it answered {}",
            kind,
            if expected { "" } else { "not " },
            report.question.fqdn,
            answer.brief()
        ));
    }
    if let Some(rcode) = expectation.rcode
        && rcode != answer.rcode
    {
        failures.push(format!(
            "expected rcode {rcode} from {kind}, got {}",
            answer.rcode
        ));
    }
    let addresses: BTreeSet<IpAddr> = answer.addresses().into_iter().collect();
    if let Some(expected) = &expectation.addresses {
        let expected: BTreeSet<IpAddr> = expected.iter().copied().collect();
        if expected != addresses {
            failures.push(format!(
                "expected addresses {} from {kind}, got {}",
                list(&expected),
                list(&addresses)
            ));
        }
    }
    if let Some(nets) = &expectation.addresses_in {
        let outside: BTreeSet<IpAddr> = addresses
            .iter()
            .copied()
            .filter(|ip| !nets.iter().any(|n| n.contains(ip)))
            .collect();
        if addresses.is_empty() {
            failures.push(format!(
                "expected addresses within {} from {kind}, got none",
                nets.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else if !outside.is_empty() {
            failures.push(format!(
                "{kind} answered {} outside {}",
                list(&outside),
                nets.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
}

fn list(ips: &BTreeSet<IpAddr>) -> String {
    if ips.is_empty() {
        "none".to_string()
    } else {
        ips.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> std::result::Result<CheckFile, ParseError> {
        from_yaml(yaml)
    }

    #[test]
    fn reads_yaml_and_names_line_and_field_of_mistakes() {
        let ok =
            parse("version: 1\nexpectations:\n  - name: reviews\n    resolves: true\n").unwrap();
        assert_eq!(ok.expectations[0].name.ascii(), "reviews");
        let (line, field, message) =
            parse("version: 1\nexpectations:\n  - name: reviews\n    resolvs: true\n").unwrap_err();
        assert_eq!((line, field.as_str()), (Some(4), "expectations[0].resolvs"));
        assert!(message.starts_with("unknown field `resolvs`"), "{message}");
        let (line, field, message) =
            parse("version: 1\nexpectations:\n  - name: a..b\n    resolves: true\n").unwrap_err();
        assert_eq!((line, field.as_str()), (Some(3), "expectations[0].name"));
        assert!(message.contains("label 2 is empty"), "{message}");
        let (_, field, message) =
            parse("version: 1\nexpectations:\n  - name: x\n    rcode: NXDOMIAN\n").unwrap_err();
        assert_eq!(field, "expectations[0].rcode");
        assert!(message.contains("unknown variant `NXDOMIAN`"), "{message}");
    }

    #[test]
    fn reads_json_too() {
        let file = from_json(r#"{"version": 1, "expectations": [{"name": "reviews", "type": "aaaa", "rcode": "NOERROR"}]}"#).unwrap();
        assert_eq!(file.expectations[0].query_type().to_string(), "AAAA");
        let (line, field, _) =
            from_json("{\"version\": 1,\n \"expectations\": [{\"name\": \"x\", \"bogus\": 1}]}")
                .unwrap_err();
        assert_eq!((line, field.as_str()), (Some(2), "expectations[0].bogus"));
    }
}
