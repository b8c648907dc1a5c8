//! The JSON shapes every document shares (findings, evidence, records), serialize-only and apart
//! from the domain types, so that a contract changes only on purpose.

use serde::Serialize;

use crate::finding::Finding;
use crate::model::{Evidence, Record};

/// One finding.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    code: &'static str,
    severity: &'static str,
    summary: &'a str,
    evidence: Vec<JsonEvidence<'a>>,
    /// What to do about it, in brief, from the code's documentation.
    what_to_do: Option<String>,
    /// The code's documentation (`meshdig explain CODE` prints it).
    reference: String,
}

impl<'a> JsonFinding<'a> {
    /// The JSON shape of `finding`.
    pub fn of(finding: &'a Finding) -> Self {
        Self {
            code: finding.code.as_str(),
            severity: finding.severity.as_str(),
            summary: &finding.summary,
            evidence: finding.evidence.iter().map(JsonEvidence::of).collect(),
            what_to_do: crate::explain::what_to_do(finding.code),
            reference: crate::explain::reference(finding.code),
        }
    }

    /// The JSON shapes of `findings`.
    pub fn all(findings: &'a [Finding]) -> Vec<Self> {
        findings.iter().map(Self::of).collect()
    }
}

/// One piece of evidence.
#[derive(Serialize)]
struct JsonEvidence<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<&'a str>,
}

impl<'a> JsonEvidence<'a> {
    fn of(evidence: &'a Evidence) -> Self {
        Self {
            kind: &evidence.kind,
            namespace: evidence.namespace.as_deref(),
            name: &evidence.name,
            field: evidence.field.as_deref(),
            value: evidence.value.as_deref(),
            cluster: evidence.cluster.as_deref(),
        }
    }
}

/// One resource record.
#[derive(Serialize)]
pub struct JsonRecord<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    rtype: &'a str,
    ttl_s: u32,
    data: &'a str,
}

impl<'a> JsonRecord<'a> {
    /// The JSON shapes of `records`.
    pub fn all(records: &'a [Record]) -> Vec<Self> {
        records
            .iter()
            .map(|r| Self {
                name: &r.name,
                rtype: &r.rtype,
                ttl_s: r.ttl_s,
                data: &r.data,
            })
            .collect()
    }
}
