//! The human renderer: a header, one table row per source, the findings with their evidence, the verdict.

use std::fmt::Write as _;

use colored::Colorize;
use comfy_table::{Cell, Color, Table, presets};

use crate::error::ExitCode;
use crate::finding::{Finding, Severity, Verdict};
use crate::model::{Evidence, Layer, Origin, Outcome, SourceResult};
use crate::report::Report;
use crate::walk::WalkReport;

/// Options that change how a table looks, never what it says.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// Add origin, transport and note columns.
    pub wide: bool,
    pub color: bool,
}

/// Renders `report` for a terminal: the question as typed, what the app gets through each layer
/// (for a walked name), the walk, every layer's answer at the decisive candidate, the findings.
pub fn render(report: &Report, options: TableOptions) -> String {
    let mut out = String::new();
    let q = &report.question;
    let from = match &report.from.pod {
        Some(pod) => format!("{}/{pod}", report.from.namespace),
        None => format!("namespace {}", report.from.namespace),
    };
    let typed = if report.walk.is_some() {
        q.input.as_str()
    } else {
        q.fqdn.as_str()
    };
    let unicode = if !q.input.is_ascii() && report.walk.is_none() {
        format!(" ({})", q.input.trim_end_matches('.'))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{}{unicode} {}   from {from} ({})",
        typed.bold(),
        q.rtype.bold(),
        report.from.proxy
    );
    if let Some(derivation) = &q.derivation {
        let _ = writeln!(out, "  {}", derivation.dimmed());
    }
    if let Some(walk) = &report.walk {
        let _ = writeln!(out, "{}", headline_table(walk, report.app_source, options));
        write_walk(&mut out, walk, report.app_source, options);
        let _ = writeln!(out, "{} {}", "Answers at".bold(), q.fqdn.as_str().bold());
    }
    let _ = writeln!(out, "{}", sources_table(&report.sources, options));
    if let [only] = report.answered_layers().as_slice() {
        let _ = writeln!(
            out,
            "  {}",
            format!("only {only} answered: there is no other layer to compare it with").yellow()
        );
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "{}", "Findings".bold());
        for finding in &report.findings {
            write_finding(&mut out, finding);
        }
    }
    let verdict = report.verdict.to_string();
    let verdict = match report.verdict {
        Verdict::Consistent | Verdict::Explained => verdict.green(),
        Verdict::Discrepancy => verdict.red().bold(),
        Verdict::Incomplete => verdict.yellow(),
    };
    let _ = writeln!(
        out,
        "verdict: {verdict} (exit {})",
        ExitCode::of_verdict(report.verdict).code()
    );
    out
}

/// What the app ends up with through each layer: the final answer, the candidate it comes from
/// and the queries it costs.
fn headline_table(walk: &WalkReport, app: Layer, options: TableOptions) -> Table {
    let mut table = styled_table(options);
    table.set_header(vec!["LAYER", "THE APP GETS", "FROM CANDIDATE", "QUERIES"]);
    for layer in &walk.layers {
        let name = layer_label(layer.source, app);
        let (gets, at) = match (&layer.answer, &layer.answered_by) {
            (Some(answer), Some(by)) => (Cell::new(answer), Cell::new(by)),
            _ => (
                Cell::new("no address").fg(Color::Yellow),
                Cell::new(layer.decisive.as_deref().unwrap_or("-")),
            ),
        };
        table.add_row(vec![Cell::new(name), gets, at, Cell::new(layer.queries)]);
    }
    table
}

/// A layer's name, marked when it is the one the app asks.
fn layer_label(source: Layer, app: Layer) -> String {
    if source == app {
        format!("{source} (app)")
    } else {
        source.to_string()
    }
}

fn sources_table(sources: &[SourceResult], options: TableOptions) -> Table {
    let mut table = styled_table(options);
    let mut header = vec!["SOURCE", "STATUS", "RCODE", "ANSWER", "TTL", "AA", "RTT"];
    if options.wide {
        header.extend(["ORIGIN", "TRANSPORT"]);
    }
    table.set_header(header);
    for source in sources {
        table.add_row(row(source, options.wide));
    }
    table
}

/// The search walk: one row per candidate, one column per layer, then where each layer's walk ends.
fn write_walk(out: &mut String, walk: &WalkReport, app: Layer, options: TableOptions) {
    let _ = writeln!(
        out,
        "{} ({}, ndots:{}, search {})",
        "Search walk".bold(),
        walk.libc,
        walk.ndots,
        if walk.search.is_empty() {
            "none".to_string()
        } else {
            walk.search.join(" ")
        }
    );
    let mut table = styled_table(options);
    let mut header = vec!["CANDIDATE".to_string()];
    header.extend(walk.layers.iter().map(|l| layer_label(l.source, app)));
    table.set_header(header);
    let mut names: Vec<&str> = Vec::new();
    for layer in &walk.layers {
        for step in &layer.steps {
            if !names.contains(&step.name.as_str()) {
                names.push(&step.name);
            }
        }
    }
    for name in names {
        let mut row = vec![Cell::new(name)];
        for layer in &walk.layers {
            let cell = match layer.steps.iter().find(|s| s.name == name) {
                Some(step) => {
                    let text = step
                        .answers
                        .iter()
                        .map(|a| {
                            if step.answers.len() > 1 {
                                format!("{}: {}", a.rtype, a.answer)
                            } else {
                                a.answer.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    let stop = layer.answered_by.as_deref() == Some(name);
                    if stop {
                        Cell::new(format!("{text}  <- stops")).fg(Color::Green)
                    } else {
                        Cell::new(text)
                    }
                }
                None => Cell::new("(not asked)").fg(Color::DarkGrey),
            };
            row.push(cell);
        }
        table.add_row(row);
    }
    let _ = writeln!(out, "{table}");
    for layer in walk.layers.iter().filter(|l| !l.missing.is_empty()) {
        let _ = writeln!(
            out,
            "  {}: not recorded: {}",
            layer.source,
            layer.missing.join(", ")
        );
    }
}

fn styled_table(options: TableOptions) -> Table {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    if options.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

fn row(source: &SourceResult, wide: bool) -> Vec<Cell> {
    let dash = || Cell::new("-");
    let mut cells = vec![Cell::new(source.source.as_str())];
    match &source.outcome {
        Outcome::Answered(answer) => {
            let ttls: Vec<u32> = answer.records.iter().map(|r| r.ttl_s).collect();
            let ttl = match (ttls.iter().min(), ttls.iter().max()) {
                (Some(lo), Some(hi)) if lo == hi => lo.to_string(),
                (Some(lo), Some(hi)) => format!("{lo}-{hi}"),
                _ => "-".to_string(),
            };
            let rcode_color = if answer.rcode == crate::model::Rcode::NoError {
                Color::Green
            } else {
                Color::Yellow
            };
            let records = if answer.records.is_empty() {
                "(no records)".to_string()
            } else {
                answer
                    .records
                    .iter()
                    .map(|r| match r.rtype.as_str() {
                        "A" | "AAAA" => r.data.clone(),
                        other => format!("{other} {}", r.data),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            cells.extend([
                Cell::new("answered"),
                Cell::new(answer.rcode.to_string()).fg(rcode_color),
                Cell::new(records),
                Cell::new(ttl),
                Cell::new(if answer.authoritative { "yes" } else { "no" }),
                source
                    .rtt_ms
                    .map_or_else(dash, |ms| Cell::new(format!("{ms:.1} ms"))),
            ]);
        }
        Outcome::Error(why) => cells.extend([
            Cell::new("error").fg(Color::Red),
            dash(),
            Cell::new(why),
            dash(),
            dash(),
            dash(),
        ]),
        Outcome::NotRecorded(why) => cells.extend([
            Cell::new("not recorded").fg(Color::Yellow),
            dash(),
            Cell::new(why),
            dash(),
            dash(),
            dash(),
        ]),
        Outcome::NotApplicable(why) => cells.extend([
            Cell::new("n/a").fg(Color::DarkGrey),
            dash(),
            Cell::new(why).fg(Color::DarkGrey),
            dash(),
            dash(),
            dash(),
        ]),
    }
    if wide {
        cells.push(
            source
                .origin
                .map_or_else(dash, |o| Cell::new(origin_text(o))),
        );
        cells.push(source.transport.as_deref().map_or_else(dash, Cell::new));
    }
    cells
}

fn origin_text(origin: Origin) -> &'static str {
    match origin {
        Origin::NameTable => "name table",
        Origin::Forwarded => "forwarded upstream",
        Origin::Kubernetes => "kubernetes plugin",
        Origin::Cache => "cache (TTL counting down)",
        Origin::KubernetesSpec => "Kubernetes DNS spec",
        Origin::MeshRules => "mesh rules over objects",
    }
}

/// A severity padded to one width and coloured: info blue, warning yellow, error red.
pub fn severity_label(severity: Severity) -> colored::ColoredString {
    let label = format!("{:<7}", severity.to_string());
    match severity {
        Severity::Info => label.blue(),
        Severity::Warning => label.yellow(),
        Severity::Error => label.red().bold(),
    }
}

fn write_finding(out: &mut String, finding: &Finding) {
    let label = severity_label(finding.severity);
    let _ = writeln!(
        out,
        "  {label} {}: {}",
        finding.code.as_str().bold(),
        finding.summary
    );
    for evidence in &finding.evidence {
        let _ = writeln!(
            out,
            "          {} {}",
            "<-".dimmed(),
            evidence_text(evidence)
        );
    }
}

/// `Kind namespace/name field=value`, the way operators name objects.
pub fn evidence_text(evidence: &Evidence) -> String {
    let mut text = evidence.kind.clone();
    text.push(' ');
    if let Some(namespace) = &evidence.namespace {
        text.push_str(namespace);
        text.push('/');
    }
    text.push_str(&evidence.name);
    if let Some(field) = &evidence.field {
        let _ = write!(text, " {field}");
        if let Some(value) = &evidence.value {
            let _ = write!(text, " = {value}");
        }
    }
    text
}
