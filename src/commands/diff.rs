//! `meshdig diff`: ask every layer one question, diff the answers and explain the differences.

use crate::cli::{DiffArgs, OutputFormat};
use crate::diff::{DiffInput, World, diff};
use crate::error::{ExitCode, Result};
use crate::model::SourceKind;
use crate::render::{json, table};
use crate::report::{AskedQuestion, Report};
use crate::snapshot::Snapshot;
use crate::sources::recorded::{RecordedControlPlane, RecordedResolver};
use crate::sources::{ControlPlane, Question, Resolver};
use crate::workload::{self, Workload};

/// Runs the diff on a snapshot and prints it; the exit code follows the verdict.
pub async fn run(args: &DiffArgs, color: bool) -> Result<ExitCode> {
    let snapshot = Snapshot::load(&args.snapshot)?;
    let report = diff_snapshot(&snapshot, args).await?;
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
    Ok(report.verdict.exit_code())
}

/// Builds the report for `args` against `snapshot`: the whole diff without printing.
pub async fn diff_snapshot(snapshot: &Snapshot, args: &DiffArgs) -> Result<Report> {
    let domain = snapshot.cluster.domain.trim_end_matches('.');
    let workload: Option<Workload> = match &args.from {
        Some(spec) => {
            let pod = workload::resolve(&snapshot.objects, &args.namespace, spec)?;
            let (namespace, name) = crate::objects::ns_name(&pod.metadata);
            Some(workload::from_pod(
                pod,
                domain,
                snapshot.proxy(namespace, name),
            ))
        }
        None => None,
    };
    // Without a pod, relative names expand as a ClusterFirst pod in the namespace would.
    let default_search = [format!("{}.svc.{domain}", args.namespace)];
    let (search, ndots): (&[String], usize) = match &workload {
        Some(w) => (&w.search, w.ndots),
        None => (&default_search, 5),
    };
    let (fqdn, derivation) = workload::first_candidate(&args.name, search, ndots);
    let rtype = args.rtype.0;
    let question = Question {
        fqdn: &fqdn,
        rtype,
        from: workload.as_ref(),
    };
    let kube_dns = RecordedResolver {
        snapshot,
        kind: SourceKind::KubeDns,
    };
    let sidecar = RecordedResolver {
        snapshot,
        kind: SourceKind::Sidecar,
    };
    let control_plane = RecordedControlPlane { snapshot };
    let (kube_dns, sidecar, control_plane) = tokio::join!(
        kube_dns.ask(&question),
        sidecar.ask(&question),
        control_plane.name_table(workload.as_ref())
    );
    let input = DiffInput {
        world: World {
            cluster: &snapshot.cluster,
            mesh: &snapshot.mesh,
            objects: &snapshot.objects,
            remote_clusters: &snapshot.remote_clusters,
        },
        workload: workload.as_ref(),
        namespace: &args.namespace,
        question: AskedQuestion {
            input: args.name.unicode().unwrap_or(args.name.ascii()).to_string()
                + if args.name.is_absolute() { "." } else { "" },
            fqdn: fqdn.clone(),
            rtype: args.rtype.to_string(),
            derivation,
        },
        rtype,
        kube_dns,
        sidecar,
        control_plane,
    };
    Ok(diff(&input))
}
