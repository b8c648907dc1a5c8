//! What shell completion offers: the command line without its hidden commands and flags, for the
//! generated completion scripts, and `kubectl_complete-meshdig`, which answers kubectl's plugin
//! completion (`kubectl meshdig <TAB>`) in cobra's `__complete` format.

use clap::{Arg, ArgAction, Command, ValueHint};

/// The name kubectl runs to complete the plugin `kubectl-meshdig`.
pub const KUBECTL_COMPLETER: &str = "kubectl_complete-meshdig";

/// cobra's directives: complete nothing else, or fall back to file names.
const NO_FILES: u8 = 4;
const FILES: u8 = 0;

/// `command` as completion should see it: hidden subcommands and flags left out, at every level.
pub fn visible(command: &Command) -> Command {
    let mut shown = Command::new(command.get_name().to_string())
        .disable_help_subcommand(true)
        .args(
            command
                .get_arguments()
                .filter(|a| !a.is_hide_set())
                .cloned(),
        )
        .subcommands(
            command
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        );
    if let Some(about) = command.get_about() {
        shown = shown.about(about.clone());
    }
    if let Some(version) = command.get_version() {
        shown = shown.version(version.to_string());
    }
    shown
}

/// The completions of the last of `words` (what follows `kubectl meshdig`), one per line with its
/// description after a tab, then cobra's directive line.
pub fn kubectl_completions(command: &Command, words: &[String]) -> String {
    let mut command = visible(command);
    command.build();
    let (partial, before) = words
        .split_last()
        .map_or(("", &[][..]), |(p, b)| (p.as_str(), b));
    let mut current = &command;
    let mut takes_value: Option<&Arg> = None;
    for word in before {
        if takes_value.take().is_some() {
            continue;
        }
        if word.starts_with('-') {
            takes_value = flag(current, word).filter(|a| a.get_action().takes_values());
        } else if let Some(sub) = current.find_subcommand(word) {
            current = sub;
        }
    }
    let (candidates, directive) = match takes_value {
        Some(arg) => values(arg),
        None if partial.starts_with('-') => (flags(current), NO_FILES),
        None => (subcommands(current), NO_FILES),
    };
    let mut out: String = candidates
        .into_iter()
        .filter(|(name, _)| name.starts_with(partial))
        .map(|(name, about)| format!("{name}\t{about}\n"))
        .collect();
    out.push_str(&format!(":{directive}\n"));
    out
}

/// The flag `word` (`--name`, `--name=value` or `-x`) of `command`.
fn flag<'a>(command: &'a Command, word: &str) -> Option<&'a Arg> {
    let name = word.split('=').next().unwrap_or(word);
    command
        .get_arguments()
        .find(|a| match name.strip_prefix("--") {
            Some(long) => a.get_long() == Some(long),
            None => name.len() == 2 && a.get_short() == name.chars().nth(1),
        })
}

/// The values an option takes: its possible values, else file names for a file, else nothing.
fn values(arg: &Arg) -> (Vec<(String, String)>, u8) {
    let possible: Vec<(String, String)> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| (v.get_name().to_string(), help_of(v.get_help())))
        .collect();
    let files = possible.is_empty() && arg.get_value_hint() == ValueHint::FilePath;
    (possible, if files { FILES } else { NO_FILES })
}

/// Every flag of `command`, long form, with its help's first line.
fn flags(command: &Command) -> Vec<(String, String)> {
    command
        .get_arguments()
        .filter(|a| !a.is_positional() && !matches!(a.get_action(), ArgAction::Version))
        .filter_map(|a| Some((format!("--{}", a.get_long()?), help_of(a.get_help()))))
        .collect()
}

/// The subcommands of `command`, with their help's first line.
fn subcommands(command: &Command) -> Vec<(String, String)> {
    command
        .get_subcommands()
        .map(|s| (s.get_name().to_string(), help_of(s.get_about())))
        .collect()
}

/// The first sentence of a help text, on one line.
fn help_of(help: Option<&clap::builder::StyledStr>) -> String {
    let text = help.map(ToString::to_string).unwrap_or_default();
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.split(": ")
        .next()
        .unwrap_or(&line)
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn complete(words: &[&str]) -> Vec<String> {
        let words: Vec<String> = words.iter().map(ToString::to_string).collect();
        kubectl_completions(&crate::cli::Cli::command(), &words)
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn completes_commands_flags_and_values_but_nothing_hidden() {
        let top = complete(&[""]);
        assert!(top.contains(&"diff".to_string()) && top.contains(&"explain".to_string()));
        assert!(!top.contains(&"generate".to_string()), "{top:?}");
        assert_eq!(top.last().unwrap(), ":4");
        let dig = complete(&["dig", "--"]);
        assert!(dig.contains(&"--from".to_string()) && !dig.contains(&"--snapshot".to_string()));
        assert_eq!(complete(&["diff", "-o", "y"]), ["yaml", ":4"]);
        assert_eq!(complete(&["diff", "--from", ""]), [":4"]);
        assert_eq!(complete(&["diff", "--snapshot", ""]), [":0"]);
    }
}
