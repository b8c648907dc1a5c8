//! meshdig asks every DNS layer of a Kubernetes service mesh the same question, diffs the answers and
//! explains each difference.
//!
//! The crate is a library with a thin binary: [`run`] takes the command line and returns the exit code.
//! Models, emulators, the diff and the explanations are pure; sources and renderers sit at the edges.

pub mod audit;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod completion;
pub mod derive;
pub mod diff;
pub mod emulate;
pub mod engine;
pub mod error;
pub mod explain;
pub mod finding;
pub mod input;
pub mod live;
pub mod mesh;
pub mod model;
pub mod name_table;
pub mod objects;
pub mod pace;
pub mod query;
pub mod render;
pub mod report;
pub mod resolution;
pub mod rules;
pub mod search;
pub mod snapshot;
pub mod sources;
pub mod walk;
pub mod workload;

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::error::ExitCode;

/// Runs meshdig with `argv` (program name first) and returns the process exit code; run as
/// `kubectl_complete-meshdig`, it answers kubectl's completion of the plugin instead.
pub fn run(argv: Vec<OsString>) -> u8 {
    let stem = argv.first().and_then(|a| Path::new(a).file_stem());
    if stem.is_some_and(|s| s == completion::KUBECTL_COMPLETER) {
        let words: Vec<String> = argv
            .iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into())
            .collect();
        let text = completion::kubectl_completions(&Cli::command(), &words);
        let _ = std::io::stdout().write_all(text.as_bytes());
        return ExitCode::Agree.code();
    }
    let display = display_name(argv.first().map(Path::new));
    let subcommand = subcommand_of(&argv);
    let mut command = Cli::command().bin_name(&display);
    let parsed = command
        .try_get_matches_from_mut(argv)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => return clap_failure(&err, &display, subcommand.as_deref()),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "{display}: cannot start the async runtime: {e}"
            );
            return ExitCode::Usage.code();
        }
    };
    // An audit stops on Ctrl-C by itself, to print its partial report; everything else is cut off.
    let handles_interrupt = matches!(cli.command, cli::Command::Audit(_));
    let outcome = runtime.block_on(async {
        if handles_interrupt {
            return Some(commands::dispatch(cli).await);
        }
        tokio::select! {
            result = commands::dispatch(cli) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    // A read still blocked (a FIFO without a writer) must not keep the process alive.
    runtime.shutdown_background();
    match outcome {
        Some(Ok(code)) => code.code(),
        Some(Err(err)) => {
            let _ = writeln!(
                std::io::stderr(),
                "{display}: {}",
                error::one_line(&err.to_string())
            );
            err.exit_code().code()
        }
        None => {
            let _ = writeln!(std::io::stderr(), "{display}: interrupted");
            ExitCode::Interrupted.code()
        }
    }
}

/// `kubectl meshdig` when installed as the kubectl plugin `kubectl-meshdig`, else `meshdig`.
fn display_name(argv0: Option<&Path>) -> String {
    let stem = argv0
        .and_then(Path::file_stem)
        .and_then(|s| s.to_str())
        .unwrap_or("meshdig");
    match stem.strip_prefix("kubectl-") {
        Some(plugin) => format!("kubectl {}", plugin.replace('_', "-")),
        None => "meshdig".to_string(),
    }
}

/// Prints help and version as clap does; every usage error becomes one line on stderr with exit 2.
fn clap_failure(err: &clap::Error, display: &str, subcommand: Option<&str>) -> u8 {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            return ExitCode::Agree.code();
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand if subcommand.is_none() => {
            let commands: Vec<String> = Cli::command()
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| s.get_name().to_string())
                .collect();
            let _ = writeln!(
                std::io::stderr(),
                "{display}: a command is needed: {} (see '{display} --help')",
                commands.join(", ")
            );
            return ExitCode::Usage.code();
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return ExitCode::Usage.code();
        }
        _ => {}
    }
    if let Some(hint) = output_hint(err, subcommand) {
        let _ = writeln!(
            std::io::stderr(),
            "{display}: {hint} (see '{display} snapshot --help')"
        );
        return ExitCode::Usage.code();
    }
    // A value meshdig's own parser refused: its message quotes the value safely, so clap's
    // `invalid value '<whole input>'` prefix (raw and unbounded) is left out.
    if err.kind() == ErrorKind::ValueValidation
        && let Some(source) = std::error::Error::source(err)
    {
        let arg = err
            .get(clap::error::ContextKind::InvalidArg)
            .map_or_else(String::new, |a| format!("{a}: "));
        let line = error::one_line(&format!("{arg}{source}"));
        let _ = writeln!(
            std::io::stderr(),
            "{display}: {line} (see '{}')",
            help_command(display, subcommand)
        );
        return ExitCode::Usage.code();
    }
    let text = err.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid usage");
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let mut details = Vec::new();
    for line in lines {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        details.push(line.strip_prefix("tip: ").unwrap_or(line));
    }
    if !details.is_empty() {
        message.push_str(if message.ends_with(':') { " " } else { "; " });
        message.push_str(&details.join("; "));
    }
    let help = help_command(display, subcommand);
    let message = error::one_line(&message);
    let _ = writeln!(std::io::stderr(), "{display}: {message} (see '{help}')");
    ExitCode::Usage.code()
}

/// The hint for `snapshot -o …`: `-o` is a report format everywhere, and a snapshot is a file.
fn output_hint(err: &clap::Error, subcommand: Option<&str>) -> Option<&'static str> {
    let arg = err.get(clap::error::ContextKind::InvalidArg)?.to_string();
    let output = arg == "-o" || arg.starts_with("--output");
    // `snapshot show -o FORMAT` takes a format: only capture has no -o.
    let unknown = err.kind() == clap::error::ErrorKind::UnknownArgument;
    (subcommand == Some("snapshot") && output && unknown).then_some(
        "-o chooses a report format, and a snapshot is always a JSON file: write it with --file FILE (--file - for standard output)",
    )
}

/// `meshdig --help`, or the named subcommand's help.
fn help_command(display: &str, subcommand: Option<&str>) -> String {
    match subcommand {
        Some(sub) => format!("{display} {sub} --help"),
        None => format!("{display} --help"),
    }
}

/// The subcommand named on the command line, for pointing at its help.
fn subcommand_of(argv: &[OsString]) -> Option<String> {
    let known: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect();
    argv.iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find(|a| !a.starts_with('-'))
        .filter(|a| known.iter().any(|k| k == a))
        .map(str::to_string)
}
