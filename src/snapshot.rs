//! Snapshot format v1: loading and validating a recorded cluster (objects, mesh settings, name tables, answers).
//!
//! The format is documented in `docs/snapshot.md`. Every error names the file, the JSON path and what
//! was expected, so that a hand-edited or truncated snapshot is fixed in one go.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ipnet::IpNet;
use serde::de::{self, IgnoredAny, MapAccess};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::model::{Answer, Rcode, Record, SourceKind};
use crate::objects::Objects;

/// The only snapshot schema this build reads.
pub const SCHEMA_VERSION: u64 = 1;

/// A loaded, validated snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub description: Option<String>,
    pub captured_at: Option<String>,
    pub cluster: ClusterInfo,
    pub mesh: MeshInfo,
    /// The objects of the cluster meshdig runs against.
    pub objects: Objects,
    /// Other clusters of the same mesh, whose services the mesh may answer for.
    pub remote_clusters: Vec<RemoteCluster>,
    pub proxies: Vec<ProxyInfo>,
    pub answers: Vec<RecordedAnswer>,
    /// Why some objects could not be read when the snapshot was captured (e.g. RBAC); the
    /// expectation is then not computed.
    pub object_errors: Vec<String>,
    /// Namespaces other than the asker's whose objects were not read.
    pub unread_namespaces: Vec<UnreadNamespace>,
    /// Positions in `answers` by (source, canonical name, upper-case type).
    answer_index: HashMap<(SourceKind, String, String), Vec<usize>>,
    /// Each proxy's name table, parsed once from its `ndsz` body.
    proxy_tables: HashMap<(String, String), Arc<NameTable>>,
}

/// Facts about the local cluster.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterInfo {
    /// The cluster DNS domain (kubelet `--cluster-domain`).
    #[serde(default = "default_domain")]
    pub domain: String,
    /// The mesh's name for this cluster (Istio cluster ID).
    #[serde(default)]
    pub name: Option<String>,
    /// The mesh network this cluster is on.
    #[serde(default)]
    pub network: Option<String>,
    /// The kubelet's `--cluster-dns` servers; when absent, the ClusterIPs of `kube-system/kube-dns`.
    #[serde(default)]
    pub cluster_dns: Vec<IpAddr>,
    /// The node's resolv.conf text (the kubelet's `--resolv-conf`), whose search domains follow the
    /// cluster's in every `ClusterFirst` pod.
    #[serde(default)]
    pub node_resolv_conf: Option<String>,
}

fn default_domain() -> String {
    "cluster.local".to_string()
}

/// The mesh kinds meshdig understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeshKind {
    /// No mesh: only kube-dns and the spec apply.
    #[default]
    None,
    Istio,
}

/// Mesh-wide settings that change DNS answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeshInfo {
    #[serde(default)]
    pub kind: MeshKind,
    #[serde(default)]
    pub version: Option<String>,
    /// Where mesh-wide Sidecar resources live.
    #[serde(default = "default_root_namespace")]
    pub root_namespace: String,
    /// istiod `ENABLE_MULTICLUSTER_HEADLESS` (default true).
    #[serde(default = "yes")]
    pub enable_multicluster_headless: bool,
    /// istiod `PILOT_ENABLE_IP_AUTOALLOCATE` (default true since Istio 1.25).
    #[serde(default = "yes")]
    pub pilot_enable_ip_autoallocate: bool,
    /// `PILOT_IP_AUTOALLOCATE_IPV4_PREFIX` and `..._IPV6_PREFIX`.
    #[serde(default = "default_autoallocate_prefixes")]
    pub autoallocate_prefixes: Vec<IpNet>,
}

fn default_root_namespace() -> String {
    "istio-system".to_string()
}

fn yes() -> bool {
    true
}

fn default_autoallocate_prefixes() -> Vec<IpNet> {
    vec![
        "240.240.0.0/16".parse().expect("valid prefix"),
        "2001:2::/48".parse().expect("valid prefix"),
    ]
}

impl Default for MeshInfo {
    fn default() -> Self {
        Self {
            kind: MeshKind::None,
            version: None,
            root_namespace: default_root_namespace(),
            enable_multicluster_headless: true,
            pilot_enable_ip_autoallocate: true,
            autoallocate_prefixes: default_autoallocate_prefixes(),
        }
    }
}

/// Another cluster of the mesh.
#[derive(Debug, Clone)]
pub struct RemoteCluster {
    pub name: String,
    pub network: Option<String>,
    pub objects: Objects,
}

/// The kind of mesh proxy beside a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyKind {
    #[default]
    None,
    /// An injected istio-proxy container with istio-agent.
    Sidecar,
    /// Istio ambient mode: ztunnel on the node proxies DNS (not yet compared by meshdig).
    Ambient,
}

/// One workload's mesh proxy: its DNS settings and the name table the control plane holds for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyInfo {
    pub namespace: String,
    pub pod: String,
    #[serde(default)]
    pub kind: ProxyKind,
    /// `ISTIO_META_DNS_CAPTURE`.
    #[serde(default)]
    pub dns_capture: bool,
    /// `ISTIO_META_DNS_AUTO_ALLOCATE` (the deprecated per-proxy switch).
    #[serde(default)]
    pub dns_auto_allocate: bool,
    /// Whether the agent had received a name table (its `/debug/ndsz` answered 200, not 404).
    #[serde(default)]
    pub name_table_received: Option<bool>,
    /// The body of istiod's `/debug/ndsz?proxyID=<pod>.<ns>`, in either the ≥1.25 or the older shape.
    /// Once loaded, the parsed table is kept by the snapshot ([`Snapshot::proxy_table`]) and this is empty.
    #[serde(default)]
    pub ndsz: Option<Box<RawValue>>,
    /// Why istiod's `/debug/ndsz` could not be read (e.g. a 403), when it could not.
    #[serde(default)]
    pub ndsz_error: Option<String>,
}

/// A name table as istiod serves it: host → entry.
pub type NameTable = BTreeMap<String, NameInfo>;

/// One entry of a name table (`istio.networking.nds.v1.NameTable.NameInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct NameInfo {
    #[serde(default)]
    pub ips: Vec<String>,
    #[serde(default)]
    pub registry: String,
    #[serde(default)]
    pub shortname: String,
    #[serde(default)]
    pub namespace: String,
    /// Further names of a Kubernetes entry the agent answers (`alt_hosts`, deprecated upstream but
    /// still read by the agent), e.g. `svc.ns.svc.clusterset.local`.
    #[serde(
        default,
        rename = "altHosts",
        alias = "alt_hosts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub alt_hosts: Vec<String>,
}

/// Which pod asked a recorded question.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadRef {
    pub namespace: String,
    pub pod: String,
}

/// A recorded question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedQuestion {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
}

/// Header flags of a recorded answer.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flags {
    #[serde(default)]
    pub aa: bool,
    #[serde(default)]
    pub tc: bool,
    #[serde(default)]
    pub rd: bool,
    #[serde(default)]
    pub ra: bool,
}

/// One answer a live source gave, as recorded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedAnswer {
    /// The pod the question was asked from; absent for kube-dns answers that hold for every pod.
    #[serde(default)]
    pub from: Option<WorkloadRef>,
    pub source: SourceKind,
    pub question: RecordedQuestion,
    #[serde(default)]
    pub rcode: Option<Rcode>,
    #[serde(default)]
    pub flags: Flags,
    #[serde(default)]
    pub records: Vec<Record>,
    #[serde(default)]
    pub rtt_ms: Option<f64>,
    #[serde(default)]
    pub transport: Option<String>,
    /// Why the source could not be asked; mutually exclusive with `rcode`.
    #[serde(default)]
    pub error: Option<String>,
}

impl RecordedAnswer {
    /// The answer, or the recorded error.
    pub fn outcome(&self) -> std::result::Result<Answer, String> {
        match (&self.error, self.rcode) {
            (Some(error), _) => Err(error.clone()),
            (None, Some(rcode)) => Ok(Answer {
                rcode,
                authoritative: self.flags.aa,
                records: self.records.clone(),
            }),
            (None, None) => Err("the recorded answer has neither rcode nor error".to_string()),
        }
    }
}

/// The document as read: objects stay raw text until their `kind` says which type they are.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnapshot<'a> {
    #[allow(dead_code)]
    schema_version: u64,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    captured_at: Option<String>,
    cluster: ClusterInfo,
    #[serde(default)]
    mesh: MeshInfo,
    #[serde(default, borrow)]
    objects: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    remote_clusters: Vec<RawRemoteCluster<'a>>,
    #[serde(default)]
    proxies: Vec<ProxyInfo>,
    #[serde(default)]
    answers: Vec<RecordedAnswer>,
    #[serde(default)]
    object_errors: Vec<String>,
    #[serde(default)]
    unread_namespaces: Vec<UnreadNamespace>,
}

/// A namespace other than the asker's whose objects were not read: names that resolve through it
/// get no prediction, the rest of the snapshot stays complete.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnreadNamespace {
    pub namespace: String,
    /// Why, in words: RBAC refused the list, or more namespaces were named than a capture reads.
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRemoteCluster<'a> {
    name: String,
    #[serde(default)]
    network: Option<String>,
    #[serde(default, borrow)]
    objects: Vec<&'a RawValue>,
}

/// Only the schema version, read before the rest so that another version's fields are not
/// reported as unknown.
#[derive(Deserialize)]
struct VersionProbe<'a> {
    #[serde(default, borrow)]
    schema_version: Option<&'a RawValue>,
}

/// Only an object's `kind` (and a List's `items`), read before the object is typed.
#[derive(Deserialize)]
struct KindProbe<'a> {
    #[serde(default, borrow)]
    kind: Option<&'a RawValue>,
    #[serde(default, borrow)]
    items: Option<Vec<&'a RawValue>>,
}

/// A validation failure inside the document, before the file name is attached.
struct Invalid {
    json_path: String,
    message: String,
}

impl Invalid {
    /// The failure at `json_path`; a path longer than a message can show is cut.
    fn at(json_path: impl Into<String>, message: impl Into<String>) -> Self {
        let json_path: String = json_path.into();
        let json_path = match json_path.char_indices().nth(MAX_SHOWN_PATH) {
            Some((at, _)) => format!("{}…", &json_path[..at]),
            None => json_path,
        };
        Self {
            json_path,
            message: message.into(),
        }
    }
}

/// The longest JSON path an error shows.
const MAX_SHOWN_PATH: usize = 200;

/// How deep `List` objects may nest: `kubectl get -o json` nests one, pasted files a few.
const MAX_LIST_DEPTH: usize = 16;

impl Snapshot {
    /// Reads and validates the snapshot at `path`, bounded in size
    /// ([`crate::input::read_bounded`]).
    pub async fn load(path: &Path) -> Result<Self> {
        let text = crate::input::read_bounded(path, crate::input::MAX_INPUT_BYTES)
            .await
            .map_err(|source| Error::SnapshotRead {
                path: path.to_path_buf(),
                source,
            })?;
        Self::parse(&text, path)
    }

    /// Validates snapshot `text` read from `path`, which names it in errors.
    pub fn parse(text: &[u8], path: &Path) -> Result<Self> {
        Self::from_slice(text).map_err(|invalid| Error::SnapshotInvalid {
            path: PathBuf::from(path),
            json_path: invalid.json_path,
            message: invalid.message,
        })
    }

    /// Validates a snapshot document held in memory (a live capture); `origin` names it in errors.
    pub fn from_value(value: &serde_json::Value, origin: &str) -> Result<Self> {
        let text = serde_json::to_vec(value).map_err(|e| Error::SnapshotInvalid {
            path: PathBuf::from(origin),
            json_path: "$".to_string(),
            message: e.to_string(),
        })?;
        Self::from_slice(&text).map_err(|invalid| Error::SnapshotInvalid {
            path: PathBuf::from(origin),
            json_path: invalid.json_path,
            message: invalid.message,
        })
    }

    /// Reads the document straight into typed values: no intermediate JSON tree, whose size
    /// would be many times the file's.
    fn from_slice(text: &[u8]) -> std::result::Result<Self, Invalid> {
        let probe: VersionProbe = typed_slice(text, "$")?;
        let version = probe.schema_version.ok_or_else(|| {
            Invalid::at("$", "missing field `schema_version`; a meshdig snapshot starts with \"schema_version\": 1")
        })?;
        match serde_json::from_str::<u64>(version.get()) {
            Ok(SCHEMA_VERSION) => {}
            Ok(other) => {
                return Err(Invalid::at(
                    "$.schema_version",
                    format!(
                        "version {other} is not supported; this meshdig reads version {SCHEMA_VERSION}"
                    ),
                ));
            }
            Err(_) => {
                return Err(Invalid::at(
                    "$.schema_version",
                    format!(
                        "expected the integer {SCHEMA_VERSION}, found {}",
                        crate::error::plain(version.get())
                    ),
                ));
            }
        }
        let raw: RawSnapshot = typed_slice(text, "$")?;
        crate::query::check_domain(&raw.cluster.domain)
            .map_err(|why| Invalid::at("$.cluster.domain", why))?;
        let objects = parse_objects(raw.objects, "$.objects")?;
        let remote_clusters = raw
            .remote_clusters
            .into_iter()
            .enumerate()
            .map(|(i, remote)| {
                Ok(RemoteCluster {
                    name: remote.name,
                    network: remote.network,
                    objects: parse_objects(
                        remote.objects,
                        &format!("$.remote_clusters[{i}].objects"),
                    )?,
                })
            })
            .collect::<std::result::Result<_, Invalid>>()?;
        // The raw bodies are parsed once and dropped: the parsed tables are what diffs read.
        let mut proxies = raw.proxies;
        let mut proxy_tables = HashMap::new();
        for (i, proxy) in proxies.iter_mut().enumerate() {
            if let Some(ndsz) = proxy.ndsz.take() {
                let table = parse_ndsz(&mut serde_json::Deserializer::from_str(ndsz.get()))
                    .map_err(|m| Invalid::at(format!("$.proxies[{i}].ndsz"), m))?;
                proxy_tables.insert(
                    (proxy.namespace.clone(), proxy.pod.clone()),
                    Arc::new(table),
                );
            }
        }
        for (i, answer) in raw.answers.iter().enumerate() {
            validate_answer(answer).map_err(|m| Invalid::at(format!("$.answers[{i}]"), m))?;
        }
        let shorten = |text: &mut String| *text = crate::error::recorded_message(text);
        let mut answers = raw.answers;
        answers
            .iter_mut()
            .filter_map(|a| a.error.as_mut())
            .for_each(shorten);
        proxies
            .iter_mut()
            .filter_map(|p| p.ndsz_error.as_mut())
            .for_each(shorten);
        let mut object_errors = raw.object_errors;
        object_errors.iter_mut().for_each(shorten);
        Ok(Self {
            description: raw.description,
            captured_at: raw.captured_at,
            cluster: raw.cluster,
            mesh: raw.mesh,
            objects,
            remote_clusters,
            answer_index: index_answers(&answers),
            proxy_tables,
            proxies,
            answers,
            object_errors,
            unread_namespaces: raw.unread_namespaces,
        })
    }

    /// The parsed name table of pod `namespace/pod`'s proxy, if the snapshot records one.
    pub fn proxy_table(&self, namespace: &str, pod: &str) -> Option<Arc<NameTable>> {
        self.proxy_tables
            .get(&(namespace.to_string(), pod.to_string()))
            .cloned()
    }

    /// The proxy of pod `namespace/pod`, if the snapshot records one.
    pub fn proxy(&self, namespace: &str, pod: &str) -> Option<&ProxyInfo> {
        self.proxies
            .iter()
            .find(|p| p.namespace == namespace && p.pod == pod)
    }

    /// The recorded answer of `source` to `name`/`rtype`, asked from `from` (or from anywhere).
    pub fn recorded(
        &self,
        source: SourceKind,
        fqdn: &str,
        rtype: &str,
        from: Option<&WorkloadRef>,
    ) -> Option<&RecordedAnswer> {
        let key = (
            source,
            crate::model::canonical_name(fqdn),
            rtype.to_ascii_uppercase(),
        );
        let candidates: Vec<&RecordedAnswer> = self
            .answer_index
            .get(&key)
            .into_iter()
            .flatten()
            .map(|i| &self.answers[*i])
            .collect();
        candidates
            .iter()
            .find(|a| a.from.as_ref() == from)
            .or_else(|| candidates.iter().find(|a| a.from.is_none()))
            .copied()
    }
}

/// Positions of recorded answers by (source, canonical name, upper-case type).
fn index_answers(answers: &[RecordedAnswer]) -> HashMap<(SourceKind, String, String), Vec<usize>> {
    let mut index: HashMap<_, Vec<usize>> = HashMap::new();
    for (i, answer) in answers.iter().enumerate() {
        let key = (
            answer.source,
            crate::model::canonical_name(&answer.question.name),
            answer.question.rtype.to_ascii_uppercase(),
        );
        index.entry(key).or_default().push(i);
    }
    index
}

/// Deserializes the JSON `text` into `T`, reporting where the text stops being JSON or the JSON
/// path (below `base`) of the first mismatch.
fn typed_slice<'a, T: Deserialize<'a>>(
    text: &'a [u8],
    base: &str,
) -> std::result::Result<T, Invalid> {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let inner = e.path().to_string();
        let e = e.into_inner();
        // serde_json calls a number where a name is expected "expected value", a syntax error:
        // it is one only when the text is not JSON.
        let misnamed = e.is_syntax()
            && e.to_string().starts_with("expected value")
            && serde_json::from_slice::<IgnoredAny>(text).is_ok();
        if (e.is_syntax() || e.is_eof()) && !misnamed {
            return not_json(&e);
        }
        let path = if inner == "." {
            base.to_string()
        } else {
            format!("{base}.{}", crate::error::plain(&inner))
        };
        let message = if misnamed {
            "invalid type: expected one of the documented names, as a string".to_string()
        } else {
            crate::error::plain(&e.to_string())
        };
        Invalid::at(path, message)
    })?;
    deserializer.end().map_err(|e| not_json(&e))?;
    Ok(value)
}

fn not_json(e: &serde_json::Error) -> Invalid {
    Invalid::at(
        format!("line {} column {}", e.line(), e.column()),
        format!("not valid JSON ({e})"),
    )
}

/// [`typed_slice`] for one raw value of the document.
fn typed<'a, T: Deserialize<'a>>(raw: &'a RawValue, base: &str) -> std::result::Result<T, Invalid> {
    typed_slice(raw.get().as_bytes(), base)
}

/// The kinds meshdig reads; objects of other kinds are skipped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Service,
    EndpointSlice,
    Pod,
    ConfigMap,
    ServiceEntry,
    Sidecar,
}

/// Sorts Kubernetes objects by kind into [`Objects`]; `List` objects are flattened, unknown kinds skipped.
///
/// Kinds are read first, so that each list is allocated once at its final size.
fn parse_objects(values: Vec<&RawValue>, base: &str) -> std::result::Result<Objects, Invalid> {
    let mut queue: Vec<(String, &RawValue, usize)> = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("{base}[{i}]"), v, 0))
        .collect();
    queue.reverse();
    let mut known = Vec::new();
    while let Some((path, raw, depth)) = queue.pop() {
        let no_kind = || Invalid::at(&path, "expected a Kubernetes object with a string `kind`");
        let probe: KindProbe = typed(raw, &path).map_err(|_| no_kind())?;
        let kind: String = probe
            .kind
            .and_then(|kind| serde_json::from_str(kind.get()).ok())
            .ok_or_else(no_kind)?;
        let kind = match kind.as_str() {
            "Service" => Kind::Service,
            "EndpointSlice" => Kind::EndpointSlice,
            "Pod" => Kind::Pod,
            "ConfigMap" => Kind::ConfigMap,
            "ServiceEntry" => Kind::ServiceEntry,
            "Sidecar" => Kind::Sidecar,
            list if list == "List" || list.ends_with("List") => {
                let items = probe
                    .items
                    .ok_or_else(|| Invalid::at(&path, "expected `items` in a List"))?;
                if depth == MAX_LIST_DEPTH {
                    return Err(Invalid::at(
                        &path,
                        format!(
                            "Lists nest more than {MAX_LIST_DEPTH} deep; flatten them (kubectl get -o json nests one)"
                        ),
                    ));
                }
                for (i, item) in items.into_iter().enumerate().rev() {
                    queue.push((format!("{path}.items[{i}]"), item, depth + 1));
                }
                continue;
            }
            _ => continue,
        };
        known.push((kind, path, raw));
    }
    let count = |kind| known.iter().filter(|(k, _, _)| *k == kind).count();
    let mut objects = Objects {
        services: Vec::with_capacity(count(Kind::Service)),
        endpoint_slices: Vec::with_capacity(count(Kind::EndpointSlice)),
        pods: Vec::with_capacity(count(Kind::Pod)),
        ..Objects::default()
    };
    for (kind, path, raw) in known {
        match kind {
            Kind::Service => objects.services.push(typed(raw, &path)?),
            Kind::EndpointSlice => objects.endpoint_slices.push(typed(raw, &path)?),
            Kind::Pod => objects.pods.push(typed(raw, &path)?),
            Kind::ConfigMap => objects.config_maps.push(typed(raw, &path)?),
            Kind::ServiceEntry => objects.service_entries.push(typed(raw, &path)?),
            Kind::Sidecar => objects.sidecars.push(typed(raw, &path)?),
        }
    }
    Ok(objects)
}

/// Extracts the name table from an istiod `/debug/ndsz` body: `{"configs":[{"table":…}]}` (Istio ≥1.25),
/// `{"resource":{"table":…}}` (older), or a bare `{"table":…}`. Reads the body from any JSON
/// deserializer, so that a recorded body is typed straight from its text.
pub fn parse_ndsz<'de, D: Deserializer<'de>>(body: D) -> std::result::Result<NameTable, String> {
    let body = NdszBody::deserialize(body).map_err(|e| {
        format!(
            "the name table is malformed: {}",
            crate::error::plain(&e.to_string())
        )
    })?;
    let table = body
        .configs
        .into_iter()
        .find_map(|config| config.table)
        .or(body.resource.and_then(|resource| resource.table))
        .or(body.table);
    match table {
        Some(table) => Ok(table),
        None if !body.other_fields => Ok(NameTable::new()),
        None => Err(
            "expected an istiod /debug/ndsz body with `configs[].table` or `resource.table`"
                .to_string(),
        ),
    }
}

/// The parts of an ndsz body that may hold the table; other fields are skipped unread.
#[derive(Default)]
struct NdszBody {
    configs: Vec<NdszConfig>,
    resource: Option<NdszConfig>,
    table: Option<NameTable>,
    /// Whether the body had fields other than those three (an empty body means an empty table).
    other_fields: bool,
}

#[derive(Deserialize)]
struct NdszConfig {
    #[serde(default)]
    table: Option<NameTable>,
}

impl<'de> Deserialize<'de> for NdszBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct BodyVisitor;
        impl<'de> de::Visitor<'de> for BodyVisitor {
            type Value = NdszBody;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an istiod /debug/ndsz object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<NdszBody, A::Error> {
                let mut body = NdszBody::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "configs" => body.configs = map.next_value()?,
                        "resource" => body.resource = map.next_value()?,
                        "table" => body.table = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            body.other_fields = true;
                        }
                    }
                }
                Ok(body)
            }
        }
        deserializer.deserialize_map(BodyVisitor)
    }
}

fn validate_answer(answer: &RecordedAnswer) -> std::result::Result<(), String> {
    if !matches!(answer.source, SourceKind::KubeDns | SourceKind::Sidecar) {
        return Err(format!(
            "source `{}` is not recorded as an answer; only kube-dns and sidecar answers are (the control plane is `proxies[].ndsz`)",
            answer.source
        ));
    }
    match (&answer.error, answer.rcode) {
        (Some(_), Some(_)) => Err("give either `rcode` or `error`, not both".to_string()),
        (None, None) => {
            Err("missing `rcode` (or `error` when the source could not be asked)".to_string())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(json: &str) -> String {
        let e = Snapshot::from_slice(json.as_bytes()).unwrap_err();
        format!("{}: {}", e.json_path, e.message)
    }

    #[test]
    fn names_the_path_of_a_type_error() {
        let msg = invalid(
            r#"{"schema_version":1,"cluster":{},"objects":[{"kind":"Service","metadata":{"name":7}}]}"#,
        );
        assert!(msg.starts_with("$.objects[0].metadata.name:"), "{msg}");
    }

    #[test]
    fn rejects_other_versions_and_unknown_fields() {
        assert!(
            invalid(r#"{"schema_version":2,"cluster":{}}"#).contains("version 2 is not supported")
        );
        assert!(invalid(r#"{"schema_version":1,"cluster":{},"answerz":[]}"#).contains("answerz"));
        assert!(invalid("{").contains("not valid JSON"));
    }

    #[test]
    fn reads_both_ndsz_shapes() {
        let new = serde_json::json!({"configs":[{"@type":"x","table":{"a.b":{"ips":["10.0.0.1"],"registry":"Kubernetes"}}}]});
        let old =
            serde_json::json!({"resource":{"@type":"x","table":{"a.b":{"ips":["10.0.0.1"]}}}});
        assert_eq!(parse_ndsz(&new).unwrap()["a.b"].ips, vec!["10.0.0.1"]);
        assert_eq!(parse_ndsz(&old).unwrap().len(), 1);
        assert!(parse_ndsz(serde_json::json!({})).unwrap().is_empty());
        assert!(parse_ndsz(serde_json::json!({"x":1})).is_err());
    }

    #[test]
    fn keeps_what_dns_needs_of_a_pod() {
        let snap = Snapshot::from_slice(
            br#"{"schema_version":1,"cluster":{},"objects":[{"kind":"Pod","metadata":{"name":"p","namespace":"n","labels":{"app":"a"}},
                "spec":{"containers":[{"name":"app","image":"x","ports":[{"containerPort":80}]}],"dnsPolicy":"None","dnsConfig":{"searches":["corp.example"]}},
                "status":{"phase":"Running","podIP":"10.0.0.7","podIPs":[{"ip":"10.0.0.7"}]}}]}"#,
        )
        .map_err(|e| e.message)
        .unwrap();
        let pod = snap.objects.pod("n", "p").unwrap().to_pod();
        let spec = pod.spec.unwrap();
        assert_eq!(spec.dns_policy.as_deref(), Some("None"));
        assert_eq!(
            spec.dns_config.unwrap().searches.unwrap(),
            vec!["corp.example"]
        );
        assert!(spec.containers.is_empty(), "containers are not kept");
        assert_eq!(pod.status.unwrap().pod_ip.as_deref(), Some("10.0.0.7"));
        assert_eq!(pod.metadata.labels.unwrap()["app"], "a");
        let msg = invalid(
            r#"{"schema_version":1,"cluster":{},"objects":[{"kind":"Pod","spec":{"dnsPolicy":7}}]}"#,
        );
        assert!(msg.starts_with("$.objects[0].spec.dnsPolicy:"), "{msg}");
    }

    #[test]
    fn flattens_lists_and_skips_unknown_kinds() {
        let snap = Snapshot::from_slice(
            br#"{"schema_version":1,"cluster":{},"objects":[{"kind":"List","items":[{"kind":"Service","metadata":{"name":"a"}},{"kind":"Deployment"}]}]}"#,
        )
        .map_err(|e| e.message)
        .unwrap();
        assert_eq!(snap.objects.services.len(), 1);
    }
}
