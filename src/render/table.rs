//! The human renderer: a header, one table row per source, the findings with their evidence, the verdict.

use std::fmt::Write as _;

use colored::Colorize;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};

use crate::error::ExitCode;
use crate::finding::{Finding, Severity, Verdict};
use crate::model::{Evidence, Layer, Origin, Outcome, SourceResult};
use crate::report::Report;
use crate::walk::WalkReport;

/// Below this many columns tables take their compact layout: fewer columns, cells wrapped.
const COMPACT_BELOW: u16 = 100;

/// Options that change how a table looks, never what it says.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// Add origin, transport and note columns.
    pub wide: bool,
    pub color: bool,
    /// The terminal's width in columns: tables and text fit it. `None` (not a terminal, no
    /// `COLUMNS`): nothing is wrapped.
    pub width: Option<u16>,
}

impl TableOptions {
    fn compact(self) -> bool {
        !self.wide && self.width.is_some_and(|w| w < COMPACT_BELOW)
    }
}

/// `text` after `first`, wrapped to `width` with `rest` before every further line; one line
/// without a width. Escape sequences of colour take no columns.
pub fn wrapped(text: &str, first: &str, rest: &str, width: Option<u16>) -> String {
    match width {
        None => format!("{first}{text}\n"),
        Some(width) => {
            let options = textwrap::Options::new(usize::from(width))
                .initial_indent(first)
                .subsequent_indent(rest);
            let mut out = textwrap::fill(text, options);
            out.push('\n');
            out
        }
    }
}

/// Renders `report` for a terminal: the question as typed, what the app gets through each layer
/// (for a walked name), the walk, every layer's answer at the decisive candidate, the findings.
pub fn render(report: &Report, options: TableOptions) -> String {
    let mut out = String::new();
    let width = options.width;
    out.push_str(&wrapped(&title(report), "", "  ", width));
    let summary = format!("→ {}", report.summary()).bold().to_string();
    out.push_str(&wrapped(&summary, "  ", "    ", width));
    if let Some(derivation) = &report.question.derivation {
        out.push_str(&wrapped(
            &derivation.dimmed().to_string(),
            "  ",
            "  ",
            width,
        ));
    }
    if let Some(walk) = &report.walk {
        let _ = writeln!(out, "{}", headline_table(report, walk, options));
        write_walk(&mut out, walk, report.app_source, options);
        let at = format!(
            "{} {}",
            "Answers at".bold(),
            report.question.fqdn.as_str().bold()
        );
        out.push_str(&wrapped(&at, "", "  ", width));
    }
    let _ = writeln!(out, "{}", sources_table(report, options));
    if let [only] = report.answered_layers().as_slice() {
        let note = format!("only {only} answered: there is no other layer to compare it with");
        out.push_str(&wrapped(&note.yellow().to_string(), "  ", "  ", width));
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "{}", "Findings".bold());
        for finding in &report.findings {
            write_finding(&mut out, finding, width);
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

/// The first line: the name as typed, the type and who asks.
fn title(report: &Report) -> String {
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
    format!(
        "{}{unicode} {}   from {from} ({})",
        typed.bold(),
        q.rtype.bold(),
        report.from.proxy
    )
}

/// A cell that says how a layer's answer differs from the app's: marked `≠`, and highlighted.
fn answer_cell(text: &str, differs: bool) -> Cell {
    if differs {
        Cell::new(format!("≠ {text}"))
            .fg(Color::Yellow)
            .add_attribute(Attribute::Bold)
    } else {
        Cell::new(text)
    }
}

/// What the app ends up with through each layer: the final answer, the candidate it comes from
/// and the queries it costs.
fn headline_table(report: &Report, walk: &WalkReport, options: TableOptions) -> Table {
    let mut table = styled_table(options);
    table.set_header(vec!["LAYER", "THE APP GETS", "FROM CANDIDATE", "QUERIES"]);
    for layer in &walk.layers {
        let name = layer_label(layer.source, report.app_source);
        let (gets, at) = match (&layer.answer, &layer.answered_by) {
            (Some(answer), Some(by)) => (
                answer_cell(answer, report.walk_differs_from_app(layer.source)),
                Cell::new(name_lines(by, options, 3)),
            ),
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

/// Every layer's answer at the decisive candidate, in full, or compact for a narrow terminal.
fn sources_table(report: &Report, options: TableOptions) -> Table {
    let mut table = styled_table(options);
    let header = if options.compact() {
        vec!["SOURCE", "RCODE", "ANSWER", "TTL"]
    } else if options.wide {
        vec![
            "SOURCE",
            "STATUS",
            "RCODE",
            "ANSWER",
            "TTL",
            "AA",
            "RTT",
            "ORIGIN",
            "TRANSPORT",
        ]
    } else {
        vec!["SOURCE", "STATUS", "RCODE", "ANSWER", "TTL", "AA", "RTT"]
    };
    table.set_header(header);
    for source in &report.sources {
        let cells = row(source, report.differs_from_app(source.source), options);
        table.add_row(cells);
    }
    table
}

/// The search walk: one row per candidate, one column per layer, then where each layer's walk ends.
fn write_walk(out: &mut String, walk: &WalkReport, app: Layer, options: TableOptions) {
    let title = format!(
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
    out.push_str(&wrapped(&title, "", "  ", options.width));
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
    let columns = 1 + walk.layers.len();
    for name in names {
        let mut row = vec![Cell::new(name_lines(name, options, columns))];
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
                    let gap = if options.compact() { "\n" } else { "  " };
                    if stop {
                        Cell::new(format!("{text}{gap}<- stops")).fg(Color::Green)
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
        let missing = format!(
            "{}: not recorded: {}",
            layer.source,
            layer.missing.join(", ")
        );
        out.push_str(&wrapped(&missing, "  ", "    ", options.width));
    }
}

/// A domain name for a column that shares a compact table with `columns - 1` others: broken
/// after its dots into lines that fit, rather than anywhere.
fn name_lines(name: &str, options: TableOptions, columns: usize) -> String {
    let Some(width) = options.width.filter(|_| options.compact()) else {
        return name.to_string();
    };
    let fits = (usize::from(width) / columns.max(1))
        .saturating_sub(3)
        .max(8);
    let mut lines = vec![String::new()];
    for label in name.split_inclusive('.') {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.len() + label.len() > fits {
            lines.push(label.to_string());
        } else {
            line.push_str(label);
        }
    }
    lines.join("\n")
}

fn styled_table(options: TableOptions) -> Table {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    if options.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    if let Some(width) = options.width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    table
}

/// One layer's row: its status, rcode and records, and how long it took (in full), or only the
/// rcode (standing for the status) and records (compact).
fn row(source: &SourceResult, differs: bool, options: TableOptions) -> Vec<Cell> {
    let dash = || Cell::new("-");
    let mut cells = vec![Cell::new(source.source.as_str())];
    let compact = options.compact();
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
                answer.record_lines().join("\n")
            };
            if !compact {
                cells.push(Cell::new("answered"));
            }
            cells.extend([
                Cell::new(answer.rcode.to_string()).fg(rcode_color),
                answer_cell(&records, differs),
                Cell::new(ttl),
            ]);
            if !compact {
                cells.extend([
                    Cell::new(if answer.authoritative { "yes" } else { "no" }),
                    source
                        .rtt_ms
                        .map_or_else(dash, |ms| Cell::new(format!("{ms:.1} ms"))),
                ]);
            }
        }
        Outcome::Error(why) => no_answer(&mut cells, ("error", Color::Red), why, None, compact),
        Outcome::NotRecorded(why) => {
            no_answer(
                &mut cells,
                ("not recorded", Color::Yellow),
                why,
                None,
                compact,
            );
        }
        Outcome::NotApplicable(why) => {
            let grey = Some(Color::DarkGrey);
            no_answer(&mut cells, ("n/a", Color::DarkGrey), why, grey, compact);
        }
    }
    if options.wide {
        cells.push(
            source
                .origin
                .map_or_else(dash, |o| Cell::new(origin_text(o))),
        );
        cells.push(source.transport.as_deref().map_or_else(dash, Cell::new));
    }
    cells
}

/// The cells of a layer with no answer: its status (in `colour`), and why, in `why_colour`.
fn no_answer(
    cells: &mut Vec<Cell>,
    (status, colour): (&str, Color),
    why: &str,
    why_colour: Option<Color>,
    compact: bool,
) {
    let dash = || Cell::new("-");
    cells.push(Cell::new(status).fg(colour));
    if !compact {
        cells.push(dash());
    }
    let reason = Cell::new(why);
    cells.push(match why_colour {
        Some(c) => reason.fg(c),
        None => reason,
    });
    cells.extend(std::iter::repeat_with(dash).take(if compact { 1 } else { 3 }));
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

/// A finding wrapped under its code, then each piece of evidence wrapped under its arrow.
fn write_finding(out: &mut String, finding: &Finding, width: Option<u16>) {
    const HANG: &str = "          ";
    let first = format!(
        "  {} {}: ",
        severity_label(finding.severity),
        finding.code.as_str().bold()
    );
    out.push_str(&wrapped(&finding.summary, &first, HANG, width));
    let arrow = format!("{HANG}{} ", "<-".dimmed());
    for evidence in &finding.evidence {
        out.push_str(&wrapped(
            &evidence_text(evidence),
            &arrow,
            &format!("{HANG}   "),
            width,
        ));
    }
    if let Some(todo) = crate::explain::what_to_do(finding.code) {
        let todo = format!("{todo} (meshdig explain {})", finding.code);
        let first = format!("{HANG}{} ", "what to do:".cyan());
        out.push_str(&wrapped(&todo, &first, &format!("{HANG}  "), width));
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
