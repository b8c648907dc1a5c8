//! `meshdig check -f FILE`: run a file of expectations against a live cluster or a snapshot and fail
//! CI when mesh DNS drifts (exit 1), with JSON and JUnit output.

use std::collections::BTreeMap;

use crate::checks::{self, CheckFile};
use crate::cli::CheckArgs;
use crate::derive::DiffCache;
use crate::engine::{Asker, capture_live, diff_snapshot};
use crate::error::{ExitCode, Result};
use crate::pace::Pacers;
use crate::render::check::{self, CheckResult};

/// Runs every expectation and reports; the exit code is the worst outcome.
pub async fn run(args: &CheckArgs) -> Result<ExitCode> {
    crate::input::one_stdin(&[
        ("-f", Some(&args.file)),
        ("--snapshot", args.snapshot.as_deref()),
    ])?;
    let file = checks::load(&args.file).await?;
    let results = match &args.snapshot {
        Some(path) => replayed(args, &file, path).await?,
        None => captured(args, &file).await?,
    };
    let (_, failed, errors) = check::tally(&results);
    let exit = ExitCode::of_run(failed, errors, false);
    if let Some(path) = &args.junit {
        super::write_file(path, &check::junit(&results))?;
        if crate::input::is_stdio(path) {
            return Ok(exit);
        }
    }
    super::print(
        args.output.format,
        |_| check::text(&results),
        || check::document(&results, exit.code()),
    )?;
    Ok(exit)
}

/// The namespace an expectation asks from: its own, the file's default, else `-n`.
fn namespace_of(args: &CheckArgs, file: &CheckFile, e: &checks::Expectation) -> Option<String> {
    e.namespace
        .clone()
        .or_else(|| file.defaults.namespace.clone())
        .or_else(|| args.namespace.clone())
}

/// Every expectation judged against the snapshot at `path`.
async fn replayed<'f>(
    args: &CheckArgs,
    file: &'f CheckFile,
    path: &std::path::Path,
) -> Result<Vec<CheckResult<'f>>> {
    let snapshot = crate::engine::load_snapshot(path).await?;
    let cache = DiffCache::default();
    let mut results = Vec::new();
    for (index, expectation) in file.expectations.iter().enumerate() {
        let asker = Asker {
            from: expectation
                .from
                .clone()
                .or_else(|| file.defaults.from.clone()),
            namespace: namespace_of(args, file, expectation)
                .unwrap_or_else(|| "default".to_string()),
        };
        let report = report_of(args, &snapshot, &asker, expectation, &cache)
            .await
            .map_err(|e| file.blame(index, e))?;
        results.push(judged(expectation, report));
    }
    Ok(results)
}

/// The diff of `expectation`'s question, asked by `asker` of `snapshot`, walked as `args` say.
async fn report_of(
    args: &CheckArgs,
    snapshot: &crate::snapshot::Snapshot,
    asker: &Asker,
    expectation: &checks::Expectation,
    cache: &DiffCache,
) -> Result<crate::report::Report> {
    diff_snapshot(
        snapshot,
        asker,
        &expectation.name,
        expectation.query_type(),
        args.walk.libc,
        args.walk.family,
        cache,
    )
    .await
}

/// Who asks in a live check: `--from` and the namespace.
type AskingPod = (Option<String>, Option<String>);

/// Every expectation judged live: one capture per asking pod, with every question that pod asks.
async fn captured<'f>(args: &CheckArgs, file: &'f CheckFile) -> Result<Vec<CheckResult<'f>>> {
    let mut groups: BTreeMap<AskingPod, Vec<(usize, &checks::Expectation)>> = BTreeMap::new();
    for (index, expectation) in file.expectations.iter().enumerate() {
        let from = expectation
            .from
            .clone()
            .or_else(|| file.defaults.from.clone());
        groups
            .entry((from, namespace_of(args, file, expectation)))
            .or_default()
            .push((index, expectation));
    }
    let mut by_index = Vec::new();
    // Every capture shares each DNS server's pacing (--qps).
    let pacers = Pacers::new(args.live.qps);
    for ((from, namespace), expectations) in groups {
        let questions: Vec<_> = expectations
            .iter()
            .map(|(_, e)| (e.name.clone(), e.query_type()))
            .collect();
        let (snapshot, asker) = capture_live(
            &args.live,
            &pacers,
            from.as_deref(),
            namespace.as_deref(),
            &questions,
            false,
        )
        .await
        .map_err(|e| file.blame(expectations[0].0, e))?;
        // What a diff caches holds for one capture only.
        let cache = DiffCache::default();
        for (index, expectation) in expectations {
            let report = report_of(args, &snapshot, &asker, expectation, &cache).await?;
            by_index.push((index, judged(expectation, report)));
        }
    }
    by_index.sort_by_key(|(index, _)| *index);
    Ok(by_index.into_iter().map(|(_, result)| result).collect())
}

fn judged(expectation: &checks::Expectation, report: crate::report::Report) -> CheckResult<'_> {
    let evaluation = checks::evaluate(expectation, &report);
    CheckResult {
        expectation,
        report,
        evaluation,
    }
}
