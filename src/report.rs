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

    /// True when `layer` answered at the decisive candidate and its answer differs (rcode or
    /// record set) from the answer of the layer the app asks: the cells a table highlights.
    pub fn differs_from_app(&self, layer: Layer) -> bool {
        let answer = |wanted: Layer| {
            self.sources
                .iter()
                .find(|s| s.source == wanted)
                .and_then(SourceResult::answer)
        };
        match (answer(layer), answer(self.app_source)) {
            (Some(theirs), Some(app)) => !theirs.same_as(app),
            _ => false,
        }
    }

    /// True when the app ends up with something else through `layer`'s walk than through its own.
    pub fn walk_differs_from_app(&self, layer: Layer) -> bool {
        let Some(walk) = &self.walk else {
            return false;
        };
        let gets = |wanted: Layer| walk.layer(wanted).map(|l| &l.answer);
        gets(self.app_source).is_some_and(|app| gets(layer).is_some_and(|theirs| theirs != app))
    }
}
