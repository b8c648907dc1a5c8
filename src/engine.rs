//! The engine: one diff from start to verdict, for every command. It captures the cluster live or
//! replays a snapshot, diffs each candidate of the app's walk through every layer
//! ([`crate::diff`]), and judges the resolution ([`crate::resolution`]). Commands parse their
//! arguments, call it and render what it returns.

use crate::cli::LiveArgs;
use crate::derive::{DiffCache, DiffInput, World};
use crate::diff::diff;
use crate::error::Result;
use crate::live::api::Reader;
use crate::live::capture::{CaptureRequest, SourceOverrides, capture};
use crate::live::connect::{KubeSettings, connect};
use crate::mesh;
use crate::model::Layer;
use crate::pace::Pacers;
use crate::query::{QueryName, QueryType};
use crate::report::{AskedQuestion, Report};
use crate::resolution::{self, AppWalk, CandidateDiff};
use crate::search::{self, AddressFamily, Libc};
use crate::snapshot::Snapshot;
use crate::sources::live::DnsEndpoint;
use crate::sources::recorded::{RecordedControlPlane, RecordedResolver};
use crate::sources::{ControlPlane, Question, Resolver, TableRequest};
use crate::walk;
use crate::workload::{self, DnsPath, KubeletDns, Workload};
use hickory_proto::rr::RecordType;
use std::path::Path;

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

/// Captures `questions` live and returns the in-memory snapshot with the asker a replay must use.
pub async fn capture_live(
    live: &LiveArgs,
    pacers: &Pacers<DnsEndpoint>,
    from: Option<&str>,
    namespace: Option<&str>,
    questions: &[(QueryName, QueryType)],
    all_namespaces: bool,
) -> Result<(Snapshot, Asker)> {
    let (document, asker) =
        capture_document(live, pacers, from, namespace, questions, all_namespaces).await?;
    Ok((snapshot_of(&document, "the live capture")?, asker))
}

/// Reads the snapshot at `path`, its proxies' name tables read by their meshes.
pub async fn load_snapshot(path: &Path) -> Result<Snapshot> {
    mesh::prepare(Snapshot::load(path).await?, path)
}

/// Validates snapshot `text` read from `path`, its proxies' name tables read by their meshes.
pub fn parse_snapshot(text: &[u8], path: &Path) -> Result<Snapshot> {
    mesh::prepare(Snapshot::parse(text, path)?, path)
}

/// Validates a snapshot document held in memory, named `origin` in errors, its proxies' name
/// tables read by their meshes.
pub fn snapshot_of(document: &serde_json::Value, origin: &str) -> Result<Snapshot> {
    mesh::prepare(Snapshot::from_value(document, origin)?, Path::new(origin))
}

/// Captures `questions` live into a snapshot document, pacing each DNS server by `pacers`.
pub async fn capture_document(
    live: &LiveArgs,
    pacers: &Pacers<DnsEndpoint>,
    from: Option<&str>,
    namespace: Option<&str>,
    questions: &[(QueryName, QueryType)],
    all_namespaces: bool,
) -> Result<(serde_json::Value, Asker)> {
    let kube = connect(&KubeSettings {
        kubeconfig: live.cluster.kubeconfig.clone(),
        context: live.cluster.context.clone(),
        request_timeout: live.cluster.request_timeout,
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
            domain: live.cluster.cluster_domain.trim_end_matches('.'),
            questions,
            overrides: &overrides,
            concurrency: usize::from(live.concurrency),
            pacers,
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

/// Builds the report for one question against `snapshot`: the whole diff without printing. A
/// relative A or AAAA question is diffed at every candidate of its search walk (as `libc` asks
/// them, for `family`), and judged by what the app ends up with ([`crate::resolution`]).
pub async fn diff_snapshot(
    snapshot: &Snapshot,
    asker: &Asker,
    name: &QueryName,
    rtype: QueryType,
    libc: Libc,
    family: Option<AddressFamily>,
    cache: &DiffCache,
) -> Result<Report> {
    let workload = asking_workload(snapshot, asker)?;
    let kubelet = KubeletDns::of_snapshot(snapshot);
    // Without a pod, relative names expand as a ClusterFirst pod in the namespace would.
    let conf = workload.as_ref().map_or_else(
        || kubelet.namespace_resolv_conf(&asker.namespace),
        |w| w.resolv_conf.clone(),
    );
    let replay = Replay {
        snapshot,
        asker,
        workload: workload.as_ref(),
        table: TableRequest::of(workload.as_ref()),
        name,
        cache,
    };
    let family = family.or_else(|| walk::family_of(rtype.0));
    let walked = family.filter(|_| !name.is_absolute() && name.reverse_of().is_none());
    let Some(family) = walked else {
        let (fqdn, mut derivation) = workload::first_candidate(name, &conf, libc);
        if let Some(ip) = name.reverse_of() {
            derivation = Some(format!("reverse lookup of {ip}"));
        }
        return Ok(replay.candidate(&fqdn, rtype.0, derivation).await.report);
    };
    let mut candidates = Vec::new();
    for candidate in search::candidates(name, &conf, libc) {
        for qtype in family.query_types() {
            if replay.recorded(&candidate, *qtype) {
                candidates.push(replay.candidate(&candidate, *qtype, None).await);
            }
        }
    }
    let app = if workload.as_ref().is_some_and(Workload::captures_dns) {
        Layer::SIDECAR
    } else {
        Layer::KUBE_DNS
    };
    let how = AppWalk {
        name,
        conf: &conf,
        libc,
        family,
        app,
    };
    let judged = resolution::judge(how, candidates);
    match judged {
        Some(mut report) => {
            report.question.derivation = describe_walk(&report, name);
            Ok(report)
        }
        // Nothing recorded for any candidate: report the first one's missing answers.
        None => {
            let (fqdn, derivation) = workload::first_candidate(name, &conf, libc);
            Ok(replay.candidate(&fqdn, rtype.0, derivation).await.report)
        }
    }
}

/// The `--from` workload of a replay, with its proxy.
fn asking_workload(snapshot: &Snapshot, asker: &Asker) -> Result<Option<Workload>> {
    let Some(spec) = &asker.from else {
        return Ok(None);
    };
    let kubelet = KubeletDns::of_snapshot(snapshot);
    let pod = workload::resolve(&snapshot.objects, &asker.namespace, spec)?;
    let (namespace, pod_name) = crate::objects::ns_name(&pod.metadata);
    let proxy = snapshot.proxy(namespace, pod_name);
    let dns = mesh::dns_path(&snapshot.mesh, proxy);
    let proxy = proxy.filter(|_| dns != DnsPath::NoMesh);
    Ok(Some(workload::from_pod(
        &pod.to_pod(),
        &kubelet,
        proxy,
        dns,
    )))
}

/// How the app's walk went, for the report's header.
fn describe_walk(report: &Report, name: &QueryName) -> Option<String> {
    let walk = report.walk.as_ref()?;
    let app = walk
        .layer(report.app_source)
        .or_else(|| walk.layer(Layer::KUBE_DNS))?;
    let plural = if app.queries == 1 { "query" } else { "queries" };
    Some(format!(
        "the app's resolver ({}) walks '{}' through {}: {} after {} {plural}",
        walk.libc,
        name.ascii(),
        app.source,
        app.end,
        app.queries,
    ))
}

/// One replay: the snapshot, who asks and what they typed.
struct Replay<'a> {
    snapshot: &'a Snapshot,
    asker: &'a Asker,
    workload: Option<&'a Workload>,
    /// The asking proxy's name table to read, the same for every candidate.
    table: Option<TableRequest>,
    name: &'a QueryName,
    cache: &'a DiffCache,
}

impl Replay<'_> {
    /// True when the snapshot holds an answer of kube-dns or of the asking pod's sidecar for
    /// `candidate`; a candidate without one is left to the walk as not recorded.
    fn recorded(&self, candidate: &str, rtype: RecordType) -> bool {
        let from = self.workload.map(|w| crate::snapshot::WorkloadRef {
            namespace: w.namespace.clone(),
            pod: w.pod.clone(),
        });
        let rtype = rtype.to_string();
        [Layer::KUBE_DNS, Layer::SIDECAR].iter().any(|kind| {
            self.snapshot
                .recorded(*kind, candidate, &rtype, from.as_ref())
                .is_some()
        })
    }

    /// The diff of one candidate: every layer's answer to it, explained.
    async fn candidate(
        &self,
        fqdn: &str,
        rtype: RecordType,
        derivation: Option<String>,
    ) -> CandidateDiff {
        let snapshot = self.snapshot;
        let question = Question {
            fqdn,
            rtype,
            from: self.workload,
        };
        let kube_dns = RecordedResolver {
            snapshot,
            kind: Layer::KUBE_DNS,
        };
        let sidecar = RecordedResolver {
            snapshot,
            kind: Layer::SIDECAR,
        };
        let control_plane = RecordedControlPlane { snapshot };
        let request = self.table.as_ref();
        let (kube_dns_result, sidecar_result, table) = tokio::join!(
            kube_dns.ask(&question),
            sidecar.ask(&question),
            control_plane.name_table(request)
        );
        let name = self.name;
        let input = DiffInput {
            world: World::of(snapshot),
            workload: self.workload,
            namespace: &self.asker.namespace,
            question: AskedQuestion {
                input: name.unicode().unwrap_or(name.ascii()).to_string()
                    + if name.is_absolute() { "." } else { "" },
                fqdn: fqdn.to_string(),
                rtype: rtype.to_string(),
                derivation,
            },
            rtype,
            asked: vec![kube_dns_result, sidecar_result],
            control_plane: table.observation(request.map(|r| r.tables)),
            cache: self.cache,
        };
        CandidateDiff {
            name: fqdn.to_string(),
            rtype,
            report: diff(&input),
        }
    }
}
