//! `meshdig explain [CODE]`: a finding code's documentation, offline, or the list of codes.

use serde_json::json;

use crate::cli::ExplainArgs;
use crate::error::{Error, ExitCode, Result, quoted};
use crate::explain;
use crate::finding::Code;

/// Prints the code's section of the findings page, or every code with what to do about it.
pub fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let Some(asked) = &args.code else {
        super::print(
            args.output.format,
            |_| list(),
            || {
                let codes: Vec<_> = explain::codes().into_iter().map(entry).collect();
                json!({ "codes": codes })
            },
        )?;
        return Ok(ExitCode::Agree);
    };
    let code = explain::codes()
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(asked.trim()))
        .ok_or_else(|| {
            Error::Usage(format!(
                "unknown finding code '{}'; 'meshdig explain' lists the codes",
                quoted(asked)
            ))
        })?;
    super::print(
        args.output.format,
        |_| text(code),
        || {
            let mut document = entry(code);
            document["text"] = json!(explain::section(code));
            document
        },
    )?;
    Ok(ExitCode::Agree)
}

/// A code's section for a terminal: the markdown's lines, bold markers and link targets left out.
fn text(code: &'static str) -> String {
    let section = explain::section(code).unwrap_or_default();
    let mut out: String = section
        .lines()
        .map(|line| explain::unmarked(line) + "\n")
        .collect();
    out.push_str(&format!(
        "\nReference: {}\n",
        explain::reference(Code::new(code))
    ));
    out
}

/// Every code with what to do about it, one line each.
fn list() -> String {
    let codes = explain::codes();
    let width = codes.iter().map(|c| c.len()).max().unwrap_or_default();
    let mut out = String::new();
    for code in codes {
        let todo = explain::what_to_do(Code::new(code)).unwrap_or_default();
        out.push_str(&format!("{code:<width$}  {todo}\n"));
    }
    out
}

/// A code's JSON entry: the code, its reference and what to do.
fn entry(code: &'static str) -> serde_json::Value {
    let code = Code::new(code);
    json!({
        "code": code.as_str(),
        "reference": explain::reference(code),
        "what_to_do": explain::what_to_do(code),
    })
}
