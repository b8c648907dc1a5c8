//! Snapshot format v1: loading and validating a recorded cluster (objects, mesh settings, name tables, answers).
//!
//! The format is documented in `docs/snapshot.md`. Every error names the file, the JSON path and what
//! was expected, so that a hand-edited or truncated snapshot is fixed in one go.

use std::any::Any;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::model::{Answer, Layer, Rcode, Record};
use crate::name_table::NameTable;
use crate::objects::{Objects, RawObject};

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
    answer_index: HashMap<(Layer, String, String), Vec<usize>>,
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

/// The mesh the cluster runs: its family, version and the mesh's own settings.
#[derive(Debug, Clone, Deserialize)]
pub struct MeshInfo {
    /// The mesh family (`istio`), or `none`; each registered mesh names its family
    /// ([`crate::mesh::Mesh::family`]).
    #[serde(default = "none")]
    pub kind: String,
    #[serde(default)]
    pub version: Option<String>,
    /// Every other field: the settings of the mesh of `kind`, which reads and checks them.
    #[serde(flatten)]
    pub settings: MeshSettings,
}

fn none() -> String {
    NONE.to_string()
}

impl Default for MeshInfo {
    fn default() -> Self {
        Self {
            kind: none(),
            version: None,
            settings: MeshSettings::default(),
        }
    }
}

/// The kind of a mesh and of a proxy that is none.
pub const NONE: &str = "none";

/// A mesh's own fields of a snapshot section, kept as written and typed by that mesh once the
/// snapshot is loaded ([`crate::mesh::prepare`]); only the mesh that typed them reads them back.
#[derive(Clone, Default)]
pub struct MeshSettings {
    pub written: serde_json::Map<String, serde_json::Value>,
    typed: Option<Arc<dyn Any + Send + Sync>>,
}

impl MeshSettings {
    /// The settings as the mesh typed them, when it typed them as `T`.
    pub fn typed<T: Any>(&self) -> Option<&T> {
        self.typed.as_ref()?.downcast_ref()
    }

    /// Keeps the mesh's typed settings.
    pub fn set_typed<T: Any + Send + Sync>(&mut self, typed: T) {
        self.typed = Some(Arc::new(typed));
    }
}

impl std::fmt::Debug for MeshSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.written.iter()).finish()
    }
}

impl<'de> Deserialize<'de> for MeshSettings {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        Ok(Self {
            written: serde_json::Map::deserialize(deserializer)?,
            typed: None,
        })
    }
}

/// Another cluster of the mesh.
#[derive(Debug, Clone)]
pub struct RemoteCluster {
    pub name: String,
    pub network: Option<String>,
    pub objects: Objects,
}

/// One workload's mesh proxy: its kind, its mesh's settings for it and the name table the control
/// plane holds for it.
#[derive(Debug, Clone)]
pub struct ProxyInfo {
    pub namespace: String,
    pub pod: String,
    /// The proxy's kind within the mesh (`sidecar`, `ambient`), or `none`; each registered mesh
    /// names its kind ([`crate::mesh::Mesh::proxy_kind`]).
    pub kind: String,
    /// The body of the control plane's name table for the proxy, as it serves it (for Istio,
    /// istiod's `/debug/ndsz?proxyID=<pod>.<ns>` in either the ≥1.25 or the older shape).
    /// Once the proxy's mesh has parsed it ([`crate::mesh::prepare`]), the table is kept by the
    /// snapshot ([`Snapshot::proxy_table`]) and this is empty.
    pub ndsz: Option<Box<RawValue>>,
    /// Why the control plane's table could not be read (e.g. a 403), when it could not.
    pub ndsz_error: Option<String>,
    /// Every other field: the mesh's settings for this proxy, which it reads and checks.
    pub settings: MeshSettings,
}

/// By hand rather than with `#[serde(flatten)]`, which would buffer the table body and lose its
/// raw text.
impl<'de> Deserialize<'de> for ProxyInfo {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_map(ProxyVisitor)
    }
}

struct ProxyVisitor;

impl<'de> serde::de::Visitor<'de> for ProxyVisitor {
    type Value = ProxyInfo;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a proxy object with namespace, pod and kind")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<ProxyInfo, A::Error> {
        let (mut namespace, mut pod, mut kind, mut ndsz, mut ndsz_error) =
            (None, None, None, None, None);
        let mut settings = MeshSettings::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "namespace" => namespace = Some(map.next_value()?),
                "pod" => pod = Some(map.next_value()?),
                "kind" => kind = Some(map.next_value()?),
                "ndsz" => ndsz = map.next_value()?,
                "ndsz_error" => ndsz_error = map.next_value()?,
                _ => {
                    let value = map.next_value()?;
                    settings.written.insert(key, value);
                }
            }
        }
        Ok(ProxyInfo {
            namespace: namespace.ok_or_else(|| serde::de::Error::missing_field("namespace"))?,
            pod: pod.ok_or_else(|| serde::de::Error::missing_field("pod"))?,
            kind: kind.unwrap_or_else(none),
            ndsz,
            ndsz_error,
            settings,
        })
    }
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
    #[serde(deserialize_with = "known_layer")]
    pub source: Layer,
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

/// A layer named as [`Layer::KNOWN`] names it.
fn known_layer<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Layer, D::Error> {
    let name = String::deserialize(deserializer)?;
    Layer::named(&name).ok_or_else(|| {
        let known: Vec<&str> = Layer::KNOWN.iter().map(|l| l.as_str()).collect();
        serde::de::Error::custom(format!(
            "unknown layer {}; expected one of {}",
            crate::error::quoted(&name),
            known.join(", ")
        ))
    })
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
    /// ([`crate::input::read_bounded`]). The proxies' name tables are left for their meshes to read:
    /// [`crate::engine::load_snapshot`] does both.
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
        for (i, answer) in raw.answers.iter().enumerate() {
            validate_answer(answer).map_err(|m| Invalid::at(format!("$.answers[{i}]"), m))?;
        }
        let shorten = |text: &mut String| *text = crate::error::recorded_message(text);
        let mut proxies = raw.proxies;
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
            proxy_tables: HashMap::new(),
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

    /// Keeps `table` as the parsed name table of pod `namespace/pod`'s proxy.
    pub fn set_proxy_table(&mut self, namespace: &str, pod: &str, table: NameTable) {
        self.proxy_tables
            .insert((namespace.to_string(), pod.to_string()), Arc::new(table));
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
        source: Layer,
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
fn index_answers(answers: &[RecordedAnswer]) -> HashMap<(Layer, String, String), Vec<usize>> {
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
            && serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok();
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

/// The kinds the core reads; objects of other kinds are kept raw for the meshes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Service,
    EndpointSlice,
    Pod,
    ConfigMap,
}

/// A mesh's raw object typed as `T`; on error, where in the snapshot and what is wrong.
pub fn typed_object<T: serde::de::DeserializeOwned>(
    object: &RawObject,
) -> std::result::Result<T, (String, String)> {
    typed_slice::<T>(object.raw.get().as_bytes(), &object.path)
        .map_err(|invalid| (invalid.json_path, invalid.message))
}

/// Sorts Kubernetes objects by kind into [`Objects`]; `List` objects are flattened, other kinds
/// kept raw for the meshes to claim.
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
    let mut others = Vec::new();
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
            other => {
                others.push(RawObject {
                    kind: other.to_string(),
                    path,
                    raw: raw.to_owned(),
                });
                continue;
            }
        };
        known.push((kind, path, raw));
    }
    let count = |kind| known.iter().filter(|(k, _, _)| *k == kind).count();
    let mut objects = Objects {
        services: Vec::with_capacity(count(Kind::Service)),
        endpoint_slices: Vec::with_capacity(count(Kind::EndpointSlice)),
        pods: Vec::with_capacity(count(Kind::Pod)),
        others,
        ..Objects::default()
    };
    for (kind, path, raw) in known {
        match kind {
            Kind::Service => objects.services.push(typed(raw, &path)?),
            Kind::EndpointSlice => objects.endpoint_slices.push(typed(raw, &path)?),
            Kind::Pod => objects.pods.push(typed(raw, &path)?),
            Kind::ConfigMap => objects.config_maps.push(typed(raw, &path)?),
        }
    }
    Ok(objects)
}

fn validate_answer(answer: &RecordedAnswer) -> std::result::Result<(), String> {
    if !matches!(answer.source, Layer::KUBE_DNS | Layer::SIDECAR) {
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
