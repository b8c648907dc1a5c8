//! `meshdig check -f FILE`: run a file of expectations against a live cluster or a snapshot and fail
//! CI when mesh DNS drifts (exit 1), with JSON and JUnit output.

use std::collections::BTreeMap;

use crate::checks;
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
    let asker_of = |e: &checks::Expectation| Asker {
        from: e.from.clone().or_else(|| file.defaults.from.clone()),
        namespace: e
            .namespace
            .clone()
            .or_else(|| file.defaults.namespace.clone())
            .or_else(|| args.namespace.clone())
            .unwrap_or_else(|| "default".to_string()),
    };
    let mut results = Vec::new();
    match &args.snapshot {
        Some(path) => {
            let snapshot = crate::engine::load_snapshot(path).await?;
            let cache = DiffCache::default();
            for (index, expectation) in file.expectations.iter().enumerate() {
                let report = diff_snapshot(
                    &snapshot,
                    &asker_of(expectation),
                    &expectation.name,
                    expectation.query_type(),
                    args.walk.libc,
                    args.walk.family,
                    &cache,
                )
                .await
                .map_err(|e| file.blame(index, e))?;
                results.push(judged(expectation, report));
            }
        }
        None => {
            // One capture per asking pod, with every question that pod asks.
            let mut groups: BTreeMap<(Option<String>, Option<String>), Vec<&checks::Expectation>> =
                BTreeMap::new();
            for expectation in &file.expectations {
                let namespace = expectation
                    .namespace
                    .clone()
                    .or_else(|| file.defaults.namespace.clone())
                    .or_else(|| args.namespace.clone());
                let from = expectation
                    .from
                    .clone()
                    .or_else(|| file.defaults.from.clone());
                groups
                    .entry((from, namespace))
                    .or_default()
                    .push(expectation);
            }
            let mut by_index = Vec::new();
            // Every capture shares each DNS server's pacing (--qps).
            let pacers = Pacers::new(args.live.qps);
            let index_of = |expectation: &checks::Expectation| {
                file.expectations
                    .iter()
                    .position(|e| std::ptr::eq(e, expectation))
                    .unwrap_or_default()
            };
            for ((from, namespace), expectations) in groups {
                let questions: Vec<_> = expectations
                    .iter()
                    .map(|e| (e.name.clone(), e.query_type()))
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
                .map_err(|e| file.blame(index_of(expectations[0]), e))?;
                // What a diff caches holds for one capture only.
                let cache = DiffCache::default();
                for expectation in expectations {
                    let report = diff_snapshot(
                        &snapshot,
                        &asker,
                        &expectation.name,
                        expectation.query_type(),
                        args.walk.libc,
                        args.walk.family,
                        &cache,
                    )
                    .await?;
                    by_index.push((index_of(expectation), judged(expectation, report)));
                }
            }
            by_index.sort_by_key(|(index, _)| *index);
            results.extend(by_index.into_iter().map(|(_, result)| result));
        }
    }
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

fn judged(expectation: &checks::Expectation, report: crate::report::Report) -> CheckResult<'_> {
    let evaluation = checks::evaluate(expectation, &report);
    CheckResult {
        expectation,
        report,
        evaluation,
    }
}
