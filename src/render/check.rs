//! Renderers of check results: a human summary, the versioned JSON document (`docs/check.md`) and
//! JUnit XML for CI systems.

use std::fmt::Write as _;

use colored::Colorize;
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

use crate::checks::{Evaluation, Expectation, Status};
use crate::render::json;
use crate::report::Report;

/// The version of the check JSON document.
pub const CHECK_JSON_SCHEMA_VERSION: u32 = 1;

/// One expectation with its diff and judgement.
pub struct CheckResult<'a> {
    pub expectation: &'a Expectation,
    pub report: Report,
    pub evaluation: Evaluation,
}

impl CheckResult<'_> {
    /// `reviews A from bookinfo/productpage-v1-7d9`, the way results are named everywhere.
    pub fn title(&self) -> String {
        let from = match &self.report.from.pod {
            Some(pod) => format!("{}/{pod}", self.report.from.namespace),
            None => format!("namespace {}", self.report.from.namespace),
        };
        format!(
            "{} {} from {from}",
            self.report.question.input, self.report.question.rtype
        )
    }
}

/// Counts of each status.
pub fn tally(results: &[CheckResult<'_>]) -> (usize, usize, usize) {
    let count = |status| {
        results
            .iter()
            .filter(|r| r.evaluation.status == status)
            .count()
    };
    (
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Error),
    )
}

/// A line per expectation, the reasons of those that did not pass, and a closing count.
pub fn text(results: &[CheckResult<'_>]) -> String {
    let mut out = String::new();
    for result in results {
        let label = match result.evaluation.status {
            Status::Pass => "PASS ".green(),
            Status::Fail => "FAIL ".red().bold(),
            Status::Error => "ERROR".yellow(),
        };
        let description = result
            .expectation
            .description
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let _ = writeln!(out, "{label} {}{description}", result.title());
        for reason in &result.evaluation.reasons {
            let _ = writeln!(out, "      - {reason}");
        }
    }
    let (passed, failed, errors) = tally(results);
    let _ = writeln!(
        out,
        "{passed} passed, {failed} failed, {errors} could not be checked"
    );
    out
}

/// The JSON document: every expectation with its status, reasons and full diff.
pub fn document(results: &[CheckResult<'_>], exit_code: u8) -> Value {
    let (passed, failed, errors) = tally(results);
    json!({
        "schema_version": CHECK_JSON_SCHEMA_VERSION,
        "results": results.iter().map(|r| json!({
            "name": r.report.question.input,
            "type": r.report.question.rtype,
            "description": r.expectation.description,
            "status": r.evaluation.status.as_str(),
            "reasons": r.evaluation.reasons,
            "diff": json::to_value(&r.report),
        })).collect::<Vec<Value>>(),
        "summary": { "passed": passed, "failed": failed, "errors": errors },
        "exit_code": exit_code,
    })
}

/// JUnit XML: one test case per expectation; failures and errors carry their reasons.
pub fn junit(results: &[CheckResult<'_>]) -> String {
    let mut suite = TestSuite::new("meshdig check");
    for result in results {
        let status = match result.evaluation.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail | Status::Error => {
                let kind = if result.evaluation.status == Status::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut status = TestCaseStatus::non_success(kind);
                status.set_message(
                    result
                        .evaluation
                        .reasons
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                );
                status.set_description(result.evaluation.reasons.join("\n"));
                status
            }
        };
        let mut case = TestCase::new(result.title(), status);
        case.set_classname(format!("meshdig.{}", result.report.from.namespace));
        suite.add_test_case(case);
    }
    let mut report = JunitReport::new("meshdig");
    report.add_test_suite(suite);
    report.to_string().expect("JUnit XML always serializes")
}
