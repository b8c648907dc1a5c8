//! The command line: clap definitions for every subcommand and the global flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::query::{QueryName, QueryType};

/// Exit codes, shown at the end of `--help`; the contract is `docs/exit-codes.md`.
const EXIT_CODES: &str = "\
Exit codes:
  0    every layer agrees, or every difference is by design
  1    a discrepancy: a finding of severity error
  2    usage or input error (flag, name, snapshot file)
  3    a source could not be asked, and nothing worse was found
  130  interrupted (Ctrl-C)";

/// Ask every DNS layer of a Kubernetes service mesh the same question, diff the answers and explain
/// each difference.
#[derive(Debug, Parser)]
#[command(name = "meshdig", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    /// When to colour the output: auto colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask kube-dns, the sidecar and the control plane one question, diff the answers against the
    /// objects and explain every difference.
    #[command(after_help = EXIT_CODES)]
    Diff(DiffArgs),

    /// Write shell completions and man pages (for packagers and the project's own checks).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Arguments of `meshdig diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The name to look up. A relative name (no trailing dot) is expanded like the pod's resolver does
    /// first: with its first search domain when it has fewer dots than ndots. End it with '.' to ask it exactly.
    #[arg(value_parser = parse_name)]
    pub name: QueryName,

    /// The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …).
    #[arg(short = 't', long = "type", value_name = "TYPE", default_value = "A", value_parser = parse_type)]
    pub rtype: QueryType,

    /// The pod the question is asked from: pod/NAME, deploy/NAME or a pod name.
    #[arg(long, value_name = "POD")]
    pub from: Option<String>,

    /// The namespace of --from, and of relative names.
    #[arg(short = 'n', long, value_name = "NS", default_value = "default")]
    pub namespace: String,

    /// Read the cluster, the mesh and the recorded answers from this snapshot file (format: docs/snapshot.md).
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,

    /// Output format: a table, a wide table with origins and notes, or JSON (docs/json.md).
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// Arguments of the hidden `meshdig generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The directory that receives `completions/` and `man/`.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Wide,
    Json,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_name(input: &str) -> Result<QueryName, String> {
    QueryName::parse(input).map_err(|e| e.to_string())
}

fn parse_type(input: &str) -> Result<QueryType, String> {
    input
        .parse()
        .map_err(|e: crate::error::Error| e.to_string())
}
