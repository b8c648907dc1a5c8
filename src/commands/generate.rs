//! `meshdig generate` (hidden): shell completions and man pages, rendered from the clap definitions.

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
            std::fs::write(path, &contents)
        };
        write(&path).map_err(|source| Error::Write { path, source })?;
    }
    Ok(ExitCode::Agree)
}

/// Every generated file as (path relative to the repository, contents).
pub fn generated_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut command = Cli::command();
    for shell in SHELLS {
        let mut contents = Vec::new();
        clap_complete::generate(shell, &mut command, "meshdig", &mut contents);
        let name = shell.file_name("meshdig");
        files.push((Path::new("completions").join(name), contents));
    }
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    collect_man_pages(&command, &mut files);
    files
}

fn collect_man_pages(command: &clap::Command, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_man_pages(sub, files);
    }
    let man = clap_mangen::Man::new(command.clone());
    let mut contents = Vec::new();
    man.render(&mut contents)
        .expect("rendering into memory cannot fail");
    files.push((Path::new("man").join(man.get_filename()), contents));
}
