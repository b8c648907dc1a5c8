//! Findings and verdicts: how much a difference matters, the stable codes, one explained difference
//! with its evidence, and the overall judgement.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Evidence;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// By design; nothing to do.
    Info,
    /// By design, but the app likely does not get what its author expects.
    Warning,
    /// A fault: a layer answers something no rule explains, or is behind the objects.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// The stable finding codes, documented in `docs/findings.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    MeshOnlyName,
    AutoAllocatedVip,
    ServiceentryUnresolvable,
    StaleSidecar,
    StaleControlPlane,
    StaleDnsCache,
    DnsCaptureOff,
    SearchDomainCname,
    NodataVsNxdomain,
    ScopedOut,
    HeadlessEndpoints,
    ExternalnameCname,
    MeshTtl,
    NotSynced,
    SourceUnreachable,
    NotRecorded,
    MulticlusterEndpoints,
    NdotsAmplification,
    SearchWalkDivergence,
    UnexplainedDifference,
}

impl Code {
    /// The code as written in JSON and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MeshOnlyName => "mesh-only-name",
            Self::AutoAllocatedVip => "auto-allocated-vip",
            Self::ServiceentryUnresolvable => "serviceentry-unresolvable",
            Self::StaleSidecar => "stale-sidecar",
            Self::StaleControlPlane => "stale-control-plane",
            Self::StaleDnsCache => "stale-dns-cache",
            Self::DnsCaptureOff => "dns-capture-off",
            Self::SearchDomainCname => "search-domain-cname",
            Self::NodataVsNxdomain => "nodata-vs-nxdomain",
            Self::ScopedOut => "scoped-out",
            Self::HeadlessEndpoints => "headless-endpoints",
            Self::ExternalnameCname => "externalname-cname",
            Self::MeshTtl => "mesh-ttl",
            Self::NotSynced => "not-synced",
            Self::SourceUnreachable => "source-unreachable",
            Self::NotRecorded => "not-recorded",
            Self::MulticlusterEndpoints => "multicluster-endpoints",
            Self::NdotsAmplification => "ndots-amplification",
            Self::SearchWalkDivergence => "search-walk-divergence",
            Self::UnexplainedDifference => "unexplained-difference",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One explained difference (or notable fact) with the objects behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub summary: String,
    pub evidence: Vec<Evidence>,
}

/// The overall judgement of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every source that answered agrees, and nothing needs attention.
    Consistent,
    /// Sources differ (or something needs attention), and every difference is by design.
    Explained,
    /// At least one finding of severity error.
    Discrepancy,
    /// A source could not be asked, and nothing worse was found.
    Incomplete,
}

impl Verdict {
    /// The worse of two verdicts: discrepancy, then incomplete, then explained, then consistent.
    pub fn worse(self, other: Self) -> Self {
        let rank = |v: Self| match v {
            Self::Consistent => 0,
            Self::Explained => 1,
            Self::Incomplete => 2,
            Self::Discrepancy => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Consistent => "consistent",
            Self::Explained => "explained",
            Self::Discrepancy => "discrepancy",
            Self::Incomplete => "incomplete",
        })
    }
}
