//! `meshdig diff`: ask every layer one question, diff the answers and explain the differences —
//! live through the Kubernetes API, or replayed from a snapshot.

use crate::cli::{DiffArgs, LiveArgs, OutputFormat};
use crate::diff::{DiffCache, DiffInput, World, diff};
use crate::error::{Error, ExitCode, Result};
use crate::live::api::Reader;
use crate::live::capture::{CaptureRequest, SourceOverrides, capture};
use crate::live::connect::{KubeSettings, connect};
use crate::model::SourceKind;
use crate::query::{QueryName, QueryType};
use crate::render::{json, table};
use crate::report::{AskedQuestion, Report};
use crate::search::{self, AddressFamily, Libc};
use crate::snapshot::{MeshKind, Snapshot};
use crate::sources::recorded::{RecordedControlPlane, RecordedResolver};
use crate::sources::{ControlPlane, Question, Resolver};
use crate::walk::{self, LayerAnswers};
use crate::workload::{self, Workload};

/// Who asks: the `--from` workload (if any) and the namespace of relative names.
#[derive(Debug, Clone)]
pub struct Asker {
    pub from: Option<String>,
    pub namespace: String,
}

impl Asker {
    /// The asker of a snapshot replay: `-n` defaults to `default`, there being no kubeconfig context.
    pub fn replaying(from: Option<String>, namespace: Option<String>) -> Self {
        Self {
            from,
            namespace: namespace.unwrap_or_else(|| "default".to_string()),
        }
    }
}

/// Runs the diff and prints it; the exit code follows the verdict.
pub async fn run(args: &DiffArgs, color: bool) -> Result<ExitCode> {
    let rtype = args.rtype.unwrap_or_else(|| args.name.default_type());
    let (snapshot, asker) = match &args.snapshot {
        Some(path) => {
            reject_live_flags(&args.live)?;
            let asker = Asker::replaying(args.from.clone(), args.namespace.clone());
            (Snapshot::load(path)?, asker)
        }
        None => {
            let questions = [(args.name.clone(), rtype)];
            capture_live(
                &args.live,
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
        args.libc,
        args.family,
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
    Ok(report.verdict.exit_code())
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

/// Captures `questions` live and returns the in-memory snapshot with the asker a replay must use.
pub async fn capture_live(
    live: &LiveArgs,
    from: Option<&str>,
    namespace: Option<&str>,
    questions: &[(QueryName, QueryType)],
    all_namespaces: bool,
) -> Result<(Snapshot, Asker)> {
    let (document, asker) =
        capture_document(live, from, namespace, questions, all_namespaces).await?;
    Ok((Snapshot::from_value(&document, "the live capture")?, asker))
}

/// Captures `questions` live into a snapshot document.
pub async fn capture_document(
    live: &LiveArgs,
    from: Option<&str>,
    namespace: Option<&str>,
    questions: &[(QueryName, QueryType)],
    all_namespaces: bool,
) -> Result<(serde_json::Value, Asker)> {
    let kube = connect(&KubeSettings {
        kubeconfig: live.kubeconfig.clone(),
        context: live.context.clone(),
        request_timeout: live.request_timeout,
    })
    .await?;
    let namespace = namespace.map_or_else(|| kube.default_namespace.clone(), str::to_string);
    tracing::debug!(server = %kube.server, %namespace, "connected");
    let reader = Reader::new(kube);
    let overrides = SourceOverrides {
        kube_dns: live.kube_dns,
        sidecar: live.sidecar,
        control_plane: live.control_plane,
        timeout: live.timeout,
    };
    let captured = capture(
        &reader,
        &CaptureRequest {
            from,
            namespace: &namespace,
            domain: live.cluster_domain.trim_end_matches('.'),
            questions,
            overrides: &overrides,
            concurrency: usize::from(live.concurrency),
            all_namespaces,
        },
    )
    .await?;
    // The replay asks from exactly the pod the capture chose (a Deployment may have several).
    let asker = match captured.pod {
        Some((pod_namespace, pod)) => Asker {
            from: Some(format!("pod/{pod}")),
            namespace: pod_namespace,
        },
        None => Asker {
            from: None,
            namespace,
        },
    };
    Ok((captured.snapshot, asker))
}

/// Builds the report for one question against `snapshot`: the whole diff without printing, with the
/// search walk of a relative name as `libc` would walk it.
pub async fn diff_snapshot(
    snapshot: &Snapshot,
    asker: &Asker,
    name: &QueryName,
    rtype: QueryType,
    libc: Libc,
    family: Option<AddressFamily>,
    cache: &DiffCache,
) -> Result<Report> {
    let kubelet = snapshot.kubelet_dns();
    let workload: Option<Workload> = match &asker.from {
        Some(spec) => {
            let pod = workload::resolve(&snapshot.objects, &asker.namespace, spec)?;
            let (namespace, pod_name) = crate::objects::ns_name(&pod.metadata);
            let proxy = (snapshot.mesh.kind == MeshKind::Istio)
                .then(|| snapshot.proxy(namespace, pod_name))
                .flatten();
            Some(workload::from_pod(&pod.to_pod(), &kubelet, proxy))
        }
        None => None,
    };
    // Without a pod, relative names expand as a ClusterFirst pod in the namespace would.
    let conf = workload.as_ref().map_or_else(
        || kubelet.namespace_resolv_conf(&asker.namespace),
        |w| w.resolv_conf.clone(),
    );
    let (fqdn, mut derivation) = workload::first_candidate(name, &conf, libc);
    if let Some(ip) = name.reverse_of() {
        derivation = Some(format!("reverse lookup of {ip}"));
    }
    let question = Question {
        fqdn: &fqdn,
        rtype: rtype.0,
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
    let (kube_dns_result, sidecar_result, ndsz) = tokio::join!(
        kube_dns.ask(&question),
        sidecar.ask(&question),
        control_plane.ndsz(workload.as_ref())
    );
    let input = DiffInput {
        world: World {
            cluster: &snapshot.cluster,
            mesh: &snapshot.mesh,
            objects: &snapshot.objects,
            remote_clusters: &snapshot.remote_clusters,
            object_errors: &snapshot.object_errors,
        },
        workload: workload.as_ref(),
        namespace: &asker.namespace,
        question: AskedQuestion {
            input: name.unicode().unwrap_or(name.ascii()).to_string()
                + if name.is_absolute() { "." } else { "" },
            fqdn: fqdn.clone(),
            rtype: rtype.to_string(),
            derivation,
        },
        rtype: rtype.0,
        kube_dns: kube_dns_result,
        sidecar: sidecar_result,
        control_plane: ndsz.observation(),
        cache,
    };
    let mut report = diff(&input);
    let family = family.or_else(|| walk::family_of(rtype.0));
    if let Some(family) = family.filter(|_| !name.is_absolute() && name.reverse_of().is_none()) {
        let mut layers: Vec<(SourceKind, LayerAnswers)> = Vec::new();
        for resolver in [&kube_dns, &sidecar] {
            let answered = report.sources.iter().any(|s| {
                s.source == resolver.kind
                    && !matches!(s.outcome, crate::model::Outcome::NotApplicable(_))
            });
            if !answered {
                continue;
            }
            let mut answers = LayerAnswers::new();
            for candidate in search::candidates_of_any_libc(name, &conf) {
                for qtype in family.query_types() {
                    let from = workload.as_ref().map(|w| crate::snapshot::WorkloadRef {
                        namespace: w.namespace.clone(),
                        pod: w.pod.clone(),
                    });
                    let recorded = snapshot.recorded(
                        resolver.kind,
                        &candidate,
                        &qtype.to_string(),
                        from.as_ref(),
                    );
                    if recorded.is_none() {
                        // Not captured: the walk marks the candidate as not recorded.
                        continue;
                    }
                    let question = Question {
                        fqdn: &candidate,
                        rtype: *qtype,
                        from: workload.as_ref(),
                    };
                    answers.insert((candidate.clone(), *qtype), resolver.ask(&question).await);
                }
            }
            layers.push((resolver.kind, answers));
        }
        let borrowed: Vec<(SourceKind, &LayerAnswers)> =
            layers.iter().map(|(k, a)| (*k, a)).collect();
        let walked = walk::walk(name, &conf, libc, family, &borrowed);
        let mut walk_findings = walk::findings(&walked, name, report.app_source);
        report.findings.append(&mut walk_findings);
        report
            .findings
            .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
        report.walk = Some(walked);
    }
    Ok(report)
}
