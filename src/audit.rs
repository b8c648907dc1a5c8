//! Cluster-wide audits: which names a workload can see, and the summary of their diffs grouped by
//! finding code. Pure: names and reports in, an [`AuditReport`] out.

use std::collections::BTreeMap;

use crate::emulate::kube_dns::{ServiceShape, published, shape};
use crate::finding::{Code, Severity, Verdict};
use crate::objects::{Objects, ns_name};
use crate::report::Report;

/// The names an audit diffs: every Service's FQDN, every headless endpoint's per-pod name, and the
/// names of every mesh's own objects (ServiceEntry hosts, wildcards excepted), in `namespace` or
/// everywhere (`None`), sorted.
pub fn names(objects: &Objects, domain: &str, namespace: Option<&str>) -> Vec<String> {
    let domain = domain.trim_end_matches('.');
    let in_scope = |ns: &str| namespace.is_none_or(|wanted| wanted == ns);
    let mut names = Vec::new();
    for service in &objects.services {
        let (ns, name) = ns_name(&service.metadata);
        if !in_scope(ns) {
            continue;
        }
        let fqdn = format!("{name}.{ns}.svc.{domain}.");
        if shape(service) == ServiceShape::Headless {
            for endpoint in published(objects, service) {
                if let Some(hostname) = endpoint.hostname {
                    names.push(format!("{hostname}.{fqdn}"));
                }
            }
        }
        names.push(fqdn);
    }
    for mesh in crate::mesh::MESHES {
        let own = mesh.audit_names(objects);
        names.extend(
            own.into_iter()
                .filter(|(ns, _)| in_scope(ns))
                .map(|(_, n)| n),
        );
    }
    names.sort();
    names.dedup();
    names
}

/// `fqdn` (an audit name) as an app in `namespace` types it: a Service's names without
/// `.svc.<domain>` and without the namespace when it is the app's own; any other name without the
/// trailing dot.
pub fn as_typed(fqdn: &str, namespace: &str, domain: &str) -> String {
    let bare = fqdn.trim_end_matches('.');
    let service_suffix = format!(".svc.{}", domain.trim_end_matches('.'));
    match bare.strip_suffix(&service_suffix) {
        Some(in_namespace) => in_namespace
            .strip_suffix(&format!(".{namespace}"))
            .unwrap_or(in_namespace)
            .to_string(),
        None => bare.to_string(),
    }
}

/// The summary of an audit.
#[derive(Debug, Clone, Default)]
pub struct AuditReport {
    pub totals: Totals,
    /// Every finding code seen, most severe first, with the names it was found for.
    pub by_code: Vec<CodeSummary>,
    /// Names whose diff is a discrepancy, incomplete, or carries a warning or error.
    pub problems: Vec<Problem>,
    /// True when Ctrl-C stopped the audit: the report covers the names diffed until then.
    pub interrupted: bool,
    /// The names the snapshot holds no answers for, which were not diffed.
    pub not_recorded: Vec<String>,
    /// Why objects could not be read (the snapshot's `object_errors`): the names they hold were
    /// not found, so not diffed.
    pub object_errors: Vec<String>,
}

/// How many names ended in each verdict.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub names: usize,
    pub consistent: usize,
    pub explained: usize,
    pub discrepancy: usize,
    pub incomplete: usize,
    /// Names the snapshot holds no answers for (not diffed, not problems).
    pub not_recorded: usize,
}

/// One finding code across the audit.
#[derive(Debug, Clone)]
pub struct CodeSummary {
    pub code: Code,
    pub severity: Severity,
    pub count: usize,
    pub names: Vec<String>,
}

/// A name that needs attention.
#[derive(Debug, Clone)]
pub struct Problem {
    pub name: String,
    pub verdict: Verdict,
    pub codes: Vec<Code>,
    /// The summary of the most severe finding.
    pub summary: Option<String>,
}

impl AuditReport {
    /// Adds one name's diff.
    pub fn add(&mut self, report: &Report) {
        self.totals.names += 1;
        match report.verdict {
            Verdict::Consistent => self.totals.consistent += 1,
            Verdict::Explained => self.totals.explained += 1,
            Verdict::Discrepancy => self.totals.discrepancy += 1,
            Verdict::Incomplete => self.totals.incomplete += 1,
        }
        // The name as asked: fully qualified, or as typed when the audit walks it.
        let name = report.question.input.clone();
        for finding in &report.findings {
            match self.by_code.iter_mut().find(|c| c.code == finding.code) {
                Some(summary) => {
                    summary.count += 1;
                    summary.severity = summary.severity.max(finding.severity);
                    summary.names.push(name.clone());
                }
                None => self.by_code.push(CodeSummary {
                    code: finding.code,
                    severity: finding.severity,
                    count: 1,
                    names: vec![name.clone()],
                }),
            }
        }
        let worst = report.findings.iter().max_by_key(|f| f.severity);
        let needs_attention = matches!(report.verdict, Verdict::Discrepancy | Verdict::Incomplete)
            || worst.is_some_and(|f| f.severity >= Severity::Warning);
        if needs_attention {
            self.problems.push(Problem {
                name,
                verdict: report.verdict,
                codes: report.findings.iter().map(|f| f.code).collect(),
                summary: worst.map(|f| f.summary.clone()),
            });
        }
    }

    /// Counts a name that could not be diffed because nothing was recorded for it.
    pub fn not_recorded(&mut self, name: &str) {
        self.totals.not_recorded += 1;
        self.not_recorded.push(name.to_string());
    }

    /// Orders codes most severe first, then by count.
    pub fn finish(&mut self) {
        self.by_code.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.count.cmp(&a.count))
                .then(a.code.cmp(&b.code))
        });
        let codes: BTreeMap<_, _> = self.by_code.iter().map(|c| (c.code, c.severity)).collect();
        self.problems.sort_by(|a, b| {
            let worst = |p: &Problem| p.codes.iter().filter_map(|c| codes.get(c)).max().copied();
            worst(b).cmp(&worst(a)).then(a.name.cmp(&b.name))
        });
    }

    /// The exit code: 1 on a discrepancy, 3 when names were incomplete or none was diffed (an audit
    /// never passes on nothing), else 0; 130 when interrupted.
    pub fn exit_code(&self) -> crate::error::ExitCode {
        let totals = &self.totals;
        let incomplete = totals.incomplete + usize::from(totals.names == 0);
        crate::error::ExitCode::of_run(totals.discrepancy, incomplete, self.interrupted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_typed_as_an_app_in_the_namespace_types_them() {
        let typed = |fqdn| as_typed(fqdn, "shop", "cluster.local");
        assert_eq!(typed("cart.shop.svc.cluster.local."), "cart");
        assert_eq!(
            typed("ratings.bookinfo.svc.cluster.local."),
            "ratings.bookinfo"
        );
        assert_eq!(typed("db-0.db.shop.svc.cluster.local."), "db-0.db");
        assert_eq!(typed("api.example.com."), "api.example.com");
    }
}
