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

    /// A `--from` value that names no workload in the input.
    #[error("{0}")]
    UnknownWorkload(String),

    /// The snapshot file could not be read at all.
    #[error("cannot read snapshot {path}: {source}")]
    SnapshotRead {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The snapshot file is not a valid snapshot: names the JSON path and what was expected.
    #[error("invalid snapshot {path}: at {json_path}: {message}")]
    SnapshotInvalid {
        path: PathBuf,
        json_path: String,
        message: String,
    },

    /// Writing generated files (completions, man pages) failed.
    #[error("cannot write {path}: {source}")]
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

/// `text` with control characters escaped, cut after `shown` characters with its length.
fn bounded(text: &str, shown: usize) -> String {
    let escaped: String = text.escape_debug().collect();
    match escaped.char_indices().nth(shown) {
        Some((at, _)) => format!("{}… ({} characters)", &escaped[..at], text.chars().count()),
        None => escaped,
    }
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
