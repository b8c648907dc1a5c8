//! Findings and verdicts: how much a difference matters, the stable codes, one explained difference
//! with its evidence, and the overall judgement.

use std::fmt;

use serde::Deserialize;

use crate::model::Evidence;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// By design; nothing to do.
    Info,
    /// By design, but the app likely does not get what its author expects.
    Warning,
    /// A fault: a layer answers something no rule explains, or is behind the objects.
    Error,
}

impl Severity {
    /// The severity as written in JSON, check files and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable finding code, documented in `docs/findings.md`. The core declares its own codes here;
/// each mesh declares the codes its rules emit in its own folder (`src/mesh/<mesh>/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(&'static str);

impl Code {
    /// The code spelled `text` (kebab-case, as in JSON and docs).
    pub const fn new(text: &'static str) -> Self {
        Self(text)
    }

    /// A layer could not be asked.
    pub const SOURCE_UNREACHABLE: Self = Self::new("source-unreachable");
    /// A snapshot holds no answer of a layer to the question.
    pub const NOT_RECORDED: Self = Self::new("not-recorded");
    /// A difference no rule accounts for.
    pub const UNEXPLAINED_DIFFERENCE: Self = Self::new("unexplained-difference");
    /// kube-dns answers behind the objects.
    pub const STALE_DNS_CACHE: Self = Self::new("stale-dns-cache");
    /// A headless Service's answer is its endpoints.
    pub const HEADLESS_ENDPOINTS: Self = Self::new("headless-endpoints");
    /// An ExternalName Service answers a CNAME.
    pub const EXTERNALNAME_CNAME: Self = Self::new("externalname-cname");
    /// A short name costs queries through the search list.
    pub const NDOTS_AMPLIFICATION: Self = Self::new("ndots-amplification");
    /// Layers end the app's search walk at different candidates.
    pub const SEARCH_WALK_DIVERGENCE: Self = Self::new("search-walk-divergence");

    /// The code as written in JSON and docs.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One explained difference (or notable fact) with the objects behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub summary: String,
    pub evidence: Vec<Evidence>,
}

/// The overall judgement of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Verdict {
    /// The verdict as written in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consistent => "consistent",
            Self::Explained => "explained",
            Self::Discrepancy => "discrepancy",
            Self::Incomplete => "incomplete",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
