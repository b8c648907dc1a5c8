//! `meshdig audit`: diff every name a workload can see, in a namespace or the whole cluster, and
//! summarise the findings by code; Ctrl-C stops with the partial report.

use std::future::Future;
use std::io::IsTerminal;
use std::pin::Pin;

use indicatif::{ProgressBar, ProgressStyle};

use crate::audit::{self, AuditReport};
use crate::cli::{AuditArgs, WalkArgs};
use crate::engine::{Asker, capture_live, diff_snapshot};
use crate::error::{Error, ExitCode, Result};
use crate::model::Layer;
use crate::pace::Pacers;
use crate::query::{QueryName, QueryType};
use crate::render::audit as render;
use crate::search::Libc;
use crate::snapshot::{Snapshot, WorkloadRef};

/// How many names are diffed between two looks at Ctrl-C: the diff never waits, so the runtime
/// only notices a signal when the loop gives way.
const NAMES_BETWEEN_YIELDS: usize = 64;

/// Runs the audit and prints its report. Ctrl-C while the cluster or snapshot is being read ends
/// it at once; during the diffs, it ends with the partial report.
pub async fn run(args: &AuditArgs) -> Result<ExitCode> {
    let walks = args.walk.libc != Libc::Glibc || args.walk.family.is_some();
    if walks && !args.as_typed {
        return Err(Error::Usage(
            "--libc and --family choose how names as typed are walked; add --as-typed (fully qualified names are not walked)"
                .to_string(),
        ));
    }
    // One listener for the whole run, so that the phase it arrives in decides what happens.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let scope = (!args.all_namespaces).then(|| {
        args.namespace
            .clone()
            .unwrap_or_else(|| "default".to_string())
    });
    // Biased: the listener must be in place before a snapshot's (synchronous) read begins.
    let (snapshot, asker, names) = tokio::select! {
        biased;
        _ = &mut interrupted => {
            let what = if args.snapshot.is_some() { "the snapshot" } else { "the cluster" };
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("meshdig: interrupted while reading {what}; no name was diffed\n").as_bytes(),
            );
            return Ok(ExitCode::Interrupted);
        }
        read = read(args, scope.as_deref()) => read?,
    };
    let cache = crate::derive::DiffCache::default();
    let plan = Plan {
        snapshot: &snapshot,
        asker: &asker,
        as_typed: args.as_typed,
        walk: args.walk,
        cache: &cache,
    };
    let mut report = plan.audit(&names, interrupted).await?;
    report.object_errors.clone_from(&snapshot.object_errors);
    super::print(
        args.output.format,
        |_| render::text(&report),
        || render::document(&report),
    )?;
    // The process exits next and the system takes the memory back at once; freeing a large
    // cluster's objects one by one would take a tenth of the whole audit.
    std::mem::forget((snapshot, cache));
    Ok(report.exit_code())
}

/// Reads the snapshot, or captures the cluster live, and lists the names in `scope` (every
/// namespace when `None`).
async fn read(args: &AuditArgs, scope: Option<&str>) -> Result<(Snapshot, Asker, Vec<String>)> {
    match &args.snapshot {
        Some(path) => {
            let snapshot = crate::engine::load_snapshot(path).await?;
            let names = audit::names(&snapshot.objects, &snapshot.cluster.domain, scope);
            let asker = Asker::replaying(args.from.clone(), args.namespace.clone());
            Ok((snapshot, asker, names))
        }
        None => {
            // A first capture reads the objects in scope; the second asks every name they define.
            let pacers = Pacers::new(args.live.qps);
            let (objects, _) = capture_live(
                &args.live,
                &pacers,
                args.from.as_deref(),
                args.namespace.as_deref(),
                &[],
                args.all_namespaces,
            )
            .await?;
            let names = audit::names(&objects.objects, &objects.cluster.domain, scope);
            let namespace = typing_namespace(&objects, args)?;
            let questions: Vec<(QueryName, QueryType)> = names
                .iter()
                .map(|n| match &namespace {
                    Some(ns) => audit::as_typed(n, ns, &objects.cluster.domain),
                    None => n.clone(),
                })
                .filter_map(|n| QueryName::parse(&n).ok())
                .map(|n| (n, QueryType(hickory_proto::rr::RecordType::A)))
                .collect();
            let (snapshot, asker) = capture_live(
                &args.live,
                &pacers,
                args.from.as_deref(),
                args.namespace.as_deref(),
                &questions,
                args.all_namespaces,
            )
            .await?;
            Ok((snapshot, asker, names))
        }
    }
}

/// The namespace whose apps' typing `--as-typed` follows: the `--from` pod's, else `-n`'s;
/// `None` without `--as-typed`.
fn typing_namespace(snapshot: &Snapshot, args: &AuditArgs) -> Result<Option<String>> {
    if !args.as_typed {
        return Ok(None);
    }
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let Some(spec) = &args.from else {
        return Ok(Some(namespace));
    };
    let pod = crate::workload::resolve(&snapshot.objects, &namespace, spec)?;
    Ok(Some(crate::objects::ns_name(&pod.metadata).0.to_string()))
}

/// How an audit asks its names.
struct Plan<'a> {
    snapshot: &'a Snapshot,
    asker: &'a Asker,
    as_typed: bool,
    walk: WalkArgs,
    cache: &'a crate::derive::DiffCache,
}

impl Plan<'_> {
    /// Diffs each recorded name in turn; Ctrl-C ends the loop and marks the report interrupted.
    async fn audit(
        &self,
        names: &[String],
        mut interrupted: Pin<&mut impl Future<Output = std::io::Result<()>>>,
    ) -> Result<AuditReport> {
        let snapshot = self.snapshot;
        let mut report = AuditReport::default();
        let progress = progress_bar(names.len());
        let from = self.from();
        // A name is audited only when every layer the workload's queries reach has an answer
        // recorded for its fully qualified form.
        let sidecar_needed = from.as_ref().is_some_and(|w| {
            let proxy = snapshot.proxy(&w.namespace, &w.pod);
            matches!(
                crate::mesh::dns_path(&snapshot.mesh, proxy),
                crate::workload::DnsPath::Captured { .. }
            )
        });
        let namespace = self.typing_namespace(from.as_ref());
        for (i, name) in names.iter().enumerate() {
            if i % NAMES_BETWEEN_YIELDS == 0 {
                tokio::task::yield_now().await;
            }
            progress.inc(1);
            let recorded = |source| {
                snapshot
                    .recorded(source, name, "A", from.as_ref())
                    .is_some()
            };
            if !recorded(Layer::KUBE_DNS) || (sidecar_needed && !recorded(Layer::SIDECAR)) {
                report.not_recorded(name);
                continue;
            }
            let asked = match &namespace {
                Some(ns) => audit::as_typed(name, ns, &snapshot.cluster.domain),
                None => name.clone(),
            };
            let query = QueryName::parse(&asked)?;
            let diff = tokio::select! {
                biased;
                _ = &mut interrupted => {
                    report.interrupted = true;
                    break;
                }
                diff = diff_snapshot(snapshot, self.asker, &query, QueryType(hickory_proto::rr::RecordType::A), self.walk.libc, self.walk.family, self.cache) => diff?,
            };
            report.add(&diff);
        }
        progress.finish_and_clear();
        report.finish();
        Ok(report)
    }

    /// The asking pod, as the snapshot names it.
    fn from(&self) -> Option<WorkloadRef> {
        let asker = self.asker;
        asker.from.as_ref().and_then(|spec| {
            crate::workload::resolve(&self.snapshot.objects, &asker.namespace, spec)
                .ok()
                .map(|pod| {
                    let (namespace, pod) = crate::objects::ns_name(&pod.metadata);
                    WorkloadRef {
                        namespace: namespace.to_string(),
                        pod: pod.to_string(),
                    }
                })
        })
    }

    /// The namespace names are typed in, with `--as-typed`.
    fn typing_namespace(&self, from: Option<&WorkloadRef>) -> Option<String> {
        self.as_typed
            .then(|| from.map_or_else(|| self.asker.namespace.clone(), |w| w.namespace.clone()))
    }
}

/// A progress bar on a terminal; hidden otherwise.
fn progress_bar(names: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(names as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} names {msg}")
            .expect("a valid progress template"),
    );
    bar
}
