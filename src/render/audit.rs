//! Renderers of audit reports: a summary for people, and the versioned JSON document.

use std::fmt::Write as _;

use colored::Colorize;

use serde_json::{Value, json};

use crate::audit::{AuditReport, Totals};
use crate::render::table::severity_label;

/// The version of the audit JSON document.
pub const AUDIT_JSON_SCHEMA_VERSION: u32 = 1;

/// Totals, then each finding code with its names, then the names that need attention.
pub fn text(report: &AuditReport) -> String {
    let mut out = String::new();
    let t = &report.totals;
    let _ = writeln!(
        out,
        "{} {} diffed: {} consistent, {} explained, {} discrepancy, {} incomplete; {} not recorded{}",
        t.names,
        if t.names == 1 { "name" } else { "names" },
        t.consistent,
        t.explained,
        t.discrepancy,
        t.incomplete,
        t.not_recorded,
        if report.interrupted {
            " (interrupted: partial report)"
        } else {
            ""
        }
    );
    if !report.by_code.is_empty() {
        let _ = writeln!(out, "{}", "Findings by code".bold());
        for code in &report.by_code {
            let label = severity_label(code.severity);
            let _ = writeln!(
                out,
                "  {label} {:<26} {:>5}  {}",
                code.code.as_str(),
                code.count,
                shorten(&code.names)
            );
        }
    }
    if !report.problems.is_empty() {
        let _ = writeln!(out, "{}", "Names that need attention".bold());
        for problem in &report.problems {
            let codes: Vec<&str> = problem.codes.iter().map(|c| c.as_str()).collect();
            let _ = writeln!(
                out,
                "  {} [{}] {}",
                problem.name,
                problem.verdict,
                codes.join(", ")
            );
            if let Some(summary) = &problem.summary {
                let _ = writeln!(out, "      {summary}");
            }
        }
    }
    if !report.not_recorded.is_empty() {
        let _ = writeln!(
            out,
            "Not recorded, not diffed: {}",
            shorten(&report.not_recorded)
        );
    }
    for error in &report.object_errors {
        let _ = writeln!(out, "objects not read: {error}");
    }
    if t.names == 0 && !report.interrupted {
        let why = if report.object_errors.is_empty() {
            "capture the names with `meshdig snapshot`, or audit live"
        } else {
            "the objects that name them could not be read"
        };
        let _ = writeln!(
            out,
            "nothing was diffed, so nothing is vouched for (exit 3): {why}"
        );
    }
    out
}

/// The first few names, and how many more.
fn shorten(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        let _ = write!(text, " and {} more", names.len() - SHOWN);
    }
    text
}

/// The JSON shape of an audit's totals.
fn totals(totals: &Totals) -> Value {
    json!({
        "names": totals.names,
        "consistent": totals.consistent,
        "explained": totals.explained,
        "discrepancy": totals.discrepancy,
        "incomplete": totals.incomplete,
        "not_recorded": totals.not_recorded,
    })
}

/// The JSON document of an audit.
pub fn document(report: &AuditReport) -> Value {
    let by_code: Vec<Value> = report
        .by_code
        .iter()
        .map(|c| {
            json!({
                "code": c.code.as_str(),
                "severity": c.severity.as_str(),
                "count": c.count,
                "names": c.names,
            })
        })
        .collect();
    let problems: Vec<Value> = report
        .problems
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "verdict": p.verdict.as_str(),
                "codes": p.codes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "summary": p.summary,
            })
        })
        .collect();
    json!({
        "schema_version": AUDIT_JSON_SCHEMA_VERSION,
        "totals": totals(&report.totals),
        "by_code": by_code,
        "problems": problems,
        "not_recorded": report.not_recorded,
        "object_errors": report.object_errors,
        "interrupted": report.interrupted,
        "exit_code": report.exit_code().code(),
    })
}
