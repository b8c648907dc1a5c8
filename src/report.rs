//! The result of one diff: every source's answer, the findings that explain the differences, and the verdict.

use crate::finding::{Finding, Verdict};
use crate::model::{Layer, SourceResult};

/// The question as asked, with how it was derived from what the user typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedQuestion {
    /// The name as the user typed it.
    pub input: String,
    /// The fully-qualified name asked of every source.
    pub fqdn: String,
    pub rtype: String,
    /// How `fqdn` was derived from `input`, when it differs.
    pub derivation: Option<String>,
}

/// The asking workload, as shown in reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct From {
    pub namespace: String,
    pub pod: Option<String>,
    /// A one-line description of its mesh proxy and DNS capture.
    pub proxy: String,
}

/// Everything one `meshdig diff` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub question: AskedQuestion,
    pub from: From,
    pub sources: Vec<SourceResult>,
    /// The layer whose answer the app gets: the sidecar when it captures DNS, else kube-dns.
    pub app_source: Layer,
    /// The search walk of a relative name through each layer, when it was computed.
    pub walk: Option<crate::walk::WalkReport>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

impl Report {
    /// The layers that answered at the decisive candidate: what the verdict compared.
    pub fn answered_layers(&self) -> Vec<Layer> {
        self.sources
            .iter()
            .filter(|s| s.answer().is_some())
            .map(|s| s.source)
            .collect()
    }
}
