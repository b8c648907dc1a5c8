//! The result of one diff: every source's answer, the findings that explain the differences, and the verdict.

use crate::finding::{Finding, Severity, Verdict};
use crate::model::{Layer, Outcome, SourceResult};

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
    /// The mesh whose proxy runs beside the pod (its registered name, e.g. `istio-sidecar`).
    pub mesh: Option<&'static str>,
    /// The proxy's kind within its mesh (`sidecar`, `ambient`).
    pub proxy_kind: Option<String>,
    /// True when the mesh's DNS proxy captures the pod's queries ([`crate::workload::Workload::captures_dns`]).
    pub captures_dns: bool,
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

    /// True when `layer` is where the app's queries are intercepted before kube-dns: the layer the
    /// app asks, when a mesh DNS proxy captures them.
    pub fn intercepts_dns(&self, layer: Layer) -> bool {
        self.from.captures_dns && layer == self.app_source
    }

    /// One line on what the app gets and why: its answer through the layer it asks, and the
    /// reason for the verdict, by finding code.
    pub fn summary(&self) -> String {
        let codes = |least: Severity| {
            let mut codes: Vec<&str> = self
                .findings
                .iter()
                .filter(|f| f.severity >= least)
                .map(|f| f.code.as_str())
                .collect();
            codes.dedup();
            codes.join(", ")
        };
        let why = match self.verdict {
            Verdict::Consistent => "every layer agrees".to_string(),
            Verdict::Explained => match codes(Severity::Info) {
                none if none.is_empty() => "the layers differ by design".to_string(),
                codes => format!("the layers differ by design ({codes})"),
            },
            Verdict::Discrepancy => format!("a fault ({})", codes(Severity::Error)),
            Verdict::Incomplete => {
                format!(
                    "not every layer could be asked ({})",
                    codes(Severity::Warning)
                )
            }
        };
        format!(
            "the app gets {} through {}: {why}",
            self.app_gets(),
            self.app_source
        )
    }

    /// What the app ends up with through the layer it asks, in brief.
    fn app_gets(&self) -> String {
        if let Some(layer) = self.walk.as_ref().and_then(|w| w.layer(self.app_source)) {
            return match &layer.answer {
                Some(answer) => answer.clone(),
                None => "no address".to_string(),
            };
        }
        let app = self.sources.iter().find(|s| s.source == self.app_source);
        match app.map(|s| &s.outcome) {
            Some(Outcome::Answered(answer)) => answer.brief(),
            Some(Outcome::Error(_)) => "no answer (the layer could not be asked)".to_string(),
            _ => "no answer".to_string(),
        }
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
