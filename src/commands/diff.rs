//! `meshdig diff`: ask every layer one question, diff the answers and explain the differences —
//! live through the Kubernetes API, or replayed from a snapshot.

use crate::cli::{DiffArgs, LiveArgs, OutputFormat};
use crate::derive::DiffCache;
use crate::engine::{Asker, capture_live, diff_snapshot};
use crate::error::{Error, ExitCode, Result};
use crate::pace::Pacers;
use crate::render::{json, table};

/// Runs the diff and prints it; the exit code follows the verdict.
pub async fn run(args: &DiffArgs, color: bool) -> Result<ExitCode> {
    let rtype = args.rtype.unwrap_or_else(|| args.name.default_type());
    let (snapshot, asker) = match &args.snapshot {
        Some(path) => {
            reject_live_flags(&args.live)?;
            let asker = Asker::replaying(args.from.clone(), args.namespace.clone());
            (crate::engine::load_snapshot(path).await?, asker)
        }
        None => {
            let questions = [(args.name.clone(), rtype)];
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
    let report = diff_snapshot(
        &snapshot,
        &asker,
        &args.name,
        rtype,
        args.walk.libc,
        args.walk.family,
        &DiffCache::default(),
    )
    .await?;
    let text = match args.output {
        OutputFormat::Json => json::render(&report),
        format => table::render(
            &report,
            table::TableOptions {
                wide: format == OutputFormat::Wide,
                color,
            },
        ),
    };
    super::emit(&text)?;
    Ok(ExitCode::of_verdict(report.verdict))
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
