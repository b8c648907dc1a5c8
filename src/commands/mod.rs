//! Subcommand dispatch: one module per subcommand, each with a `run` that returns an exit code.

pub mod audit;
pub mod check;
pub mod diff;
pub mod dig;
pub mod generate;
pub mod resolvconf;
pub mod snapshot;

use std::io::Write;

use crate::cli::{Cli, ColorChoice, Command};
use crate::error::{Error, ExitCode, Result};

/// Runs the parsed command line and returns the exit code its outcome maps to.
pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let color = use_color(cli.color);
    colored::control::set_override(color);
    init_logging(cli.verbose);
    match cli.command {
        Command::Diff(args) => diff::run(&args, color).await,
        Command::Dig(args) => dig::run(&args).await,
        Command::Snapshot(args) => snapshot::run(&args).await,
        Command::Check(args) => check::run(&args).await,
        Command::Resolvconf(args) => resolvconf::run(&args).await,
        Command::Audit(args) => audit::run(&args).await,
        Command::Generate(args) => generate::run(&args),
    }
}

/// Logs to stderr: nothing by default, meshdig's steps with -v, API and DNS traffic with -vv.
fn init_logging(verbose: u8) {
    use tracing::level_filters::LevelFilter;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let targets = match verbose {
        0 => return,
        1 => Targets::new().with_target("meshdig", LevelFilter::DEBUG),
        _ => Targets::new()
            .with_target("meshdig", LevelFilter::TRACE)
            .with_target("kube_client", LevelFilter::DEBUG)
            .with_target("hickory_net", LevelFilter::DEBUG),
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(targets))
        .try_init();
}

/// Decides colour: `auto` colours a terminal unless NO_COLOR is set to something.
fn use_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Writes `text` to standard output, made terminal-safe ([`crate::render::terminal_safe`]); a
/// reader that went away (`| head`) is not an error.
pub fn emit(text: &str) -> Result<()> {
    let color = colored::control::SHOULD_COLORIZE.should_colorize();
    let text = crate::render::terminal_safe(text, color);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}
