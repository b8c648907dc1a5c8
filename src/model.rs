//! The pure answer model shared by sources, emulators, the diff and the renderers.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// A DNS response code, spelled as dig prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Rcode {
    NoError,
    FormErr,
    ServFail,
    NxDomain,
    NotImp,
    Refused,
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoError => "NOERROR",
            Self::FormErr => "FORMERR",
            Self::ServFail => "SERVFAIL",
            Self::NxDomain => "NXDOMAIN",
            Self::NotImp => "NOTIMP",
            Self::Refused => "REFUSED",
        })
    }
}

/// One resource record in presentation form.
///
/// `data` is the RDATA as dig prints it (`10.96.0.1`, `0 100 9080 reviews.bookinfo.svc.cluster.local.`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub ttl_s: u32,
    pub data: String,
}

impl Record {
    /// A record owned by `name` (any case, with or without trailing dot).
    pub fn new(name: &str, rtype: &str, ttl_s: u32, data: impl Into<String>) -> Self {
        Self {
            name: canonical_name(name),
            rtype: rtype.to_ascii_uppercase(),
            ttl_s,
            data: data.into(),
        }
    }

    /// The record with TTL removed and names and addresses in canonical form, for set comparison.
    /// Borrows from the record where it is already canonical, so comparing answers rarely allocates.
    pub fn identity(&self) -> RecordIdentity<'_> {
        let rtype = if self.rtype.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(self.rtype.to_ascii_uppercase())
        } else {
            Cow::Borrowed(self.rtype.as_str())
        };
        let data = match self.data.parse::<IpAddr>() {
            Ok(ip) => RecordData::Address(ip),
            Err(_) => RecordData::Text(lowercase(&self.data)),
        };
        RecordIdentity {
            name: canonical_name_cow(&self.name),
            rtype,
            data,
        }
    }

    /// The address this record carries, for A and AAAA records.
    pub fn ip(&self) -> Option<IpAddr> {
        (self.rtype.eq_ignore_ascii_case("A") || self.rtype.eq_ignore_ascii_case("AAAA"))
            .then(|| self.data.parse().ok())
            .flatten()
    }
}

/// Lower-cases a name and gives it a trailing dot.
pub fn canonical_name(name: &str) -> String {
    canonical_name_cow(name).into_owned()
}

/// [`canonical_name`], borrowing `name` when it already is canonical.
fn canonical_name_cow(name: &str) -> Cow<'_, str> {
    match lowercase(name) {
        lower if lower.ends_with('.') => lower,
        lower => Cow::Owned(lower.into_owned() + "."),
    }
}

fn lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// A record without its TTL, in canonical form: what makes two records the same.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordIdentity<'a> {
    name: Cow<'a, str>,
    rtype: Cow<'a, str>,
    data: RecordData<'a>,
}

/// Canonical RDATA: addresses compared as addresses (so `::ffff:0:1` and its long form match),
/// anything else lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum RecordData<'a> {
    Address(IpAddr),
    Text(Cow<'a, str>),
}

/// A complete DNS answer: what a source said, or what an emulator predicts it must say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub rcode: Rcode,
    /// The AA flag.
    #[serde(default)]
    pub authoritative: bool,
    #[serde(default)]
    pub records: Vec<Record>,
}

impl Answer {
    /// NOERROR with the given records.
    pub fn records(records: Vec<Record>, authoritative: bool) -> Self {
        Self {
            rcode: Rcode::NoError,
            authoritative,
            records,
        }
    }

    /// An answer with no records and the given code.
    pub fn empty(rcode: Rcode, authoritative: bool) -> Self {
        Self {
            rcode,
            authoritative,
            records: Vec::new(),
        }
    }

    /// NOERROR with no answer records: the name exists but has no record of the asked type.
    pub fn is_nodata(&self) -> bool {
        self.rcode == Rcode::NoError && self.records.is_empty()
    }

    /// True when the answer carries at least one record of type `A` or `AAAA`.
    pub fn has_addresses(&self) -> bool {
        self.records.iter().any(|r| r.ip().is_some())
    }

    /// The addresses in the answer, sorted.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut ips: Vec<IpAddr> = self.records.iter().filter_map(Record::ip).collect();
        ips.sort();
        ips
    }

    /// The answer's identity for comparison: rcode and the record set without TTLs or order.
    pub fn identity(&self) -> (Rcode, Vec<RecordIdentity<'_>>) {
        let mut set: Vec<_> = self.records.iter().map(Record::identity).collect();
        set.sort();
        set.dedup();
        (self.rcode, set)
    }

    /// True when both answers carry the same rcode and record set, whatever the TTLs and order.
    pub fn same_as(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }

    /// This answer restricted to records owned by names under `zone` (e.g. `cluster.local.`).
    pub fn within_zone(&self, zone: &str) -> Self {
        let suffix = canonical_name(zone);
        Self {
            records: self
                .records
                .iter()
                .filter(|r| in_zone(&r.name, &suffix))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// A short human summary: the rcode, or the record data joined.
    pub fn brief(&self) -> String {
        if self.rcode != Rcode::NoError {
            return self.rcode.to_string();
        }
        if self.records.is_empty() {
            return "NODATA".to_string();
        }
        self.record_lines().join(", ")
    }

    /// Each record as people read it (`10.0.0.1`, `CNAME x.`), in answer order except that each
    /// run of addresses is sorted, so that two layers' address sets read alike.
    pub fn record_lines(&self) -> Vec<String> {
        let mut records: Vec<&Record> = self.records.iter().collect();
        for run in records.chunk_by_mut(|a, b| a.ip().is_some() && b.ip().is_some()) {
            run.sort_by_key(|r| r.ip());
        }
        records
            .into_iter()
            .map(|r| match r.rtype.as_str() {
                "A" | "AAAA" => r.data.clone(),
                other => format!("{other} {}", r.data),
            })
            .collect()
    }
}

/// True when canonical `name` equals or lies below canonical `zone`.
pub fn in_zone(name: &str, zone: &str) -> bool {
    let name = canonical_name(name);
    name == zone || name.ends_with(&format!(".{zone}"))
}

/// One layer meshdig compares: a server it asks, or a prediction. Layers are an open list: the
/// core's four below, and whichever a new source adds to [`Layer::KNOWN`]. Layers sort in the
/// order reports show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Layer {
    rank: u8,
    name: &'static str,
}

impl Layer {
    /// The cluster DNS service (CoreDNS), asked directly.
    pub const KUBE_DNS: Self = Self::new(10, "kube-dns");
    /// The mesh DNS proxy beside the workload, whichever mesh runs it (istio-agent on 15053, …).
    pub const SIDECAR: Self = Self::new(20, "sidecar");
    /// The answer the control plane's name table for this proxy implies.
    pub const CONTROL_PLANE: Self = Self::new(30, "control-plane");
    /// The answer the Kubernetes DNS spec and the mesh's rules predict from the cluster's objects.
    pub const EXPECTED: Self = Self::new(40, "expected");
    /// Every layer this build knows, in report order.
    pub const KNOWN: &[Self] = &[
        Self::KUBE_DNS,
        Self::SIDECAR,
        Self::CONTROL_PLANE,
        Self::EXPECTED,
    ];

    /// A layer named `name`, shown at `rank` among the others.
    pub const fn new(rank: u8, name: &'static str) -> Self {
        Self { rank, name }
    }

    /// The known layer named `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::KNOWN.iter().copied().find(|l| l.name == name)
    }

    /// The name used in JSON, tables and snapshot files.
    pub fn as_str(self) -> &'static str {
        self.name
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a source's answer came to be, when that can be told from the answer or the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Synthesized by the mesh proxy from its name table (AA set, TTL fixed at 30).
    NameTable,
    /// Passed through from the proxy's upstream resolver.
    Forwarded,
    /// Served by CoreDNS's kubernetes plugin with its configured TTL.
    Kubernetes,
    /// Served from a cache: the TTL is below the configured one and counting down.
    Cache,
    /// Predicted by the Kubernetes DNS specification.
    KubernetesSpec,
    /// Predicted by the mesh proxy's rules over a name table built from the objects.
    MeshRules,
}

impl Origin {
    /// The origin as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NameTable => "name-table",
            Self::Forwarded => "forwarded",
            Self::Kubernetes => "kubernetes",
            Self::Cache => "cache",
            Self::KubernetesSpec => "kubernetes-spec",
            Self::MeshRules => "mesh-rules",
        }
    }
}

/// What asking one source produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The source answered (any rcode, including SERVFAIL).
    Answered(Answer),
    /// The source could not be asked or gave no usable answer; the text says why.
    Error(String),
    /// The source has no say for this question (no proxy, name not in the table, …); the text says why.
    NotApplicable(String),
    /// A snapshot holds no answer of the source to this question: nothing was asked, so nothing is
    /// known (never a pass); the text says how to record it.
    NotRecorded(String),
}

/// One source's result in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceResult {
    pub source: Layer,
    pub outcome: Outcome,
    pub origin: Option<Origin>,
    pub rtt_ms: Option<f64>,
    pub transport: Option<String>,
}

impl SourceResult {
    /// A result with no timing or transport (emulated sources).
    pub fn new(source: Layer, outcome: Outcome, origin: Option<Origin>) -> Self {
        Self {
            source,
            outcome,
            origin,
            rtt_ms: None,
            transport: None,
        }
    }

    /// The answer, when the source answered.
    pub fn answer(&self) -> Option<&Answer> {
        match &self.outcome {
            Outcome::Answered(answer) => Some(answer),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_compare_as_sets_without_ttl() {
        let a = Answer::records(
            vec![
                Record::new("x.", "A", 5, "10.0.0.1"),
                Record::new("X", "A", 5, "10.0.0.2"),
            ],
            false,
        );
        let b = Answer::records(
            vec![
                Record::new("x.", "A", 30, "10.0.0.2"),
                Record::new("x.", "a", 30, "10.0.0.1"),
            ],
            true,
        );
        assert!(a.same_as(&b));
        assert!(!a.same_as(&Answer::empty(Rcode::NoError, false)));
    }

    #[test]
    fn nodata_and_nxdomain_differ() {
        assert!(
            !Answer::empty(Rcode::NoError, true).same_as(&Answer::empty(Rcode::NxDomain, true))
        );
    }

    #[test]
    fn zone_filter_keeps_in_zone_owners_only() {
        let answer = Answer::records(
            vec![
                Record::new(
                    "db.default.svc.cluster.local.",
                    "CNAME",
                    5,
                    "db.example.com.",
                ),
                Record::new("db.example.com.", "A", 300, "192.0.2.1"),
            ],
            true,
        );
        assert_eq!(answer.within_zone("cluster.local").records.len(), 1);
    }
}

/// A pointer to what caused a finding: an object and the field that matters, or a source's answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    /// A Kubernetes kind (`Service`, `EndpointSlice`, `ServiceEntry`, `Sidecar`, `Pod`, `ConfigMap`),
    /// `NameTable` (the control plane's table for a proxy) or `Answer` (a source's answer).
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The field path inside the object (`spec.addresses`, `endpoints[0].addresses`, …).
    pub field: Option<String>,
    /// The field's value, as text.
    pub value: Option<String>,
    /// The cluster the object lives in, when it is not the local one.
    pub cluster: Option<String>,
}

impl Evidence {
    /// Evidence pointing at `kind` `namespace/name`.
    pub fn object(kind: &str, namespace: Option<&str>, name: &str) -> Self {
        Self {
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            field: None,
            value: None,
            cluster: None,
        }
    }

    /// The same evidence, located in remote cluster `cluster` (no change for `None`).
    pub fn in_cluster(mut self, cluster: Option<&str>) -> Self {
        self.cluster = cluster.map(str::to_string);
        self
    }

    /// The same evidence narrowed to `field`, holding `value`.
    pub fn field(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self.value = Some(value.into());
        self
    }
}
