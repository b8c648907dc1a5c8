//! Typed errors and the one place where outcomes become documented process exit codes.

use std::path::PathBuf;

use crate::finding::Verdict;

/// The documented exit codes of every meshdig command (see `docs/exit-codes.md`).
///
/// CI scripts rely on these numbers, so they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// All layers agree, or every difference is by design.
    Agree = 0,
    /// A discrepancy: at least one finding of severity `error`.
    Discrepancy = 1,
    /// Bad usage or bad input (flag, name, snapshot file).
    Usage = 2,
    /// A source could not be asked and nothing worse was found.
    Incomplete = 3,
    /// Interrupted by Ctrl-C (128 + SIGINT).
    Interrupted = 130,
}

impl ExitCode {
    /// The process exit status for this outcome.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The exit code of one diff's verdict.
    pub fn of_verdict(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Consistent | Verdict::Explained => Self::Agree,
            Verdict::Discrepancy => Self::Discrepancy,
            Verdict::Incomplete => Self::Incomplete,
        }
    }

    /// The exit code of a run of many diffs or expectations (`check`, `audit`): an interrupted run
    /// is 130; then any discrepancy (a failed expectation) is 1, any incomplete one 3, else 0.
    pub fn of_run(discrepancies: usize, incomplete: usize, interrupted: bool) -> Self {
        if interrupted {
            Self::Interrupted
        } else if discrepancies > 0 {
            Self::Discrepancy
        } else if incomplete > 0 {
            Self::Incomplete
        } else {
            Self::Agree
        }
    }
}

/// Every failure that stops a command before it can produce a report.
///
/// Failures of a single source are not errors: they are per-source results inside the report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A query name that DNS cannot carry.
    #[error("invalid name '{name}': {reason}")]
    InvalidName { name: String, reason: String },

    /// A record type meshdig does not know.
    #[error(
        "unknown record type '{0}': use one of A, AAAA, CNAME, SRV, PTR, TXT (or any IANA type name)"
    )]
    UnknownType(String),

    /// A check file that cannot be read or is not valid (names the file, line and field).
    #[error("{0}")]
    CheckFile(String),

    /// A combination of flags that cannot work together.
    #[error("{0}")]
    Usage(String),

    /// A `--from` value that names no workload in the input; the text says what is missing.
    #[error("{0}; check --from and -n")]
    UnknownWorkload(String),

    /// The snapshot file could not be read at all.
    #[error("cannot read snapshot {}: {source}", shown_path(.path))]
    SnapshotRead {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The snapshot file is not a valid snapshot: names the JSON path and what was expected.
    #[error("invalid snapshot {}: at {json_path}: {message}", shown_path(.path))]
    SnapshotInvalid {
        path: PathBuf,
        json_path: String,
        message: String,
    },

    /// Writing generated files (completions, man pages) failed.
    #[error("cannot write {}: {source}", shown_path(.path))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The kubeconfig is missing, unreadable, or names no usable context.
    #[error("{0}")]
    Kubeconfig(String),

    /// The cluster could not be asked at all (API unreachable, credentials refused, the pod forbidden).
    #[error("{0}")]
    Cluster(String),

    /// Writing the report to standard output failed for a reason other than a closed pipe.
    #[error("cannot write output: {0}")]
    Output(std::io::Error),
}

impl Error {
    /// The exit code this error maps to: a cluster that cannot be asked is 3, everything else is
    /// usage or input (2).
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Cluster(_) => ExitCode::Incomplete,
            _ => ExitCode::Usage,
        }
    }
}

/// User- or server-supplied `text` as an error message may quote it: control characters escaped,
/// so it stays one line and cannot drive the terminal, and at most 64 characters of it.
pub fn quoted(text: &str) -> String {
    bounded(text, 64)
}

/// A file name as a message shows it: escaped like [`quoted`], and bounded more loosely, since
/// paths are longer than the values messages quote.
pub fn shown_path(path: &std::path::Path) -> String {
    bounded(&path.display().to_string(), 200)
}

/// `text` with every control character (newlines included) written as an escape: what is left
/// is one line that cannot drive a terminal.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// The one line an error prints: control characters escaped and at most [`MAX_ERROR_LINE`]
/// characters, whatever a message quoted.
pub fn one_line(text: &str) -> String {
    let line = escape_controls(text);
    match line.char_indices().nth(MAX_ERROR_LINE) {
        Some((at, _)) => format!("{}… (cut at {MAX_ERROR_LINE} characters)", &line[..at]),
        None => line,
    }
}

/// The longest error line meshdig prints.
pub const MAX_ERROR_LINE: usize = 1000;

/// A parser's message (serde, YAML) in plain words: control characters escaped, each quoted span
/// cut to a short prefix, the parser's own position suffix dropped (the caller names the place)
/// and Rust type names (`struct CheckFile`, `u32`, `unit value`) said as what the file holds.
pub fn plain(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => &message[..at],
        _ => message,
    };
    let mut text = shorten_spans(&escape_controls(message));
    for (rust, words) in RUST_WORDS {
        text = text.replace(rust, words);
    }
    let at = text.find("expected ").map(|at| at + "expected ".len());
    match at.and_then(|at| type_words(&text[at..]).map(|words| (at, words))) {
        Some((at, words)) => format!("{}{words}", &text[..at]),
        None => text,
    }
}

/// Rust's names for what a parser expected or found, and the words a file's author knows.
const RUST_WORDS: &[(&str, &str)] = &[
    ("unit value", "null"),
    ("expected a sequence", "expected a list"),
    ("invalid type: sequence", "invalid type: list"),
    ("expected u8", "expected a whole number from 0 to 255"),
    ("expected u16", "expected a whole number from 0 to 65535"),
    (
        "expected u32",
        "expected a whole number from 0 to 4294967295",
    ),
    ("expected u64", "expected a whole number of at least 0"),
    ("expected usize", "expected a whole number of at least 0"),
    ("expected i32", "expected a whole number"),
    ("expected i64", "expected a whole number"),
    ("expected f32", "expected a number"),
    ("expected f64", "expected a number"),
    (
        "expected a YAML tag starting with '!'",
        "expected one word (a name from the documented list)",
    ),
];

/// What a bare Rust type name at the end of a message (`struct CheckFile`, `enum Severity`,
/// `ServiceStatus`) stands for in the file.
fn type_words(rest: &str) -> Option<&'static str> {
    let (kind, name) = rest.split_once(' ').unwrap_or(("struct", rest));
    let is_type = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    match kind {
        "struct" if is_type => Some("a map of fields"),
        "enum" if is_type => Some("one of the documented names"),
        _ => None,
    }
}

/// Every `` `…` `` and `"…"` span of a parser's message cut after 64 characters.
fn shorten_spans(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4096));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('`');
        out.push_str(&rest[..=open]);
        let inner = &rest[open + 1..];
        let close = span_end(inner, quote).unwrap_or(inner.len());
        out.push_str(&cut(&inner[..close], 64));
        rest = &inner[close..];
        if let Some(after) = rest.strip_prefix(quote) {
            out.push(quote);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Where a span opened by `quote` closes; a backslash escapes the next character in `"…"`.
fn span_end(inner: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in inner.char_indices() {
        match c {
            '\\' if quote == '"' && !escaped => escaped = true,
            c if c == quote && !escaped => return Some(at),
            _ => escaped = false,
        }
    }
    None
}

/// A message a file recorded (a snapshot's `error`, `ndsz_error`, `object_errors`) as reports show
/// it: at most 500 characters, so that a hostile file cannot make every table row and finding
/// megabytes long. Control characters are escaped on output ([`crate::render::terminal_safe`]).
pub fn recorded_message(text: &str) -> String {
    cut(text, 500)
}

/// `text` cut after `shown` characters, saying how long it was.
fn cut(text: &str, shown: usize) -> String {
    match text.char_indices().nth(shown) {
        Some((at, _)) => format!("{}… ({} characters)", &text[..at], text.chars().count()),
        None => text.to_string(),
    }
}

/// `text` with control characters escaped, cut after `shown` characters with its length.
fn bounded(text: &str, shown: usize) -> String {
    cut(&text.escape_debug().collect::<String>(), shown)
}

/// The first line of an error from a file or tool that can hold credentials (a kubeconfig, an
/// exec plugin's output), with every quoted span (`"…"`, `'…'`, `` `…` ``) left out: parsers quote
/// the offending text, and that text can be a token. What remains says where and what kind of error.
pub fn redacted(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let mut out = String::new();
    let mut open: Option<char> = None;
    for c in first.chars() {
        match open {
            Some(quote) if c == quote => open = None,
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => {
                open = Some(c);
                out.push('…');
            }
            None => out.push(c),
        }
    }
    bounded(out.trim(), 200)
}

/// Shorthand for results whose error is meshdig's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_errors_quote_nothing() {
        let yaml = "line 3: invalid value: string \"SECRET-1\", expected `bool`\n  --> <input>:3\n 3 | token: SECRET-1";
        let shown = redacted(yaml);
        assert_eq!(shown, "line 3: invalid value: string …, expected …");
        assert!(!redacted("failed: 'tok:SECRET' then").contains("SECRET"));
    }

    #[test]
    fn parser_messages_are_plain_short_and_one_line() {
        let long = format!(
            "unknown field `{}`, expected one of `a`, `b`",
            "k".repeat(10_000)
        );
        let shown = plain(&long);
        assert!(
            shown.len() < 150 && shown.contains("(10000 characters)"),
            "{shown}"
        );
        assert!(shown.ends_with("expected one of `a`, `b`"), "{shown}");
        assert_eq!(
            plain("invalid type: string \"x\\\"y\", expected struct CheckFile at line 3 column 7"),
            "invalid type: string \"x\\\"y\", expected a map of fields"
        );
        assert_eq!(
            plain("invalid value: integer `-1`, expected u32"),
            "invalid value: integer `-1`, expected a whole number from 0 to 4294967295"
        );
        assert_eq!(
            plain("invalid type: unit value, expected ServiceStatus"),
            "invalid type: null, expected a map of fields"
        );
        assert_eq!(
            plain("unknown field `a\u{1b}\nb`"),
            "unknown field `a\\u{1b}\\nb`"
        );
        assert_eq!(one_line("a\nb").lines().count(), 1);
        assert!(one_line(&"x".repeat(5000)).len() < MAX_ERROR_LINE + 50);
    }

    #[test]
    fn quoted_text_is_one_short_line() {
        assert_eq!(quoted("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        let long = "x".repeat(100_000);
        let shown = quoted(&long);
        assert!(
            shown.len() < 100 && shown.ends_with("(100000 characters)"),
            "{shown}"
        );
    }
}
