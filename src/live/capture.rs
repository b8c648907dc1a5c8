//! Capturing a live cluster into the snapshot format: the asking pod, the objects the questions
//! depend on, mesh settings, the control plane's name table and every live source's answers.
//!
//! The number of API requests depends on the namespaces involved, not on the number of questions.

use std::collections::{BTreeSet, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Map, Value, json};

use crate::cli::GivenAddress;
use crate::error::{Error, Result};
use crate::live::api::{ApiError, Kind, Reader};
use crate::live::forward::Forwards;
use crate::live::plan;
use crate::model::{Layer, Outcome, SourceResult};
use crate::pace::Pacers;
use crate::query::{QueryName, QueryType};
use crate::search::{self, AddressFamily, Libc, ResolvConf};
use crate::snapshot::{SCHEMA_VERSION, UnreadNamespace};
use crate::sources::live::{ControlPlaneEndpoint, DnsEndpoint, LiveControlPlane, LiveResolver};
use crate::sources::{ControlPlane, Question, Resolver, TableReply, TableRequest};
use crate::walk;
use crate::workload::{self, KubeletDns, Workload, WorkloadKind, namespaces_named};

/// Where the live sources are, when the user names them instead of letting meshdig find them.
#[derive(Debug, Clone)]
pub struct SourceOverrides {
    pub kube_dns: Option<SocketAddr>,
    /// The asker's mesh DNS proxy, at the mesh's port unless one is given.
    pub sidecar: Option<GivenAddress>,
    /// The control plane's debug endpoint, at the mesh's port unless one is given.
    pub control_plane: Option<GivenAddress>,
    /// Bound on each source's answer.
    pub timeout: Duration,
}

/// What to capture.
pub struct CaptureRequest<'a> {
    /// `--from`: pod/NAME, deploy/NAME or a pod name.
    pub from: Option<&'a str>,
    pub namespace: &'a str,
    pub domain: &'a str,
    pub questions: &'a [(QueryName, QueryType)],
    pub overrides: &'a SourceOverrides,
    /// How many questions are asked at once: at most this many are in flight on each port-forward.
    pub concurrency: usize,
    /// The pacing (`--qps`) of every DNS server the run asks, shared by all its captures.
    pub pacers: &'a Pacers<DnsEndpoint>,
    /// Read Services and EndpointSlices of every namespace, not only those the questions name.
    pub all_namespaces: bool,
}

/// The result of a capture: the snapshot document and the pod it was taken from.
pub struct Capture {
    pub snapshot: Value,
    /// `namespace/name` of the asking pod, so a replay asks from exactly the same one.
    pub pod: Option<(String, String)>,
}

/// Captures everything `request` needs into a snapshot document.
pub async fn capture(reader: &Reader, request: &CaptureRequest<'_>) -> Result<Capture> {
    let pod = match request.from {
        Some(spec) => Some(find_pod(reader, request.namespace, spec).await?),
        None => None,
    };
    let detected = pod.as_ref().map(plan::detect);
    let kubelet = kubelet_dns(request);
    let workload = pod
        .as_ref()
        .zip(detected.as_ref())
        .map(|(pod, d)| workload::from_pod(pod, &kubelet, d.proxy.as_ref(), d.dns));
    let asker_mesh = detected.as_ref().and_then(|d| d.mesh);
    let conf = workload.as_ref().map_or_else(
        || kubelet.namespace_resolv_conf(request.namespace),
        |w| w.resolv_conf.clone(),
    );
    let questions = questions_to_ask(request.questions, &conf);
    let namespaces = namespaces_to_read(request, &conf, &questions, workload.as_ref());

    let forwards = Forwards::new(reader.kube().clone());
    let (objects, infrastructure) = tokio::join!(
        read_objects(
            reader,
            (!request.all_namespaces).then_some(&namespaces),
            workload.as_ref()
        ),
        plan::find_infrastructure(reader)
    );
    let (mut objects, object_errors, unread) = objects?;
    let infrastructure = infrastructure?;
    if let Some(pod) = &pod {
        let mut value = serde_json::to_value(pod).unwrap_or(Value::Null);
        set_kind(&mut value, "v1", "Pod");
        objects.push(value);
    }

    let timeout = request.overrides.timeout;
    let kube_dns = LiveResolver::new(
        Layer::KUBE_DNS,
        plan::kube_dns_endpoint(request.overrides.kube_dns, &infrastructure),
        &forwards,
        timeout,
        request.pacers,
    );
    let sidecar_endpoint =
        plan::dns_proxy_endpoint(request.overrides.sidecar, pod.as_ref(), workload.as_ref());
    let sidecar = sidecar_endpoint
        .map(|e| LiveResolver::new(Layer::SIDECAR, e, &forwards, timeout, request.pacers));
    let control_plane = LiveControlPlane {
        endpoint: plan::control_plane_endpoint(
            request.overrides.control_plane,
            asker_mesh,
            &infrastructure,
            node_of(pod.as_ref()),
        ),
        forwards: &forwards,
        timeout,
    };
    let table_request = TableRequest::of(workload.as_ref());

    let ask_all = ask_all(
        &questions,
        (&kube_dns, sidecar.as_ref()),
        workload.as_ref(),
        request.concurrency,
    );
    let (answers, table) = tokio::join!(ask_all, control_plane.name_table(table_request.as_ref()));
    // A forward closes cleanly only once its stream is gone, so the resolvers go first.
    drop((kube_dns, sidecar));
    forwards.close().await;

    let proxies: Vec<Value> = detected
        .map(|d| proxy_entry(d.entry, table, table_request.as_ref()))
        .into_iter()
        .collect();
    // The lists are moved in: `json!` would copy them.
    let mut snapshot = json!({
        "schema_version": SCHEMA_VERSION,
        "description": format!("captured live from {}", reader.kube().server),
        "captured_at": jiff::Timestamp::now().to_string(),
        "cluster": { "domain": request.domain },
        "mesh": plan::mesh_section(asker_mesh, &infrastructure),
    });
    snapshot["objects"] = Value::Array(objects);
    snapshot["proxies"] = Value::Array(proxies);
    snapshot["answers"] = Value::Array(answers);
    if !object_errors.is_empty() {
        snapshot["object_errors"] = json!(object_errors);
    }
    if !unread.is_empty() {
        snapshot["unread_namespaces"] = json!(unread);
    }
    let pod = pod.map(|p| {
        (
            p.metadata.namespace.unwrap_or_default(),
            p.metadata.name.unwrap_or_default(),
        )
    });
    Ok(Capture { snapshot, pod })
}

/// Asks every question of kube-dns and the DNS proxy (when there is one), `concurrency` at a time,
/// both layers at once: the `answers[]` entries, in question order.
async fn ask_all(
    questions: &[(String, QueryType)],
    (kube_dns, sidecar): (&LiveResolver<'_>, Option<&LiveResolver<'_>>),
    from: Option<&Workload>,
    concurrency: usize,
) -> Vec<Value> {
    let asked = futures::stream::iter(questions.iter().map(|(fqdn, rtype)| async move {
        let question = Question {
            fqdn,
            rtype: rtype.0,
            from,
        };
        let asked_sidecar = async {
            match sidecar {
                Some(sidecar) => Some(sidecar.ask(&question).await),
                None => None,
            }
        };
        let (kube, side) = tokio::join!(kube_dns.ask(&question), asked_sidecar);
        let mut entries = vec![answer_entry(&kube, &question, None)];
        entries.extend(side.map(|side| answer_entry(&side, &question, from)));
        entries
    }))
    .buffered(concurrency.max(1))
    .collect::<Vec<Vec<Value>>>()
    .await;
    asked.into_iter().flatten().collect()
}

/// The snapshot's `proxies[]` entry of the asking pod, with the name table its control plane gave.
fn proxy_entry(mut entry: Value, table: TableReply, request: Option<&TableRequest>) -> Value {
    match table {
        // A body that is no name table is the control plane's fault, not the user's: the
        // control plane is then an unreachable source, not an invalid capture.
        TableReply::Body(body) => match request.map(|r| r.tables.parse(&body.to_string())) {
            Some(Err(why)) => {
                let source = request.map_or("", |r| r.tables.source());
                entry["ndsz_error"] =
                    Value::String(format!("the {source} reply is no name table: {why}"));
            }
            _ => entry["ndsz"] = body,
        },
        TableReply::Table(table) => entry["ndsz"] = json!({ "table": *table }),
        TableReply::Failed(why) => entry["ndsz_error"] = Value::String(why),
        TableReply::NotApplicable(_) => {}
    }
    entry
}

/// Where one asker's live layers are, for asking one of them directly (`meshdig dig`).
pub struct Endpoints {
    pub kube_dns: DnsEndpoint,
    /// None when no pod was named or the pod's DNS does not go through a sidecar.
    pub sidecar: Option<DnsEndpoint>,
    pub control_plane: ControlPlaneEndpoint,
    /// The pod `request.from` names, if any.
    pub workload: Option<Workload>,
}

/// Finds the layers the way [`capture`] does, without reading any other object or asking them.
pub async fn endpoints(reader: &Reader, request: &CaptureRequest<'_>) -> Result<Endpoints> {
    let pod = match request.from {
        Some(spec) => Some(find_pod(reader, request.namespace, spec).await?),
        None => None,
    };
    let kubelet = kubelet_dns(request);
    let detected = pod.as_ref().map(plan::detect);
    let workload = pod
        .as_ref()
        .zip(detected.as_ref())
        .map(|(pod, d)| workload::from_pod(pod, &kubelet, d.proxy.as_ref(), d.dns));
    let infrastructure = plan::find_infrastructure(reader).await?;
    let overrides = request.overrides;
    Ok(Endpoints {
        kube_dns: plan::kube_dns_endpoint(overrides.kube_dns, &infrastructure),
        sidecar: plan::dns_proxy_endpoint(overrides.sidecar, pod.as_ref(), workload.as_ref()),
        control_plane: plan::control_plane_endpoint(
            overrides.control_plane,
            detected.and_then(|d| d.mesh),
            &infrastructure,
            node_of(pod.as_ref()),
        ),
        workload,
    })
}

/// The node `pod` runs on.
fn node_of(pod: Option<&Pod>) -> Option<&str> {
    pod?.spec.as_ref()?.node_name.as_deref()
}

/// The kubelet's DNS settings as far as a capture knows them: the cluster domain, and a cluster DNS
/// server (only its presence shapes the search path).
fn kubelet_dns(request: &CaptureRequest<'_>) -> KubeletDns {
    KubeletDns {
        domain: request.domain.to_string(),
        cluster_dns: vec![IpAddr::V4(Ipv4Addr::UNSPECIFIED)],
        node: ResolvConf::default(),
    }
}

/// Every (name, type) to ask: each question's first candidate (glibc's and musl's), and for a
/// relative address question every candidate either library's search walk may try.
fn questions_to_ask(
    questions: &[(QueryName, QueryType)],
    conf: &ResolvConf,
) -> Vec<(String, QueryType)> {
    let mut asked: Vec<(String, QueryType)> = Vec::new();
    let mut seen: HashSet<(String, QueryType)> = HashSet::new();
    let mut push = |fqdn: String, rtype: QueryType| {
        if seen.insert((fqdn.clone(), rtype)) {
            asked.push((fqdn, rtype));
        }
    };
    for (name, rtype) in questions {
        push(workload::first_candidate(name, conf, Libc::Glibc).0, *rtype);
        push(workload::first_candidate(name, conf, Libc::Musl).0, *rtype);
        if walk::family_of(rtype.0).is_some() && !name.is_absolute() {
            // Both libraries' candidates and both families, so that a replay can walk any way.
            for candidate in search::candidates_of_any_libc(name, conf) {
                for qtype in AddressFamily::Unspec.query_types() {
                    push(candidate.clone(), QueryType(*qtype));
                }
            }
        }
    }
    asked
}

/// Finds the pod `spec` names: `pod/NAME` or a bare name, or a ready pod of `deploy/NAME`.
pub async fn find_pod(reader: &Reader, namespace: &str, spec: &str) -> Result<Pod> {
    let (kind, name) = workload::parse_spec(spec).map_err(Error::UnknownWorkload)?;
    let fatal = |e: ApiError| Error::Cluster(e.to_string());
    let not_found = |what: &str| {
        Error::UnknownWorkload(format!(
            "no {what} '{}' in namespace '{}'",
            crate::error::quoted(name),
            crate::error::quoted(namespace)
        ))
    };
    let value = match kind {
        WorkloadKind::Pod => reader
            .get(&Kind::POD, namespace, name)
            .await
            .map_err(fatal)?
            .ok_or_else(|| not_found("pod"))?,
        WorkloadKind::Deployment => {
            let deployment = reader
                .get(&Kind::DEPLOYMENT, namespace, name)
                .await
                .map_err(fatal)?
                .ok_or_else(|| not_found("deployment"))?;
            let selector = deployment["spec"]["selector"]["matchLabels"]
                .as_object()
                .map(|labels| {
                    labels
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    Error::UnknownWorkload(format!(
                        "deployment '{}' has no spec.selector.matchLabels",
                        crate::error::quoted(name)
                    ))
                })?;
            let pods = reader
                .list(&Kind::POD, Some(namespace), Some(&selector), None)
                .await
                .map_err(fatal)?;
            let pods: Vec<Pod> = pods
                .into_iter()
                .filter_map(|p| serde_json::from_value(p).ok())
                .collect();
            let chosen = pods
                .iter()
                .find(|p| plan::is_ready(p))
                .or_else(|| pods.first())
                .ok_or_else(|| {
                    Error::UnknownWorkload(format!(
                        "deployment '{}' in namespace '{}' has no pods",
                        crate::error::quoted(name),
                        crate::error::quoted(namespace)
                    ))
                })?;
            return Ok(chosen.clone());
        }
    };
    serde_json::from_value(value)
        .map_err(|e| Error::Cluster(format!("the API server returned a malformed pod: {e}")))
}

/// The namespaces a capture reads Services and EndpointSlices of: the asker's own, and those any
/// candidate of any question names, at most [`MAX_NAMED_NAMESPACES`] of them. Only the asker's
/// own must be readable; another that RBAC hides leaves just the names in it unpredicted.
struct Namespaces {
    own: BTreeSet<String>,
    named: BTreeSet<String>,
    /// Named namespaces over the bound, not read.
    over_bound: Vec<String>,
}

/// How many namespaces besides the asker's own one capture reads.
const MAX_NAMED_NAMESPACES: usize = 16;

fn namespaces_to_read(
    request: &CaptureRequest<'_>,
    conf: &ResolvConf,
    questions: &[(String, QueryType)],
    workload: Option<&Workload>,
) -> Namespaces {
    let first_search = conf.search.first().map(String::as_str);
    let mut own: BTreeSet<String> = BTreeSet::from([request.namespace.to_string()]);
    own.extend(workload.map(|w| w.namespace.clone()));
    let mut named = BTreeSet::new();
    let mut over_bound = Vec::new();
    for (fqdn, _) in questions {
        for namespace in namespaces_named(fqdn, first_search, request.domain) {
            if own.contains(&namespace) || named.contains(&namespace) {
                continue;
            }
            if named.len() < MAX_NAMED_NAMESPACES {
                named.insert(namespace);
            } else if !over_bound.contains(&namespace) {
                over_bound.push(namespace);
            }
        }
    }
    Namespaces {
        own,
        named,
        over_bound,
    }
}

/// What reading the objects gave: the objects, errors that make predictions impossible, and the
/// walk namespaces left unread.
type ReadObjects = (Vec<Value>, Vec<String>, Vec<UnreadNamespace>);

/// Lists the objects the diff reads; forbidden lists become `object_errors` (in a namespace other
/// than the asker's, an unread namespace), an unreachable API is fatal.
async fn read_objects(
    reader: &Reader,
    namespaces: Option<&Namespaces>,
    workload: Option<&Workload>,
) -> Result<ReadObjects> {
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    let mut unread: Vec<UnreadNamespace> = namespaces
        .map(|n| n.over_bound.iter().map(|ns| UnreadNamespace {
            namespace: ns.clone(),
            reason: format!("more than {MAX_NAMED_NAMESPACES} other namespaces are named by the questions"),
        }).collect())
        .unwrap_or_default();
    let mut keep = |result: std::result::Result<Vec<Value>, ApiError>| -> Result<()> {
        match result {
            Ok(items) => objects.extend(items),
            Err(ApiError::NotServed(_)) => {}
            Err(e @ (ApiError::Unreachable(_) | ApiError::Unauthorized(_))) => {
                return Err(Error::Cluster(e.to_string()));
            }
            Err(e) => errors.push(e.to_string()),
        }
        Ok(())
    };
    // `None`: one cluster-wide list of each kind.
    let scopes: Vec<(Option<&str>, bool)> = match namespaces {
        Some(n) => n
            .own
            .iter()
            .map(|ns| (Some(ns.as_str()), false))
            .chain(n.named.iter().map(|ns| (Some(ns.as_str()), true)))
            .collect(),
        None => vec![(None, false)],
    };
    for (namespace, other) in scopes {
        let services = reader.list(&Kind::SERVICE, namespace, None, None).await;
        let slices = reader
            .list(&Kind::ENDPOINT_SLICE, namespace, None, None)
            .await;
        match (other, namespace, services, slices) {
            (true, Some(ns), Err(e @ ApiError::Forbidden { .. }), _)
            | (true, Some(ns), _, Err(e @ ApiError::Forbidden { .. })) => {
                unread.push(UnreadNamespace {
                    namespace: ns.to_string(),
                    reason: e.to_string(),
                });
            }
            (_, _, services, slices) => {
                keep(services)?;
                keep(slices)?;
            }
        }
    }
    for list in plan::mesh_objects(reader, workload).await {
        keep(list)?;
    }
    keep(
        reader
            .get(&Kind::CONFIG_MAP, "kube-system", "coredns")
            .await
            .map(|cm| cm.into_iter().collect()),
    )?;
    Ok((objects, errors, unread))
}

/// One `answers[]` entry of the snapshot format.
fn answer_entry(result: &SourceResult, question: &Question<'_>, from: Option<&Workload>) -> Value {
    let mut entry = Map::new();
    if let Some(w) = from {
        entry.insert(
            "from".into(),
            json!({ "namespace": w.namespace, "pod": w.pod }),
        );
    }
    entry.insert("source".into(), json!(result.source.as_str()));
    entry.insert(
        "question".into(),
        json!({ "name": question.fqdn, "type": question.rtype.to_string() }),
    );
    match &result.outcome {
        Outcome::Answered(answer) => {
            entry.insert("rcode".into(), json!(answer.rcode));
            entry.insert("flags".into(), json!({ "aa": answer.authoritative }));
            entry.insert("records".into(), json!(answer.records));
        }
        Outcome::Error(why) | Outcome::NotApplicable(why) | Outcome::NotRecorded(why) => {
            entry.insert("error".into(), json!(why));
        }
    }
    if let Some(rtt) = result.rtt_ms {
        entry.insert("rtt_ms".into(), json!(rtt));
    }
    if let Some(transport) = &result.transport {
        entry.insert("transport".into(), json!(transport));
    }
    Value::Object(entry)
}

fn set_kind(object: &mut Value, api_version: &str, kind: &str) {
    if let Some(map) = object.as_object_mut() {
        map.insert("apiVersion".into(), json!(api_version));
        map.insert("kind".into(), json!(kind));
    }
}
