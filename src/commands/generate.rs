//! `meshdig generate` (hidden): shell completions, kubectl's plugin completer and man pages,
//! rendered from the clap definitions.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::{Generator, Shell};

use crate::cli::{Cli, GenerateArgs};
use crate::error::{Error, ExitCode, Result};

/// The shells completions are generated for.
const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// Writes every generated file under `args.out_dir`.
pub fn run(args: &GenerateArgs) -> Result<ExitCode> {
    for (relative, contents) in generated_files() {
        let path = args.out_dir.join(&relative);
        let write = |path: &Path| {
            std::fs::create_dir_all(path.parent().expect("generated paths have a directory"))?;
            std::fs::write(path, &contents)?;
            // The kubectl completer is a program kubectl runs.
            let program = path.ends_with(crate::completion::KUBECTL_COMPLETER);
            let mode = if program { 0o755 } else { 0o644 };
            std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode))
        };
        write(&path).map_err(|source| Error::Write { path, source })?;
    }
    Ok(ExitCode::Agree)
}

/// Every generated file as (path relative to the repository, contents).
pub fn generated_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut command = crate::completion::visible(&Cli::command());
    for shell in SHELLS {
        let mut contents = Vec::new();
        clap_complete::generate(shell, &mut command, "meshdig", &mut contents);
        let name = shell.file_name("meshdig");
        files.push((Path::new("completions").join(name), contents));
    }
    files.push((
        Path::new("completions").join(crate::completion::KUBECTL_COMPLETER),
        KUBECTL_COMPLETER_SCRIPT.as_bytes().to_vec(),
    ));
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    collect_man_pages(&command, &command, &mut files);
    files
}

/// `kubectl_complete-meshdig` for a PATH where meshdig is installed: kubectl runs it to complete
/// `kubectl meshdig`, and meshdig answers when called by that name.
const KUBECTL_COMPLETER_SCRIPT: &str = "\
#!/usr/bin/env bash
# kubectl runs this to complete `kubectl meshdig`; meshdig answers when called by this name.
binary=\"$(command -v meshdig || command -v kubectl-meshdig)\" || exit 1
exec -a kubectl_complete-meshdig \"$binary\" \"$@\"
";

/// What every page says about the environment.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "KUBECONFIG",
        "The kubeconfig files to use when --kubeconfig is not given; a list is merged, as kubectl merges it.",
    ),
    (
        "NO_COLOR",
        "When set to anything, no colour (unless --color always).",
    ),
    ("TERM", "When dumb, no colour (unless --color always)."),
    (
        "COLUMNS",
        "The width tables and findings fit, instead of the terminal's; without a terminal and without it, nothing is wrapped.",
    ),
];

/// What every page says about the files meshdig reads by default.
const FILES: &[(&str, &str)] = &[
    (
        "~/.kube/config",
        "The kubeconfig when neither --kubeconfig nor KUBECONFIG is given.",
    ),
    (
        "/var/run/secrets/kubernetes.io/serviceaccount/",
        "In a pod without a kubeconfig: its service account's token and CA.",
    ),
];

fn collect_man_pages(
    root: &clap::Command,
    command: &clap::Command,
    files: &mut Vec<(PathBuf, Vec<u8>)>,
) {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_man_pages(root, sub, files);
    }
    let man = clap_mangen::Man::new(command.clone());
    files.push((
        Path::new("man").join(man.get_filename()),
        man_page(&man, root, command),
    ));
}

/// One man page: clap_mangen's title, name, description, options and commands, with meshdig's
/// own synopsis (argument names included), examples, exit status, environment, files and see also.
fn man_page(man: &clap_mangen::Man, root: &clap::Command, command: &clap::Command) -> Vec<u8> {
    type Part = fn(&clap_mangen::Man, &mut dyn std::io::Write) -> std::io::Result<()>;
    let render = |part: Part| {
        let mut out = Vec::new();
        part(man, &mut out).expect("rendering into memory cannot fail");
        // Every rendering starts with roff's two-line preamble; one is enough.
        String::from_utf8_lossy(&out)
            .lines()
            .skip(2)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let mut page = String::from(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n");
    page += &render(clap_mangen::Man::render_title);
    page += &render(clap_mangen::Man::render_name_section);
    page += &synopsis(command);
    page += &render(clap_mangen::Man::render_description_section);
    page += &render(clap_mangen::Man::render_options_section);
    if command.get_subcommands().next().is_some() {
        page += &render(clap_mangen::Man::render_subcommands_section);
    }
    let after = command
        .get_after_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    page += &after_help_section(&after, "Examples:", "EXAMPLES");
    page += &after_help_section(&after, "Exit codes:", "EXIT STATUS");
    page += &listed("ENVIRONMENT", ENVIRONMENT);
    page += &listed("FILES", FILES);
    page += &see_also(root, command);
    page += &render(clap_mangen::Man::render_version_section);
    page.into_bytes()
}

/// Text for roff: backslashes and dashes escaped, no line starting with a control character.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    match escaped.starts_with(['.', '\'']) {
        true => format!("\\&{escaped}"),
        false => escaped,
    }
}

/// `meshdig diff [-t TYPE]... [--from POD] … NAME...`: every visible flag with its value's name.
fn synopsis(command: &clap::Command) -> String {
    let mut words = vec![format!(
        "\\fB{}\\fR",
        roff(command.get_bin_name().unwrap_or(command.get_name()))
    )];
    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
        let id = arg.get_id().as_str();
        if id == "help" || id == "version" {
            continue;
        }
        let value = arg
            .get_value_names()
            .filter(|_| arg.get_action().takes_values())
            .and_then(|v| v.first())
            .map(|v| format!(" \\fI{}\\fR", roff(v)))
            .unwrap_or_default();
        let repeated = matches!(
            arg.get_action(),
            clap::ArgAction::Append | clap::ArgAction::Count
        );
        let more = if repeated { "..." } else { "" };
        let word = match (arg.get_short(), arg.get_long()) {
            _ if arg.is_positional() => format!("\\fI{}\\fR", roff(&value_name(arg))),
            (Some(short), _) => format!("\\fB\\-{short}\\fR{value}"),
            (None, Some(long)) => format!("\\fB\\-\\-{}\\fR{value}", roff(long)),
            (None, None) => continue,
        };
        words.push(match arg.is_required_set() {
            true => format!("{word}{more}"),
            false => format!("[{word}]{more}"),
        });
    }
    if command.get_subcommands().next().is_some() {
        words.push("\\fICOMMAND\\fR".to_string());
    }
    format!(".SH SYNOPSIS\n{}\n", words.join(" "))
}

/// A positional argument's value name.
fn value_name(arg: &clap::Arg) -> String {
    arg.get_value_names().and_then(|v| v.first()).map_or_else(
        || arg.get_id().to_string().to_uppercase(),
        ToString::to_string,
    )
}

/// The part of `after` under `heading` (up to a blank line) as section `title`: one entry per line.
fn after_help_section(after: &str, heading: &str, title: &str) -> String {
    let Some(start) = after.find(heading) else {
        return String::new();
    };
    let body = &after[start + heading.len()..];
    let body = body.split("\n\n").next().unwrap_or(body);
    let mut out = format!(".SH {title}\n");
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once("  ").filter(|_| title == "EXIT STATUS") {
            Some((code, meaning)) => {
                out += &format!(".TP\n\\fB{}\\fR\n{}\n", roff(code), roff(meaning.trim()));
            }
            None => out += &format!(".PP\n.nf\n{}\n.fi\n", roff(line)),
        }
    }
    out
}

/// A section of `(term, meaning)` entries.
fn listed(title: &str, entries: &[(&str, &str)]) -> String {
    let mut out = format!(".SH {title}\n");
    for (term, meaning) in entries {
        out += &format!(".TP\n\\fB{}\\fR\n{}\n", roff(term), roff(meaning));
    }
    out
}

/// The other pages of meshdig, and the tools it stands beside.
fn see_also(root: &clap::Command, command: &clap::Command) -> String {
    let mut pages = vec![root.get_name().to_string()];
    pages.extend(
        root.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| format!("{}-{}", root.get_name(), s.get_name())),
    );
    let own = command
        .get_bin_name()
        .unwrap_or(command.get_name())
        .replace(' ', "-");
    let mut refs: Vec<String> = pages
        .into_iter()
        .filter(|p| *p != own)
        .map(|p| format!("\\fB{}\\fR(1)", roff(&p)))
        .collect();
    refs.extend([
        "\\fBkubectl\\fR(1)".to_string(),
        "\\fBdig\\fR(1)".to_string(),
    ]);
    format!(".SH \"SEE ALSO\"\n{}\n", refs.join(", "))
}
