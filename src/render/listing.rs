//! `meshdig snapshot show`: what a snapshot holds, for people (text) and scripts (JSON): its
//! cluster and mesh, objects by kind, proxies with their name tables, and every recorded question
//! with each source's answer, so that a replay's `not-recorded` can be checked against the file.

use std::fmt::Write as _;

use serde::Serialize;

use crate::mesh::{self, MESHES};
use crate::objects::Objects;
use crate::snapshot::{RecordedAnswer, Snapshot};
use crate::workload::DnsPath;

/// The listing of one snapshot (the JSON document of `meshdig snapshot show -o json`).
#[derive(Debug, Serialize)]
pub struct Listing<'a> {
    /// The version of this listing's JSON shape.
    schema_version: u32,
    description: Option<&'a str>,
    captured_at: Option<&'a str>,
    cluster_domain: &'a str,
    mesh: &'a str,
    mesh_version: Option<&'a str>,
    /// How many objects of each kind meshdig reads, in the local cluster.
    objects: Vec<KindCount>,
    remote_clusters: Vec<Remote<'a>>,
    proxies: Vec<Proxy<'a>>,
    /// Every recorded question, in the order of the file.
    questions: Vec<RecordedQuestion<'a>>,
    object_errors: &'a [String],
    unread_namespaces: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct KindCount {
    kind: &'static str,
    count: usize,
}

#[derive(Debug, Serialize)]
struct Remote<'a> {
    name: &'a str,
    objects: usize,
}

#[derive(Debug, Serialize)]
struct Proxy<'a> {
    namespace: &'a str,
    pod: &'a str,
    kind: &'a str,
    /// Whether the proxy captures the pod's DNS queries.
    dns_capture: bool,
    /// How many hosts the control plane's name table holds for it, when one was recorded.
    name_table_hosts: Option<usize>,
    ndsz_error: Option<&'a str>,
    /// Who holds the proxy's name table (`istiod`), for the text.
    #[serde(skip)]
    holder: &'static str,
}

/// One question (name and type) and the answers recorded for it.
#[derive(Debug, Serialize)]
struct RecordedQuestion<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    rtype: &'a str,
    answers: Vec<Recorded<'a>>,
}

/// One recorded answer: who answered, from which pod, and what.
#[derive(Debug, Serialize)]
struct Recorded<'a> {
    source: &'static str,
    /// `namespace/pod` the question was asked from; none for answers that hold for every pod.
    from: Option<String>,
    rcode: Option<String>,
    records: usize,
    error: Option<&'a str>,
}

impl<'a> Listing<'a> {
    /// What `snapshot` holds.
    pub fn of(snapshot: &'a Snapshot) -> Self {
        Self {
            schema_version: 1,
            description: snapshot.description.as_deref(),
            captured_at: snapshot.captured_at.as_deref(),
            cluster_domain: &snapshot.cluster.domain,
            mesh: &snapshot.mesh.kind,
            mesh_version: snapshot.mesh.version.as_deref(),
            objects: by_kind(&snapshot.objects)
                .into_iter()
                .map(|(kind, count)| KindCount { kind, count })
                .collect(),
            remote_clusters: snapshot
                .remote_clusters
                .iter()
                .map(|r| Remote {
                    name: &r.name,
                    objects: by_kind(&r.objects).iter().map(|(_, n)| n).sum(),
                })
                .collect(),
            proxies: snapshot
                .proxies
                .iter()
                .map(|p| Proxy {
                    namespace: &p.namespace,
                    pod: &p.pod,
                    kind: &p.kind,
                    dns_capture: matches!(
                        mesh::dns_path(&snapshot.mesh, Some(p)),
                        DnsPath::Captured { .. }
                    ),
                    name_table_hosts: snapshot.proxy_table(&p.namespace, &p.pod).map(|t| t.len()),
                    ndsz_error: p.ndsz_error.as_deref(),
                    holder: mesh::of_proxy(&snapshot.mesh.kind, &p.kind)
                        .and_then(|m| m.name_tables())
                        .map_or("the control plane", |t| t.holder()),
                })
                .collect(),
            questions: questions(&snapshot.answers),
            object_errors: &snapshot.object_errors,
            unread_namespaces: snapshot
                .unread_namespaces
                .iter()
                .map(|u| u.namespace.as_str())
                .collect(),
        }
    }
}

/// How many objects of each kind meshdig reads `objects` holds: the core's kinds, then each mesh's.
fn by_kind(o: &Objects) -> Vec<(&'static str, usize)> {
    let mut counts = vec![
        ("Service", o.services.len()),
        ("EndpointSlice", o.endpoint_slices.len()),
        ("Pod", o.pods.len()),
        ("ConfigMap", o.config_maps.len()),
    ];
    for mesh in MESHES {
        counts.extend(mesh.count_objects(o));
    }
    counts
}

/// The recorded answers grouped by question (name and type, compared as a replay compares them).
fn questions(answers: &[RecordedAnswer]) -> Vec<RecordedQuestion<'_>> {
    let mut grouped: Vec<RecordedQuestion<'_>> = Vec::new();
    for answer in answers {
        let recorded = Recorded {
            source: answer.source.as_str(),
            from: answer
                .from
                .as_ref()
                .map(|f| format!("{}/{}", f.namespace, f.pod)),
            rcode: answer.rcode.map(|r| r.to_string()),
            records: answer.records.len(),
            error: answer.error.as_deref(),
        };
        let same = |q: &&mut RecordedQuestion<'_>| {
            crate::model::canonical_name(q.name)
                == crate::model::canonical_name(&answer.question.name)
                && q.rtype.eq_ignore_ascii_case(&answer.question.rtype)
        };
        match grouped.iter_mut().find(same) {
            Some(question) => question.answers.push(recorded),
            None => grouped.push(RecordedQuestion {
                name: &answer.question.name,
                rtype: &answer.question.rtype,
                answers: vec![recorded],
            }),
        }
    }
    grouped
}

/// The listing for people.
pub fn text(listing: &Listing<'_>) -> String {
    let mut out = String::new();
    if let Some(description) = listing.description {
        let _ = writeln!(out, "snapshot: {description}");
    }
    if let Some(at) = listing.captured_at {
        let _ = writeln!(out, "captured at: {at}");
    }
    let version = listing
        .mesh_version
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "cluster domain {}; mesh {}{version}",
        listing.cluster_domain, listing.mesh
    );
    let counts: Vec<String> = listing
        .objects
        .iter()
        .map(|k| format!("{} {}", k.count, k.kind))
        .collect();
    let _ = writeln!(out, "objects: {}", counts.join(", "));
    for remote in &listing.remote_clusters {
        let _ = writeln!(
            out,
            "remote cluster {}: {} objects",
            remote.name, remote.objects
        );
    }
    let _ = writeln!(out, "proxies: {}", listing.proxies.len());
    for proxy in &listing.proxies {
        let table = match (proxy.ndsz_error, proxy.name_table_hosts) {
            (Some(error), _) => format!("{}'s name table not read: {error}", proxy.holder),
            (None, Some(hosts)) => format!("name table of {hosts} hosts"),
            (None, None) => "no name table recorded".to_string(),
        };
        let capture = if proxy.dns_capture { "on" } else { "off" };
        let _ = writeln!(
            out,
            "  {}/{}: {}, DNS capture {capture}, {table}",
            proxy.namespace, proxy.pod, proxy.kind
        );
    }
    let _ = writeln!(out, "questions: {}", listing.questions.len());
    for question in &listing.questions {
        let answers: Vec<String> = question.answers.iter().map(answer_text).collect();
        let _ = writeln!(
            out,
            "  {} {}: {}",
            question.name,
            question.rtype.to_ascii_uppercase(),
            answers.join("; ")
        );
    }
    for error in listing.object_errors {
        let _ = writeln!(out, "objects not read: {error}");
    }
    if !listing.unread_namespaces.is_empty() {
        let _ = writeln!(
            out,
            "namespaces not read: {}",
            listing.unread_namespaces.join(", ")
        );
    }
    out
}

fn answer_text(answer: &Recorded<'_>) -> String {
    let from = answer
        .from
        .as_ref()
        .map(|f| format!(" from {f}"))
        .unwrap_or_default();
    let what = match (answer.error, answer.rcode.as_deref()) {
        (Some(error), _) => format!("error: {error}"),
        (None, Some(rcode)) => {
            let plural = if answer.records == 1 { "" } else { "s" };
            format!("{rcode}, {} record{plural}", answer.records)
        }
        (None, None) => "neither rcode nor error".to_string(),
    };
    format!("{}{from} {what}", answer.source)
}

/// The listing as one JSON document.
pub fn json(listing: &Listing<'_>) -> String {
    let mut text = serde_json::to_string_pretty(listing).expect("a listing always serializes");
    text.push('\n');
    text
}
