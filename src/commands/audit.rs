//! `meshdig audit`: diff every name a workload can see, in a namespace or the whole cluster, and
//! summarise the findings by code; Ctrl-C stops with the partial report.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::audit::{self, AuditReport};
use crate::cli::{AuditArgs, CheckFormat};
use crate::commands::diff::{Asker, capture_live, diff_snapshot};
use crate::error::{ExitCode, Result};
use crate::model::SourceKind;
use crate::query::{QueryName, QueryType};
use crate::render::audit as render;
use crate::snapshot::{Snapshot, WorkloadRef};

/// Runs the audit and prints its report; Ctrl-C while the cluster is being read ends it at once.
pub async fn run(args: &AuditArgs) -> Result<ExitCode> {
    tokio::select! {
        code = audit(args) => code,
        _ = tokio::signal::ctrl_c(), if args.snapshot.is_none() => {
            let _ = std::io::Write::write_all(&mut std::io::stderr(), b"meshdig: interrupted while reading the cluster; no name was diffed\n");
            Ok(ExitCode::Interrupted)
        }
    }
}

async fn audit(args: &AuditArgs) -> Result<ExitCode> {
    let scope = (!args.all_namespaces).then(|| {
        args.namespace
            .clone()
            .unwrap_or_else(|| "default".to_string())
    });
    let (snapshot, asker, names) = match &args.snapshot {
        Some(path) => {
            let snapshot = Snapshot::load(path)?;
            let names = audit::names(
                &snapshot.objects,
                &snapshot.cluster.domain,
                scope.as_deref(),
            );
            let asker = Asker::replaying(args.from.clone(), args.namespace.clone());
            (snapshot, asker, names)
        }
        None => {
            // A first capture reads the objects in scope; the second asks every name they define.
            let (objects, _) = capture_live(
                &args.live,
                args.from.as_deref(),
                args.namespace.as_deref(),
                &[],
                args.all_namespaces,
            )
            .await?;
            let names = audit::names(&objects.objects, &objects.cluster.domain, scope.as_deref());
            let questions: Vec<(QueryName, QueryType)> = names
                .iter()
                .filter_map(|n| QueryName::parse(n).ok())
                .map(|n| (n, QueryType(hickory_proto::rr::RecordType::A)))
                .collect();
            let (snapshot, asker) = capture_live(
                &args.live,
                args.from.as_deref(),
                args.namespace.as_deref(),
                &questions,
                args.all_namespaces,
            )
            .await?;
            (snapshot, asker, names)
        }
    };
    let report = audit_names(&snapshot, &asker, &names).await?;
    let text = match args.output {
        CheckFormat::Text => render::text(&report),
        CheckFormat::Json => render::json(&report),
    };
    super::emit(&text)?;
    Ok(report.exit_code())
}

/// Diffs each recorded name in turn; Ctrl-C ends the loop and marks the report interrupted.
async fn audit_names(snapshot: &Snapshot, asker: &Asker, names: &[String]) -> Result<AuditReport> {
    let mut report = AuditReport::default();
    let cache = crate::diff::DiffCache::default();
    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(names.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} names {msg}")
                .expect("a valid progress template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let from = asker.from.as_ref().and_then(|spec| {
        crate::workload::resolve(&snapshot.objects, &asker.namespace, spec)
            .ok()
            .map(|pod| {
                let (namespace, pod) = crate::objects::ns_name(&pod.metadata);
                WorkloadRef {
                    namespace: namespace.to_string(),
                    pod: pod.to_string(),
                }
            })
    });
    // A name is audited only when every layer the workload's queries reach has an answer recorded.
    let sidecar_needed = snapshot.mesh.kind == crate::snapshot::MeshKind::Istio
        && from.as_ref().is_some_and(|w| {
            snapshot
                .proxy(&w.namespace, &w.pod)
                .is_some_and(|p| p.kind == crate::snapshot::ProxyKind::Sidecar && p.dns_capture)
        });
    for name in names {
        progress.inc(1);
        let recorded = |source| {
            snapshot
                .recorded(source, name, "A", from.as_ref())
                .is_some()
        };
        if !recorded(SourceKind::KubeDns) || (sidecar_needed && !recorded(SourceKind::Sidecar)) {
            report.not_recorded();
            continue;
        }
        let query = QueryName::parse(name)?;
        let diff = tokio::select! {
            diff = diff_snapshot(snapshot, asker, &query, QueryType(hickory_proto::rr::RecordType::A), crate::search::Libc::Glibc, None, &cache) => diff?,
            _ = &mut interrupted => {
                report.interrupted = true;
                break;
            }
        };
        report.add(&diff);
    }
    progress.finish_and_clear();
    report.finish();
    Ok(report)
}
