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
    /// Where the file was read from and its text, to name the line of a field in later errors.
    #[serde(skip)]
    origin: Origin,
}

/// A check file's name and text.
#[derive(Debug, Default)]
struct Origin {
    path: PathBuf,
    text: String,
}

/// Inherited values.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default, deserialize_with = "workload_spec")]
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
    #[serde(default, deserialize_with = "workload_spec")]
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

fn workload_spec<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    crate::workload::parse_spec(&text).map_err(serde::de::Error::custom)?;
    Ok(Some(text))
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
            crate::error::shown_path(path)
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
    let parsed = if is_json(path) {
        from_json(text)
    } else {
        from_yaml(text)
    };
    let shown = crate::error::shown_path(path);
    let mut file = parsed.map_err(|(line, field, message)| {
        let at = line.map_or(String::new(), |l| format!(":{l}"));
        let field = if field.is_empty() || field == "." || field == "?" {
            String::new()
        } else {
            format!(" at {}", crate::error::plain(&field))
        };
        Error::CheckFile(format!("{shown}{at}{field}: {message}"))
    })?;
    file.origin = Origin {
        path: path.to_path_buf(),
        text: text.to_string(),
    };
    if file.version != CHECK_FILE_VERSION {
        return Err(Error::CheckFile(format!(
            "{}: version {} is not supported; this meshdig reads check files of version {CHECK_FILE_VERSION}",
            file.place(&[Step::Key("version")]),
            file.version
        )));
    }
    if file.expectations.is_empty() {
        return Err(Error::CheckFile(format!(
            "{}: `expectations` is empty; add at least one",
            file.place(&[Step::Key("expectations")])
        )));
    }
    if let Some(index) = file
        .expectations
        .iter()
        .position(|e| !e.asserts_something())
    {
        return Err(Error::CheckFile(format!(
            "{}: the expectation asserts nothing; add resolves, rcode, layers_agree, addresses, addresses_in, no_findings, max_severity or max_rtt_ms",
            file.place(&[Step::Key("expectations"), Step::Index(index)])
        )));
    }
    if let Some((index, max)) = file.expectations.iter().enumerate().find_map(|(i, e)| {
        e.max_rtt_ms
            .filter(|m| !(m.is_finite() && *m > 0.0))
            .map(|m| (i, m))
    }) {
        return Err(Error::CheckFile(format!(
            "{}: {max} is not a positive number of milliseconds",
            file.place(&[
                Step::Key("expectations"),
                Step::Index(index),
                Step::Key("max_rtt_ms")
            ])
        )));
    }
    Ok(file)
}

impl CheckFile {
    /// `FILE:LINE at FIELD`: where the value at `path` is written (the line when it can be found).
    fn place(&self, path: &[Step<'_>]) -> String {
        let line = line_of(&self.origin.text, is_json(&self.origin.path), path)
            .map_or(String::new(), |l| format!(":{l}"));
        let field = path
            .iter()
            .map(|step| match step {
                Step::Key(key) => format!(".{key}"),
                Step::Index(i) => format!("[{i}]"),
            })
            .collect::<String>();
        format!(
            "{}{line} at {}",
            crate::error::shown_path(&self.origin.path),
            field.trim_start_matches('.')
        )
    }

    /// An error about the workload expectation `index` asks from, said of the file's `from`
    /// field (the expectation's own, or the defaults') instead of the `--from` flag.
    pub fn blame(&self, index: usize, error: Error) -> Error {
        let Error::UnknownWorkload(what) = error else {
            return error;
        };
        let place = match self.expectations.get(index).and_then(|e| e.from.as_ref()) {
            Some(_) => self.place(&[
                Step::Key("expectations"),
                Step::Index(index),
                Step::Key("from"),
            ]),
            None => self.place(&[Step::Key("defaults"), Step::Key("from")]),
        };
        Error::CheckFile(format!("{place}: {what}; fix `from` or `namespace` there"))
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// One step of a path into a check file: a key of a map or an index of a list.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The line of the value at `path` in check-file `text`: the file is read again, the read fails
/// on purpose at that value, and the parser's error says where it was.
fn line_of(text: &str, json: bool, path: &[Step<'_>]) -> Option<usize> {
    use serde::de::DeserializeSeed;
    if json {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let error = Locate(path).deserialize(&mut deserializer).err()?;
        error.to_string().contains(LOCATED).then(|| error.line())
    } else {
        let error = Locate(path)
            .deserialize(serde_yaml_ng::Deserializer::from_str(text))
            .err()?;
        let line = error.location().map(|l| l.line());
        line.filter(|_| error.to_string().contains(LOCATED))
    }
}

/// What [`Here`] expects: the error that names it is the one at the target.
const LOCATED: &str = "the located value";

/// Walks down `path` and fails at the value it names; everything else is skipped.
struct Locate<'p>(&'p [Step<'p>]);

impl<'de> serde::de::DeserializeSeed<'de> for Locate<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        if self.0.is_empty() {
            return deserializer.deserialize_any(Here);
        }
        deserializer.deserialize_any(self)
    }
}

/// Refuses whatever value it is given, so that the parser's error points at that value.
struct Here;

impl serde::de::Visitor<'_> for Here {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(LOCATED)
    }
}

impl<'de> serde::de::Visitor<'de> for Locate<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map or a list")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match self.0.first() {
                Some(Step::Key(wanted)) if *wanted == key => {
                    map.next_value_seed(Locate(&self.0[1..]))?
                }
                _ => map.next_value::<serde::de::IgnoredAny>().map(drop)?,
            }
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        let mut index = 0;
        loop {
            let found = match self.0.first() {
                Some(Step::Index(wanted)) if *wanted == index => {
                    seq.next_element_seed(Locate(&self.0[1..]))?
                }
                _ => seq.next_element::<serde::de::IgnoredAny>()?.map(drop),
            };
            if found.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }
}

type ParseError = (Option<usize>, String, String);

fn from_yaml(text: &str) -> std::result::Result<CheckFile, ParseError> {
    serde_path_to_error::deserialize(serde_yaml_ng::Deserializer::from_str(text)).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let line = inner.location().map(|l| l.line());
        let message = crate::error::plain(strip_location(&inner.to_string()));
        (line, field, message)
    })
}

fn from_json(text: &str) -> std::result::Result<CheckFile, ParseError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let at_end = |inner: serde_json::Error| {
        let message = crate::error::plain(strip_location(&inner.to_string()));
        (
            (inner.line() > 0).then_some(inner.line()),
            String::new(),
            message,
        )
    };
    let file = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = e.path().to_string();
        let (line, _, message) = at_end(e.into_inner());
        (line, field, message)
    })?;
    deserializer.end().map_err(at_end)?;
    Ok(file)
}

/// Drops the parser's own path prefix (`expectations[0]: `); the caller names the path itself.
fn strip_location(message: &str) -> &str {
    match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') => rest,
        _ => message,
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
    let mut failures = match answer_failures(expectation, report) {
        Ok(failures) => failures,
        Err(error) => return error,
    };
    failures.extend(agreement_failures(expectation, report));
    failures.extend(finding_failures(expectation, report));
    failures.extend(rtt_failures(expectation, report));
    let status = status_of(expectation, report, &mut failures);
    Evaluation {
        status,
        reasons: failures,
    }
}

/// What the expectation's answer assertions find wrong with its layer's answer; an evaluation of
/// its own when the layer could not be asked or was not recorded.
fn answer_failures(expectation: &Expectation, report: &Report) -> Result<Vec<String>, Evaluation> {
    let mut failures = Vec::new();
    let needs_answer = expectation.resolves.is_some()
        || expectation.rcode.is_some()
        || expectation.addresses.is_some()
        || expectation.addresses_in.is_some();
    if !needs_answer {
        return Ok(failures);
    }
    let kind = layer_source(expectation.layer, report);
    let error = |reason: String| Evaluation {
        status: Status::Error,
        reasons: vec![reason],
    };
    let Some(source) = report.sources.iter().find(|s| s.source == kind) else {
        return Err(error(format!("the report holds no {kind} layer")));
    };
    match &source.outcome {
        Outcome::Answered(answer) => check_answer(expectation, kind, answer, report, &mut failures),
        Outcome::Error(why) => return Err(error(format!("{kind} could not be asked: {why}"))),
        Outcome::NotRecorded(why) => return Err(error(format!("{kind}: {why}"))),
        Outcome::NotApplicable(why) => {
            failures.push(format!("{kind} gave no answer to check: {why}"));
        }
    }
    Ok(failures)
}

/// Whether the layers agree as `layers_agree` says, when at least two answered.
fn agreement_failures(expectation: &Expectation, report: &Report) -> Option<String> {
    let agree = expectation.layers_agree?;
    if report.verdict == Verdict::Incomplete || report.answered_layers().len() < 2 {
        return None;
    }
    ((report.verdict == Verdict::Consistent) != agree).then(|| {
        format!(
            "expected the layers to {}agree, but the verdict is {}",
            if agree { "" } else { "dis" },
            report.verdict
        )
    })
}

/// Findings `no_findings` forbids and those over `max_severity`. A source that could not be asked
/// (or was not recorded) is not a finding about DNS: it makes the check incomplete instead.
fn finding_failures(expectation: &Expectation, report: &Report) -> Vec<String> {
    let judged = || {
        report
            .findings
            .iter()
            .filter(|f| f.code != Code::SOURCE_UNREACHABLE && f.code != Code::NOT_RECORDED)
    };
    let mut failures = Vec::new();
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
    failures
}

/// Sources slower than `max_rtt_ms`.
fn rtt_failures(expectation: &Expectation, report: &Report) -> Vec<String> {
    let Some(max) = expectation.max_rtt_ms else {
        return Vec::new();
    };
    report
        .sources
        .iter()
        .filter(|s| s.rtt_ms.is_some_and(|rtt| rtt > max))
        .map(|s| {
            format!(
                "{} took {:.1} ms, over max_rtt_ms {max}",
                s.source,
                s.rtt_ms.unwrap_or_default()
            )
        })
        .collect()
}

/// Pass, fail, or could not be checked: agreement with fewer than two answers, or assertions over
/// every layer while one could not be asked, is an error with the reason added to `failures`.
fn status_of(expectation: &Expectation, report: &Report, failures: &mut Vec<String>) -> Status {
    if !failures.is_empty() {
        return Status::Fail;
    }
    let answered = report.answered_layers();
    if expectation.layers_agree.is_some() && answered.len() < 2 {
        let only: Vec<&str> = answered.iter().map(|s| s.as_str()).collect();
        failures.push(format!(
            "only {} answered, so there is no agreement to judge",
            if only.is_empty() {
                "no layer".to_string()
            } else {
                only.join(", ")
            }
        ));
        return Status::Error;
    }
    let unreachable: Vec<&SourceResult> = report
        .sources
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Error(_) | Outcome::NotRecorded(_)))
        .collect();
    // Agreement and the absence of findings are judged over every layer.
    let over_all_layers = expectation.layers_agree.is_some()
        || !expectation.no_findings.is_empty()
        || expectation.max_severity.is_some();
    if !over_all_layers || unreachable.is_empty() {
        return Status::Pass;
    }
    failures.extend(unreachable.iter().map(|s| {
        let why = match s.outcome {
            Outcome::NotRecorded(_) => "was not recorded in the snapshot",
            _ => "could not be asked",
        };
        format!(
            "{} {why}, so the layers' agreement and findings cannot be judged",
            s.source
        )
    }));
    Status::Error
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
