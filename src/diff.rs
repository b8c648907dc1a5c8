//! The pure diff: assembles the four sources' answers for one question, tells by-design differences from
//! faults via [`crate::explain`], and reaches a verdict. No I/O happens here.

use hickory_proto::rr::RecordType;

use crate::emulate::istio::{self, AgentTable, BuiltTable, LocalAnswer, ProxyContext, TableInputs};
use crate::emulate::kube_dns::{self, Prediction};
use crate::explain;
use crate::model::{Answer, Origin, Outcome, SourceKind, SourceResult, in_zone};
use crate::objects::{CorednsSettings, Objects};
use crate::report::{AskedQuestion, From, Report, Severity, Verdict};
use crate::snapshot::{ClusterInfo, MeshInfo, MeshKind, NameTable, RemoteCluster, UnreadNamespace};
use crate::workload::Workload;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The cluster as meshdig sees it: objects and mesh settings.
#[derive(Clone, Copy)]
pub struct World<'a> {
    pub cluster: &'a ClusterInfo,
    pub mesh: &'a MeshInfo,
    pub objects: &'a Objects,
    pub remote_clusters: &'a [RemoteCluster],
    /// Why some objects could not be read; predictions from partial objects would mislead.
    pub object_errors: &'a [String],
    /// Namespaces whose objects were not read: names in them get no prediction.
    pub unread_namespaces: &'a [UnreadNamespace],
}

impl World<'_> {
    /// The unread namespace `fqdn` resolves through, asked by a pod with first search domain
    /// `first_search`, if any.
    pub fn unread_namespace(
        &self,
        fqdn: &str,
        first_search: Option<&str>,
    ) -> Option<&UnreadNamespace> {
        let named = crate::workload::namespaces_named(fqdn, first_search, &self.cluster.domain);
        self.unread_namespaces
            .iter()
            .find(|u| named.contains(&u.namespace))
    }
}

/// What the control plane said about the asking proxy's name table.
#[derive(Debug, Clone)]
pub enum TableObservation {
    /// The proxy's name table.
    Table(Arc<NameTable>),
    /// The control plane could not be asked; the text says why.
    Unavailable(String),
    /// No control plane applies (no mesh proxy, or nothing recorded); the text says why.
    NotApplicable(String),
}

/// Everything one diff reads: the world, the asker, the question and what the live sources said.
pub struct DiffInput<'a> {
    pub world: World<'a>,
    pub workload: Option<&'a Workload>,
    /// The namespace relative names belong to when there is no workload.
    pub namespace: &'a str,
    pub question: AskedQuestion,
    pub rtype: RecordType,
    pub kube_dns: SourceResult,
    pub sidecar: SourceResult,
    pub control_plane: TableObservation,
    /// Tables built for earlier questions of the same run, reused.
    pub cache: &'a DiffCache,
}

/// What a run reuses across questions asked from the same proxy: building the expected table and
/// indexing the agent's aliases is linear in the cluster, so each is done once per proxy.
#[derive(Default)]
pub struct DiffCache {
    tables: Mutex<HashMap<String, Arc<ProxyTables>>>,
    /// The Corefile's settings, parsed once.
    coredns: OnceLock<CorednsSettings>,
}

/// The tables of one asking proxy.
struct ProxyTables {
    expected: Option<(Arc<BuiltTable>, AgentTable)>,
    observed: Option<AgentTable>,
}

/// Predictions and look-ups derived once from the inputs, shared by every explanation rule.
pub struct Derived<'a> {
    pub input: &'a DiffInput<'a>,
    pub coredns: CorednsSettings,
    /// What kube-dns must answer by the Kubernetes DNS spec.
    pub spec: Prediction,
    /// The table istiod must push to the asking proxy, built from the objects.
    pub expected_table: Option<Arc<BuiltTable>>,
    /// The agent's answer from the expected table (`None`: it forwards).
    pub expected_local: Option<LocalAnswer>,
    /// The control plane's table, when it was read.
    pub observed_table: Option<&'a NameTable>,
    /// The agent's answer from the control plane's table (`None`: it forwards).
    pub observed_local: Option<LocalAnswer>,
}

impl Derived<'_> {
    /// The search domain the agent pre-stores CNAMEs for: the pod's first one.
    pub fn search_domain(&self) -> Option<&str> {
        self.input.workload.and_then(Workload::first_search)
    }

    /// The zone whose records the spec predicts, for comparing with it: the cluster domain, or
    /// `arpa` for reverse look-ups (whose PTR records live outside the cluster domain).
    pub fn comparison_zone(&self) -> &str {
        if kube_dns::reverse_address(&self.input.question.fqdn).is_some() {
            "arpa"
        } else {
            &self.input.world.cluster.domain
        }
    }

    /// The asking proxy's namespace.
    pub fn namespace(&self) -> &str {
        self.input
            .workload
            .map_or(self.input.namespace, |w| w.namespace.as_str())
    }

    /// The local answer the sidecar should give: from the control plane's table when it was read,
    /// else from the table the objects imply.
    pub fn reference_local(&self) -> Option<&LocalAnswer> {
        if self.observed_table.is_some() {
            self.observed_local.as_ref()
        } else {
            self.expected_local.as_ref()
        }
    }
}

/// Runs the diff: derives predictions, explains every difference and returns the report.
pub fn diff(input: &DiffInput<'_>) -> Report {
    let derived = derive(input);
    let mut sources = vec![
        classify_kube_dns(input.kube_dns.clone(), &derived),
        classify_sidecar(input.sidecar.clone(), &derived),
        control_plane_result(&derived),
        expected_result(&derived),
    ];
    sources.sort_by_key(|s| s.source);
    let findings = explain::explain(&derived, &sources);
    let verdict = verdict(&sources, &findings, derived.comparison_zone());
    let captures = input.workload.is_some_and(Workload::captures_dns);
    Report {
        question: input.question.clone(),
        from: describe_from(input),
        sources,
        app_source: if captures {
            SourceKind::Sidecar
        } else {
            SourceKind::KubeDns
        },
        walk: None,
        findings,
        verdict,
    }
}

fn derive<'a>(input: &'a DiffInput<'a>) -> Derived<'a> {
    let world = input.world;
    let coredns = *input.cache.coredns.get_or_init(|| {
        CorednsSettings::from_corefile(world.objects.corefile(), &world.cluster.domain)
    });
    let fqdn = input.question.fqdn.as_str();
    let complete = world.object_errors.is_empty();
    let search = input.workload.and_then(Workload::first_search);
    let predictable = complete && world.unread_namespace(fqdn, search).is_none();
    let spec = if predictable {
        kube_dns::predict(
            world.objects,
            &world.cluster.domain,
            coredns.kubernetes_ttl,
            fqdn,
            input.rtype,
        )
    } else {
        Prediction {
            answer: None,
            subject: kube_dns::Subject::Unpredicted,
        }
    };
    let observed_arc = match &input.control_plane {
        TableObservation::Table(table) => Some(table),
        _ => None,
    };
    let observed_table = observed_arc.map(|t| &**t);
    let mut derived = Derived {
        input,
        coredns,
        spec,
        expected_table: None,
        expected_local: None,
        observed_table,
        observed_local: None,
    };
    let Some(workload) = input
        .workload
        .filter(|w| w.has_sidecar() && world.mesh.kind == MeshKind::Istio)
    else {
        return derived;
    };
    let tables = proxy_tables(input, workload, observed_arc, complete);
    derived.observed_local = tables
        .observed
        .as_ref()
        .and_then(|agent| agent.lookup(fqdn, input.rtype));
    if let Some((built, agent)) = tables.expected.as_ref().filter(|_| predictable) {
        derived.expected_local = agent.lookup(fqdn, input.rtype);
        derived.expected_table = Some(Arc::clone(built));
    }
    derived
}

/// The expected table and the agent indexes of `workload`'s proxy, built once per run.
fn proxy_tables(
    input: &DiffInput<'_>,
    workload: &Workload,
    observed: Option<&Arc<NameTable>>,
    complete: bool,
) -> Arc<ProxyTables> {
    let key = workload.proxy_id();
    let mut cache = input
        .cache
        .tables
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(tables) = cache.get(&key) {
        return Arc::clone(tables);
    }
    let world = input.world;
    let search = workload.first_search();
    let domain = &world.cluster.domain;
    let observed_agent = observed
        .map(|table| AgentTable::new(Arc::clone(table), &workload.namespace, domain, search));
    let expected = complete.then(|| {
        let proxy = workload
            .proxy
            .as_ref()
            .expect("has_sidecar implies a proxy");
        let context = ProxyContext {
            namespace: workload.namespace.clone(),
            labels: workload.labels.clone(),
            dns_capture: proxy.dns_capture,
            dns_auto_allocate: proxy.dns_auto_allocate,
            families: workload.families,
        };
        let built = build_table(world, &context, observed.map(|t| &**t));
        let agent = AgentTable::new(
            Arc::new(built.table.clone()),
            &workload.namespace,
            domain,
            search,
        );
        (Arc::new(built), agent)
    });
    let tables = Arc::new(ProxyTables {
        expected,
        observed: observed_agent,
    });
    cache.insert(key, Arc::clone(&tables));
    tables
}

/// Builds the table istiod must push to a proxy with `context`.
pub fn build_table(
    world: World<'_>,
    context: &ProxyContext,
    observed: Option<&NameTable>,
) -> BuiltTable {
    istio::build_table(&TableInputs {
        objects: world.objects,
        remote_clusters: world.remote_clusters,
        mesh: world.mesh,
        cluster: world.cluster,
        proxy: context,
        observed,
    })
}

/// Tells kube-dns answers served fresh by the kubernetes plugin from cached ones (TTL counting down).
fn classify_kube_dns(mut result: SourceResult, derived: &Derived<'_>) -> SourceResult {
    if let Some(answer) = result.answer() {
        let zone = &derived.input.world.cluster.domain;
        let in_cluster: Vec<u32> = answer
            .records
            .iter()
            .filter(|r| in_zone(&r.name, &format!("{}.", zone.trim_end_matches('.'))))
            .map(|r| r.ttl_s)
            .collect();
        result.origin = match in_cluster.iter().min() {
            Some(ttl) if *ttl < derived.coredns.kubernetes_ttl => Some(Origin::Cache),
            Some(_) => Some(Origin::Kubernetes),
            None => None,
        };
    }
    result
}

/// Marks the sidecar's answer as synthesized from its table or forwarded upstream.
fn classify_sidecar(mut result: SourceResult, derived: &Derived<'_>) -> SourceResult {
    let Some(answer) = result.answer() else {
        return result;
    };
    let reference = derived.reference_local();
    // CoreDNS answers with AA and often TTL 30 too, so the answer's shape only decides when it
    // contradicts what the tables say.
    let upstream = derived.input.kube_dns.answer();
    let synthesized_against_upstream =
        explain::looks_synthesized(answer) && upstream.is_none_or(|kube| !kube.same_as(answer));
    result.origin = if answer.rcode == crate::model::Rcode::ServFail {
        None
    } else if reference.is_some_and(|local| local.answer.same_as(answer))
        || synthesized_against_upstream
    {
        Some(Origin::NameTable)
    } else {
        Some(Origin::Forwarded)
    };
    result
}

fn control_plane_result(derived: &Derived<'_>) -> SourceResult {
    let captures = derived.input.workload.is_some_and(Workload::captures_dns);
    let outcome = match (&derived.input.control_plane, &derived.observed_local) {
        (TableObservation::Table(_) | TableObservation::Unavailable(_), _) if !captures => Outcome::NotApplicable(
            "the sidecar does not capture DNS, so its name table does not answer this pod's queries".to_string(),
        ),
        (TableObservation::Unavailable(why), _) => Outcome::Error(why.clone()),
        (TableObservation::NotApplicable(why), _) => Outcome::NotApplicable(why.clone()),
        (TableObservation::Table(_), Some(local)) => Outcome::Answered(local.answer.clone()),
        (TableObservation::Table(_), None)
            if !matches!(derived.input.rtype, RecordType::A | RecordType::AAAA) =>
        {
            Outcome::NotApplicable(format!(
                "the agent answers only A and AAAA from its table; {} queries go upstream",
                derived.input.rtype
            ))
        }
        (TableObservation::Table(_), None) => Outcome::NotApplicable(
            "not in this proxy's name table: the agent forwards the query upstream unchanged"
                .to_string(),
        ),
    };
    let origin = matches!(outcome, Outcome::Answered(_)).then_some(Origin::NameTable);
    SourceResult::new(SourceKind::ControlPlane, outcome, origin)
}

fn expected_result(derived: &Derived<'_>) -> SourceResult {
    let world = derived.input.world;
    let errors = world.object_errors;
    if !errors.is_empty() {
        let why = format!("cannot predict from partial objects: {}", errors.join("; "));
        return SourceResult::new(SourceKind::Expected, Outcome::Error(why), None);
    }
    if let Some(unread) =
        world.unread_namespace(&derived.input.question.fqdn, derived.search_domain())
    {
        let why = format!(
            "cannot predict: the objects of namespace {} were not read ({})",
            unread.namespace, unread.reason
        );
        return SourceResult::new(SourceKind::Expected, Outcome::Error(why), None);
    }
    let captures = derived.input.workload.is_some_and(Workload::captures_dns);
    if captures && let Some(local) = &derived.expected_local {
        return SourceResult::new(
            SourceKind::Expected,
            Outcome::Answered(local.answer.clone()),
            Some(Origin::MeshRules),
        );
    }
    let outcome = match (&derived.spec.answer, &derived.spec.subject) {
        (Some(predicted), _) => Outcome::Answered(predicted.answer.clone()),
        (None, kube_dns::Subject::OutsideZone) => Outcome::NotApplicable(format!(
            "outside the cluster domain {} and the zones CoreDNS serves: the upstream resolver answers, and no object predicts what",
            derived.input.world.cluster.domain
        )),
        (None, kube_dns::Subject::NoPrediction(why)) => Outcome::NotApplicable(why.clone()),
        (None, _) => Outcome::NotApplicable(
            "the Kubernetes DNS spec defines no answer for this name and type".to_string(),
        ),
    };
    let origin = matches!(outcome, Outcome::Answered(_)).then_some(Origin::KubernetesSpec);
    SourceResult::new(SourceKind::Expected, outcome, origin)
}

/// True when every answered source gives the same rcode and record set.
///
/// The Kubernetes DNS spec predicts only records inside the cluster domain (an ExternalName's CNAME,
/// not the target's addresses upstream), so answers are compared with such a prediction in-zone only.
pub fn answers_agree(sources: &[SourceResult], zone: &str) -> bool {
    let spec_only = sources
        .iter()
        .any(|s| s.source == SourceKind::Expected && s.origin == Some(Origin::KubernetesSpec));
    let answers: Vec<Answer> = sources
        .iter()
        .filter_map(SourceResult::answer)
        .map(|a| {
            if spec_only {
                a.within_zone(zone)
            } else {
                a.clone()
            }
        })
        .collect();
    answers.windows(2).all(|pair| pair[0].same_as(&pair[1]))
}

fn verdict(sources: &[SourceResult], findings: &[crate::report::Finding], zone: &str) -> Verdict {
    let worst = findings.iter().map(|f| f.severity).max();
    if worst == Some(Severity::Error) {
        Verdict::Discrepancy
    } else if sources
        .iter()
        .any(|s| matches!(s.outcome, Outcome::Error(_)))
    {
        Verdict::Incomplete
    } else if worst == Some(Severity::Warning) || !answers_agree(sources, zone) {
        Verdict::Explained
    } else {
        Verdict::Consistent
    }
}

fn describe_from(input: &DiffInput<'_>) -> From {
    let Some(workload) = input.workload else {
        return From {
            namespace: input.namespace.to_string(),
            pod: None,
            proxy: "no pod given: kube-dns and the spec only".to_string(),
        };
    };
    let proxy = match &workload.proxy {
        Some(p) if workload.has_sidecar() => format!(
            "istio sidecar, DNS capture {}{}",
            if p.dns_capture { "on" } else { "off" },
            if p.dns_auto_allocate {
                ", DNS auto-allocate on"
            } else {
                ""
            }
        ),
        Some(p) if p.kind == crate::snapshot::ProxyKind::Ambient => {
            "istio ambient: ztunnel proxies DNS on the node (not compared yet; kube-dns and the spec only)".to_string()
        }
        _ => "no mesh proxy".to_string(),
    };
    From {
        namespace: workload.namespace.clone(),
        pod: Some(workload.pod.clone()),
        proxy,
    }
}
