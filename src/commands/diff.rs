//! `meshdig diff`: ask every layer one question, diff the answers and explain the differences —
//! live through the Kubernetes API, or replayed from a snapshot. Several names and types are one
//! section each, with one exit code: the worst.

use serde_json::{Value, json};

use crate::cli::{DiffArgs, LiveArgs};
use crate::derive::DiffCache;
use crate::engine::{Asker, capture_live, diff_snapshot};
use crate::error::{Error, ExitCode, Result};
use crate::finding::Verdict;
use crate::pace::Pacers;
use crate::query::{QueryName, QueryType};
use crate::render::{json, table};
use crate::report::Report;

/// Runs every diff and prints them; the exit code follows the worst verdict.
pub async fn run(args: &DiffArgs, terminal: super::Terminal) -> Result<ExitCode> {
    let questions = questions(&args.names, &args.types);
    let (snapshot, asker) = match &args.snapshot {
        Some(path) => {
            reject_live_flags(&args.live)?;
            let asker = Asker::replaying(args.from.clone(), args.namespace.clone());
            (crate::engine::load_snapshot(path).await?, asker)
        }
        None => {
            capture_live(
                &args.live,
                &Pacers::new(args.live.qps),
                args.from.as_deref(),
                args.namespace.as_deref(),
                &questions,
                false,
            )
            .await?
        }
    };
    let cache = DiffCache::default();
    let mut reports = Vec::new();
    for (name, rtype) in &questions {
        let (libc, family) = (args.walk.libc, args.walk.family);
        let report = diff_snapshot(&snapshot, &asker, name, *rtype, libc, family, &cache).await?;
        reports.push(report);
    }
    let exit = worst(&reports);
    super::print(
        args.output.format,
        |wide| {
            let options = table::TableOptions {
                wide,
                color: terminal.color,
                width: terminal.width,
            };
            let sections: Vec<String> = reports.iter().map(|r| table::render(r, options)).collect();
            sections.join("\n")
        },
        || document(&reports, exit),
    )?;
    Ok(exit)
}

/// Every name with every type asked (each name's default type when none is given), in order.
pub fn questions(names: &[QueryName], types: &[QueryType]) -> Vec<(QueryName, QueryType)> {
    names
        .iter()
        .flat_map(|name| {
            let types = if types.is_empty() {
                vec![name.default_type()]
            } else {
                types.to_vec()
            };
            types.into_iter().map(move |rtype| (name.clone(), rtype))
        })
        .collect()
}

/// The exit code of several diffs: the worst verdict's.
fn worst(reports: &[Report]) -> ExitCode {
    let verdict = reports
        .iter()
        .fold(Verdict::Consistent, |worst, r| worst.worse(r.verdict));
    ExitCode::of_verdict(verdict)
}

/// One question's document as it is, several questions' as a list of them (docs/json.md).
fn document(reports: &[Report], exit: ExitCode) -> Value {
    match reports {
        [one] => json::to_value(one),
        many => json!({
            "schema_version": json::JSON_SCHEMA_VERSION,
            "meshdig_version": env!("CARGO_PKG_VERSION"),
            "items": many.iter().map(json::to_value).collect::<Vec<Value>>(),
            "exit_code": exit.code(),
        }),
    }
}

fn reject_live_flags(live: &LiveArgs) -> Result<()> {
    match live.given().as_slice() {
        [] => Ok(()),
        flags => Err(Error::Usage(format!(
            "{} {} a live cluster and cannot be combined with --snapshot; drop one or the other",
            flags.join(", "),
            if flags.len() == 1 {
                "is for"
            } else {
                "are for"
            }
        ))),
    }
}
