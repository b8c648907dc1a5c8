//! Subcommand dispatch: one module per subcommand, each with a `run` that returns an exit code.

pub mod audit;
pub mod check;
pub mod diff;
pub mod dig;
pub mod explain;
pub mod generate;
pub mod resolvconf;
pub mod snapshot;

use std::io::Write;

use crate::cli::{Cli, ColorChoice, Command, OutputFormat};
use crate::error::{Error, ExitCode, Result};

/// Runs the parsed command line and returns the exit code its outcome maps to.
pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let terminal = Terminal::of_stdout(cli.color);
    colored::control::set_override(terminal.color);
    init_logging(cli.verbose);
    match cli.command {
        Command::Diff(args) => diff::run(&args, terminal).await,
        Command::Dig(args) => dig::run(&args).await,
        Command::Snapshot(args) => snapshot::run(&args).await,
        Command::Check(args) => check::run(&args).await,
        Command::Resolvconf(args) => resolvconf::run(&args).await,
        Command::Audit(args) => audit::run(&args).await,
        Command::Explain(args) => explain::run(&args),
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

/// What standard output can show: colour, and how many columns.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub color: bool,
    /// The width tables and text fit: `COLUMNS`, else the terminal's; `None` for a pipe or file.
    pub width: Option<u16>,
}

impl Terminal {
    /// Decides for standard output: `auto` colours a terminal unless NO_COLOR is set to something
    /// or TERM is `dumb`.
    fn of_stdout(choice: ColorChoice) -> Self {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                tty && set("NO_COLOR").is_none() && set("TERM").is_none_or(|t| t != "dumb")
            }
        };
        let columns = set("COLUMNS").and_then(|v| v.to_str()?.parse::<u16>().ok());
        let width = columns
            .or_else(|| {
                tty.then(|| terminal_size::terminal_size_of(std::io::stdout()))
                    .flatten()
                    .map(|(terminal_size::Width(w), _)| w)
            })
            .filter(|w| *w > 0);
        Self { color, width }
    }
}

/// Prints a report in `format`: `table(wide)` for people, else `document()` as JSON or YAML.
pub fn print(
    format: OutputFormat,
    table: impl FnOnce(bool) -> String,
    document: impl FnOnce() -> serde_json::Value,
) -> Result<()> {
    let text = match format {
        OutputFormat::Table => table(false),
        OutputFormat::Wide => table(true),
        OutputFormat::Json => crate::render::json_text(&document()),
        OutputFormat::Yaml => crate::render::yaml_text(&document()),
    };
    emit(&text)
}

/// Writes `text` to the file at `path`, or to standard output for `-`.
pub fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    if crate::input::is_stdio(path) {
        return emit(text);
    }
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
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
