//! What kube-dns answers: CoreDNS's kubernetes plugin, the server nearly every cluster runs as kube-dns.
//!
//! The Kubernetes DNS-Based Service Discovery specification 1.1.0 decides most answers. Where it leaves
//! a choice or CoreDNS deviates from it, the prediction follows CoreDNS [`COREDNS_VERSION`] and lists
//! the rule in [`Predicted::coredns`]; each such rule names the function of coredns/coredns
//! `plugin/kubernetes/*.go` (or `plugin/backend_lookup.go`) it follows. Only names in the zones the
//! plugin serves (the cluster domain and its reverse zones) are predicted: anything else is
//! forwarded upstream, and no object in the cluster says what it should be.

use std::cell::RefCell;
use std::net::IpAddr;
use std::ops::Deref;

use hickory_proto::rr::{Name, RecordType};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::Endpoint;

use crate::model::{Answer, Rcode, Record, canonical_name, in_zone};
use crate::objects::{EndpointAddress, KubernetesOptions, Objects, PodsMode, ns_name};

/// The version of the Kubernetes DNS specification emulated, served as `dns-version.<zone>. TXT`.
pub const SPEC_VERSION: &str = "1.1.0";

/// The CoreDNS release whose kubernetes plugin is emulated (read at coredns/coredns commit 4b26cce,
/// fifteen commits after the v1.14.7 tag).
pub const COREDNS_VERSION: &str = "1.14.7";

/// CoreDNS serves `dns-version.<zone>. TXT` with this TTL, whatever its `ttl` option.
const DNS_VERSION_TTL: u32 = 28800;

/// CoreDNS stops following CNAMEs inside its zone after this many.
const MAX_CNAME_CHAIN: usize = 10;

/// The kind of Service a name belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceShape {
    ClusterIp,
    Headless,
    ExternalName(String),
}

/// Which object a name resolves through, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The name lies outside the zones the kubernetes plugin serves: CoreDNS forwards it upstream.
    OutsideZone,
    /// No prediction was attempted (the objects are incomplete).
    Unpredicted,
    /// The answer depends on something the objects do not record; the text says what.
    NoPrediction(String),
    /// `<svc>.<ns>.svc.<zone>` or one of its SRV names.
    Service {
        namespace: String,
        name: String,
        shape: ServiceShape,
    },
    /// `<hostname>.<svc>.<ns>.svc.<zone>`: one endpoint of a headless Service.
    PodHostname {
        namespace: String,
        service: String,
        hostname: String,
    },
    /// `<hostname>.<svc>.<ns>.svc.<zone>` of a Service with a ClusterIP, which CoreDNS answers too.
    Endpoint {
        namespace: String,
        service: String,
        hostname: String,
    },
    /// `<a-b-c-d>.<ns>.pod.<zone>`: a pod record of CoreDNS's `pods insecure|verified`.
    Pod { namespace: String, address: String },
    /// An empty non-terminal such as `<ns>.svc.<zone>`.
    Intermediate,
    /// No object defines the name.
    Missing,
}

/// A predicted answer, and where it is CoreDNS behaviour rather than the spec's.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicted {
    pub answer: Answer,
    /// What CoreDNS does that decides this answer where the spec does not (each with the upstream
    /// function it follows); empty when the spec alone decides it.
    pub coredns: Vec<&'static str>,
}

impl Deref for Predicted {
    type Target = Answer;

    fn deref(&self) -> &Answer {
        &self.answer
    }
}

/// kube-dns's predicted answer and the object it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// `None` when no answer can be predicted (see [`Subject`]).
    pub answer: Option<Predicted>,
    pub subject: Subject,
}

/// Predicts kube-dns's answer to `fqdn` (any case, trailing dot optional) of type `rtype` in cluster domain
/// `domain`, with the kubernetes plugin's TTL `ttl` and the options of the Corefile in `objects`.
pub fn predict(
    objects: &Objects,
    domain: &str,
    ttl: u32,
    fqdn: &str,
    rtype: RecordType,
) -> Prediction {
    let fqdn = &canonical_name(fqdn);
    let plugin = Plugin {
        objects,
        options: objects.kubernetes_options(),
        zone: canonical_name(domain),
        ttl,
        notes: RefCell::new(Vec::new()),
    };
    let Some(zone) = plugin.zone_of(fqdn) else {
        return Prediction {
            answer: None,
            subject: Subject::OutsideZone,
        };
    };
    let base = fqdn
        .strip_suffix(zone.as_str())
        .unwrap_or("")
        .trim_end_matches('.');
    let query = Query {
        name: fqdn,
        zone: &zone,
        base,
    };
    let outcome = plugin.serve(&query, rtype);
    plugin.finish(fqdn, outcome)
}

/// The address a full-length `in-addr.arpa.`/`ip6.arpa.` name stands for.
pub fn reverse_address(fqdn: &str) -> Option<IpAddr> {
    let name = Name::from_ascii(fqdn).ok()?;
    let net = name.parse_arpa_name().ok()?;
    (net.prefix_len() == net.max_prefix_len()).then(|| net.addr())
}

/// The shape of a Service: ClusterIP, headless or ExternalName.
pub fn shape(service: &Service) -> ServiceShape {
    let spec = service.spec.as_ref();
    if let Some(target) = spec
        .filter(|s| s.type_.as_deref() == Some("ExternalName"))
        .and_then(|s| s.external_name.clone())
    {
        return ServiceShape::ExternalName(target);
    }
    match spec.and_then(|s| s.cluster_ip.as_deref()) {
        Some("None") => ServiceShape::Headless,
        _ => ServiceShape::ClusterIp,
    }
}

/// The ClusterIPs of a Service (both families on dual-stack Services).
pub fn cluster_ips(service: &Service) -> Vec<IpAddr> {
    let Some(spec) = service.spec.as_ref() else {
        return Vec::new();
    };
    let ips = spec
        .cluster_ips
        .clone()
        .filter(|ips| !ips.is_empty())
        .or_else(|| spec.cluster_ip.clone().map(|ip| vec![ip]))
        .unwrap_or_default();
    ips.iter().filter_map(|ip| ip.parse().ok()).collect()
}

/// The endpoints DNS publishes for a Service: ready ones, or all with `publishNotReadyAddresses`.
pub fn published(objects: &Objects, service: &Service) -> Vec<EndpointAddress> {
    let (namespace, name) = ns_name(&service.metadata);
    let all = service
        .spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false);
    objects
        .endpoints(namespace, name)
        .into_iter()
        .filter(|e| all || e.ready)
        .collect()
}

/// Rules where CoreDNS decides what the spec leaves open, or answers otherwise than it.
mod rule {
    pub(super) const ADDRESS_LABEL: &str = "CoreDNS names an endpoint without hostname after its address, dots or colons turned into dashes (plugin/kubernetes/kubernetes.go endpointHostname)";
    pub(super) const POD_NAMES: &str = "endpoint_pod_names: CoreDNS names an endpoint without hostname after its pod (plugin/kubernetes/kubernetes.go endpointHostname)";
    pub(super) const CLUSTER_IP_ENDPOINTS: &str = "CoreDNS answers the endpoint names of a Service with a ClusterIP too; the spec defines them for headless Services only (plugin/kubernetes/kubernetes.go findServices)";
    pub(super) const EXTERNAL_IN_ZONE: &str = "CoreDNS follows an ExternalName whose target is in its zone and answers the target's records after the CNAME (plugin/backend_lookup.go A, AAAA)";
    pub(super) const EXTERNAL_IP: &str = "CoreDNS answers NXDOMAIN for an ExternalName that is an IP address (plugin/kubernetes/kubernetes.go findServices)";
    pub(super) const BARE_SRV: &str = "CoreDNS answers SRV on a name without _port._proto with every port behind it (plugin/kubernetes/kubernetes.go findServices)";
    pub(super) const WEIGHTS: &str = "CoreDNS weighs each SRV record 100 divided by the (address, port) pairs behind the name, counted before duplicates are dropped (plugin/backend_lookup.go SRV)";
    pub(super) const SLICE_PORTS: &str = "CoreDNS takes the SRV ports of endpoints from their EndpointSlices, not from the Service (plugin/kubernetes/object/endpoint.go EndpointSliceToEndpoints)";
    pub(super) const PORT_LABELS: &str = "CoreDNS reads the two labels left of a service name as port and protocol, with or without their underscores (plugin/kubernetes/parse.go parseRequest)";
    pub(super) const TXT_NXDOMAIN: &str = "CoreDNS answers TXT with NXDOMAIN for a name without records of its own, even one whose A query gets NODATA (plugin/kubernetes/kubernetes.go Services)";
    pub(super) const SOA_BELOW_APEX: &str = "CoreDNS answers SOA below its zone's apex with NODATA, whether or not the name exists (plugin/kubernetes/handler.go ServeDNS)";
    pub(super) const DNS_VERSION: &str = "CoreDNS serves dns-version with TTL 28800 whatever its ttl option (plugin/kubernetes/kubernetes.go Services)";
    pub(super) const INVALID_NAME: &str = "CoreDNS answers NXDOMAIN for a name in its zone that is neither under svc nor pod, or has more labels than any of its records (plugin/kubernetes/parse.go parseRequest)";
    pub(super) const REVERSE_NAME: &str = "CoreDNS answers NXDOMAIN in a reverse zone for anything but the PTR of a full address (plugin/kubernetes/kubernetes.go Records)";
    pub(super) const PTR_ENDPOINTS: &str = "CoreDNS answers PTR for the endpoints of every Service, not only headless ones, and for EndpointSlices without a Service (plugin/kubernetes/reverse.go serviceRecordForIP)";
    pub(super) const EMPTY_NAMES: &str = "CoreDNS answers NODATA for the zone apex, svc.<zone> and pod.<zone>, whatever its pods option (plugin/kubernetes/parse.go parseRequest)";
    pub(super) const NAMESPACE_EXISTS: &str = "CoreDNS answers NODATA for <ns>.svc.<zone> when the namespace exists, which meshdig takes from any object it read there (plugin/kubernetes/namespace.go filteredNamespaceExists)";
    pub(super) const REFUSED: &str =
        "CoreDNS refuses zone transfers (plugin/kubernetes/handler.go ServeDNS)";
    pub(super) const PODS_DISABLED: &str = "pods disabled (CoreDNS's default): no pod records (plugin/kubernetes/kubernetes.go findPods)";
    pub(super) const PODS_INSECURE: &str = "pods insecure: CoreDNS answers <a-b-c-d>.<ns>.pod.<zone> with the address in the name, whether or not a pod has it; spec 1.1.0 removed pod records (plugin/kubernetes/kubernetes.go findPods)";
    pub(super) const PODS_VERIFIED: &str = "pods verified: CoreDNS answers <a-b-c-d>.<ns>.pod.<zone> when a pod in that namespace has the address; spec 1.1.0 removed pod records (plugin/kubernetes/kubernetes.go findPods)";
    pub(super) const IGNORE_EMPTY: &str = "ignore empty_service: CoreDNS answers NXDOMAIN for a ClusterIP Service without ready endpoints (plugin/kubernetes/kubernetes.go findServices)";
    pub(super) const NOENDPOINTS: &str = "noendpoints: CoreDNS does not watch EndpointSlices, so headless Services and endpoint names have no records (plugin/kubernetes/setup.go ParseStanza)";
    pub(super) const NAMESPACES: &str = "namespaces: CoreDNS serves only the namespaces listed (plugin/kubernetes/namespace.go configuredNamespace)";
}

/// Why there is no prediction.
mod reason {
    pub(super) const SOA_SERIAL: &str = "no prediction: the SOA serial is the time CoreDNS last saw a watched object change (coredns plugin/kubernetes/kubernetes.go Serial), which the objects do not record";
    pub(super) const NS_NAMES: &str = "no prediction: CoreDNS names the Services whose endpoints hold the answering replica's own address, or ns.dns.<zone> when none does (coredns plugin/kubernetes/ns.go nsAddrs), and which replica answers is not in the objects";
    pub(super) const PODS_UNKNOWN: &str = "no prediction: the Corefile (ConfigMap kube-system/coredns) was not read, so whether CoreDNS's pods option serves pod records is unknown";
    pub(super) const FALLTHROUGH: &str = "no prediction: no object defines this name, and the kubernetes plugin's fallthrough passes it to the next plugin, so the upstream resolver answers";
}

/// One question, located in the zone of the plugin that serves it.
struct Query<'a> {
    /// The name asked, canonical.
    name: &'a str,
    /// The zone it is in: the cluster domain or a reverse zone, canonical.
    zone: &'a str,
    /// The labels left of the zone, without the trailing dot (empty at the apex).
    base: &'a str,
}

/// Why a look-up found no records.
enum Miss {
    /// No such name: NXDOMAIN, unless fallthrough hands it on.
    NameError,
    /// The answer depends on something the objects do not say; the text says what.
    Unknown(&'static str),
}

/// Where a record found by a look-up points.
enum Host {
    Address(IpAddr),
    /// An ExternalName's target, canonical.
    Target(String),
}

/// One result of the plugin's look-up: an address or target, the port behind it and the name that
/// owns it (CoreDNS's `msg.Service`).
struct Entry {
    host: Host,
    /// -1 when neither the Service nor the EndpointSlice declares a port.
    port: i32,
    /// The name SRV and PTR records point at.
    owner: String,
    /// The owner's first label is the endpoint's address, dashed.
    named_by_address: bool,
    /// The port comes from an EndpointSlice.
    port_from_slice: bool,
}

/// What a look-up found, and the object it went through.
struct Found {
    entries: Vec<Entry>,
    subject: Subject,
}

impl Found {
    fn empty(subject: Subject) -> Self {
        Self {
            entries: Vec::new(),
            subject,
        }
    }
}

/// The records of one answer and the object they come from.
type Served = Result<(Vec<Record>, Subject), Miss>;

/// What a query name asks for, as CoreDNS parses it: `[_port._proto.|endpoint.]service.namespace.svc|pod`.
#[derive(Default)]
struct Request<'a> {
    /// `None` for the apex, `svc` and `pod` themselves.
    kind: Option<Kind>,
    namespace: &'a str,
    service: Option<&'a str>,
    endpoint: Option<&'a str>,
    port: Option<&'a str>,
    protocol: Option<&'a str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Svc,
    Pod,
}

/// The kubernetes plugin answering one question.
struct Plugin<'a> {
    objects: &'a Objects,
    options: &'a KubernetesOptions,
    /// The cluster zone, canonical.
    zone: String,
    ttl: u32,
    /// The CoreDNS rules the answer followed.
    notes: RefCell<Vec<&'static str>>,
}

impl Plugin<'_> {
    fn note(&self, rule: &'static str) {
        let mut notes = self.notes.borrow_mut();
        if !notes.contains(&rule) {
            notes.push(rule);
        }
    }

    /// The zones the plugin serves; without a Corefile, kubeadm's: the cluster domain and both
    /// reverse trees.
    fn served_zones(&self) -> Vec<String> {
        if self.options.read {
            self.options.zones.clone()
        } else {
            vec![
                self.zone.clone(),
                "in-addr.arpa.".to_string(),
                "ip6.arpa.".to_string(),
            ]
        }
    }

    /// The zone that serves `fqdn`: the cluster domain, or the longest reverse zone holding it.
    fn zone_of(&self, fqdn: &str) -> Option<String> {
        let served = self.served_zones();
        if in_zone(fqdn, &self.zone) {
            return served
                .iter()
                .any(|z| in_zone(&self.zone, z))
                .then(|| self.zone.clone());
        }
        served
            .into_iter()
            .filter(|z| in_zone(z, "arpa.") && in_zone(fqdn, z))
            .max_by_key(String::len)
    }

    /// True when `fallthrough` hands a name the plugin does not know to the next plugin; without a
    /// Corefile, kubeadm's `fallthrough in-addr.arpa ip6.arpa`.
    fn falls_through(&self, fqdn: &str) -> bool {
        let kubeadm = ["in-addr.arpa.".to_string(), "ip6.arpa.".to_string()];
        match (&self.options.fallthrough, self.options.read) {
            (Some(zones), _) if zones.is_empty() => true,
            (Some(zones), _) => zones.iter().any(|z| in_zone(fqdn, z)),
            (None, true) => false,
            (None, false) => kubeadm.iter().any(|z| in_zone(fqdn, z)),
        }
    }

    /// The prediction for what serving produced.
    fn finish(&self, fqdn: &str, served: Result<(Answer, Subject), Miss>) -> Prediction {
        let predicted = |answer| Predicted {
            answer,
            coredns: self.notes.borrow().clone(),
        };
        match served {
            Ok((answer, subject)) => Prediction {
                answer: Some(predicted(answer)),
                subject,
            },
            Err(Miss::Unknown(why)) => Prediction {
                answer: None,
                subject: Subject::NoPrediction(why.to_string()),
            },
            Err(Miss::NameError) if self.falls_through(fqdn) => Prediction {
                answer: None,
                subject: Subject::NoPrediction(reason::FALLTHROUGH.to_string()),
            },
            Err(Miss::NameError) => Prediction {
                answer: Some(predicted(Answer::empty(Rcode::NxDomain, true))),
                subject: Subject::Missing,
            },
        }
    }

    /// Answers one query by its type, as CoreDNS's handler dispatches it.
    fn serve(&self, query: &Query<'_>, rtype: RecordType) -> Result<(Answer, Subject), Miss> {
        let apex = query.base.is_empty();
        let served = match rtype {
            RecordType::SOA if apex => Err(Miss::Unknown(reason::SOA_SERIAL)),
            RecordType::SOA => {
                self.note(rule::SOA_BELOW_APEX);
                Ok((Vec::new(), Subject::Intermediate))
            }
            RecordType::AXFR | RecordType::IXFR => {
                self.note(rule::REFUSED);
                return Ok((Answer::empty(Rcode::Refused, false), Subject::Intermediate));
            }
            RecordType::NS if apex => Err(Miss::Unknown(reason::NS_NAMES)),
            RecordType::A | RecordType::AAAA => self.addresses(query, rtype, &mut Vec::new()),
            RecordType::TXT => self.txt(query),
            RecordType::CNAME => self.cname(query),
            RecordType::PTR => self.ptr(query),
            RecordType::SRV => self.srv(query),
            // Any other type is looked up as A, for NODATA or NXDOMAIN.
            _ => self
                .services(query, RecordType::A)
                .map(|found| (Vec::new(), found.subject)),
        };
        served.map(|(records, subject)| (Answer::records(records, true), subject))
    }

    /// CoreDNS's `Services`: the look-up behind A, AAAA, CNAME, SRV and the rest.
    fn services(&self, query: &Query<'_>, rtype: RecordType) -> Result<Found, Miss> {
        if query.base == "ns.dns" {
            return if matches!(rtype, RecordType::A | RecordType::AAAA) {
                Err(Miss::Unknown(reason::NS_NAMES))
            } else {
                Ok(Found::empty(Subject::Intermediate))
            };
        }
        let mut found = self.records(query)?;
        if rtype == RecordType::SRV {
            // SRV skips ExternalName targets.
            found.entries.retain(|e| matches!(e.host, Host::Address(_)));
        }
        Ok(found)
    }

    /// CoreDNS's `Records`: the Services, endpoints or pods a name stands for.
    fn records(&self, query: &Query<'_>) -> Result<Found, Miss> {
        let request = self.parse(query.base)?;
        let Some(kind) = request.kind else {
            self.note(rule::EMPTY_NAMES);
            return Ok(Found::empty(Subject::Intermediate));
        };
        if in_zone(query.zone, "arpa.") {
            self.note(rule::REVERSE_NAME);
            return Err(Miss::NameError);
        }
        if !self.options.namespaces.is_empty()
            && !self
                .options
                .namespaces
                .iter()
                .any(|n| n == request.namespace)
        {
            self.note(rule::NAMESPACES);
            return Err(Miss::NameError);
        }
        match kind {
            Kind::Pod => self.pods(&request),
            Kind::Svc => self.service_records(&request),
        }
    }

    /// Splits the labels left of the zone as CoreDNS's `parseRequest` does.
    fn parse<'b>(&self, base: &'b str) -> Result<Request<'b>, Miss> {
        if matches!(base, "" | "svc" | "pod") {
            return Ok(Request::default());
        }
        let invalid = || {
            self.note(rule::INVALID_NAME);
            Miss::NameError
        };
        let mut labels = base.rsplit('.');
        let kind = match labels.next() {
            Some("svc") => Kind::Svc,
            Some("pod") => Kind::Pod,
            _ => return Err(invalid()),
        };
        let mut request = Request {
            kind: Some(kind),
            namespace: labels.next().unwrap_or(""),
            service: labels.next(),
            ..Request::default()
        };
        match labels.collect::<Vec<_>>().as_slice() {
            [] => {}
            [endpoint] => request.endpoint = Some(endpoint),
            [protocol, port] => {
                if !port.starts_with('_') || !protocol.starts_with('_') {
                    self.note(rule::PORT_LABELS);
                }
                request.port = Some(port.strip_prefix('_').unwrap_or(port));
                request.protocol = Some(protocol.strip_prefix('_').unwrap_or(protocol));
            }
            _ => return Err(invalid()),
        }
        Ok(request)
    }

    /// True when namespace `namespace` exists, as far as the objects tell (see
    /// [`Objects::has_namespace`]).
    fn namespace_exists(&self, namespace: &str) -> bool {
        self.objects.has_namespace(namespace)
    }
}

/// Look-ups of Services, endpoints and pods (CoreDNS's `findServices` and `findPods`).
impl Plugin<'_> {
    fn service_records(&self, request: &Request<'_>) -> Result<Found, Miss> {
        let namespace = request.namespace;
        let Some(name) = request.service else {
            if self.namespace_exists(namespace) {
                self.note(rule::NAMESPACE_EXISTS);
                return Ok(Found::empty(Subject::Intermediate));
            }
            return Err(Miss::NameError);
        };
        let Some(service) = self.objects.service(namespace, name) else {
            return Err(Miss::NameError);
        };
        let shape = shape(service);
        if self.options.ignore_empty_service
            && shape == ServiceShape::ClusterIp
            && self.ready_endpoints(namespace, name) == 0
        {
            self.note(rule::IGNORE_EMPTY);
            return Err(Miss::NameError);
        }
        let owner = format!("{name}.{namespace}.svc.{}", self.zone);
        let entries = match (&shape, request.endpoint) {
            (ServiceShape::ExternalName(target), _) => {
                self.external_name(request, target, owner)?
            }
            (ServiceShape::Headless, _) | (ServiceShape::ClusterIp, Some(_)) => {
                self.endpoint_entries(request, namespace, name)?
            }
            (ServiceShape::ClusterIp, None) => Self::cluster_ip_entries(request, service, &owner)?,
        };
        let subject = match request.endpoint {
            Some(hostname) => {
                if shape == ServiceShape::ClusterIp {
                    self.note(rule::CLUSTER_IP_ENDPOINTS);
                }
                endpoint_subject(&shape, namespace, name, hostname)
            }
            None => Subject::Service {
                namespace: namespace.to_string(),
                name: name.to_string(),
                shape,
            },
        };
        Ok(Found { entries, subject })
    }

    fn external_name(
        &self,
        request: &Request<'_>,
        target: &str,
        owner: String,
    ) -> Result<Vec<Entry>, Miss> {
        if request.endpoint.is_some() || request.port.is_some() {
            return Err(Miss::NameError);
        }
        if target.parse::<IpAddr>().is_ok() {
            self.note(rule::EXTERNAL_IP);
            return Err(Miss::NameError);
        }
        Ok(vec![Entry {
            host: Host::Target(canonical_name(target)),
            port: 0,
            owner,
            named_by_address: false,
            port_from_slice: false,
        }])
    }

    /// The ready addresses of a Service as CoreDNS holds them (none with `noendpoints`).
    fn ready_endpoints(&self, namespace: &str, name: &str) -> usize {
        if self.options.noendpoints {
            return 0;
        }
        self.objects
            .slices_of(namespace, name)
            .flat_map(|s| s.endpoints.iter().filter(|e| ready(e)))
            .map(|e| e.addresses.len())
            .sum()
    }

    /// One entry per ready address × EndpointSlice port, for the endpoint asked or all of them.
    fn endpoint_entries(
        &self,
        request: &Request<'_>,
        namespace: &str,
        name: &str,
    ) -> Result<Vec<Entry>, Miss> {
        if self.options.noendpoints {
            self.note(rule::NOENDPOINTS);
            return Err(Miss::NameError);
        }
        let mut entries = Vec::new();
        for slice in self.objects.slices_of(namespace, name) {
            let ports: Vec<(i32, &str, &str)> = match slice.ports.as_deref() {
                Some(ports) if !ports.is_empty() => ports
                    .iter()
                    .map(|p| {
                        // The API server fills in TCP when a port gives no protocol.
                        let protocol = p.protocol.as_deref().unwrap_or("TCP");
                        (
                            p.port.unwrap_or(-1),
                            p.name.as_deref().unwrap_or(""),
                            protocol,
                        )
                    })
                    .collect(),
                _ => vec![(-1, "", "")],
            };
            for endpoint in slice.endpoints.iter().filter(|e| ready(e)) {
                for address in &endpoint.addresses {
                    let Ok(ip) = address.parse::<IpAddr>() else {
                        continue;
                    };
                    let (label, named_by_address) = self.endpoint_label(endpoint, address);
                    if request
                        .endpoint
                        .is_some_and(|e| !e.eq_ignore_ascii_case(&label))
                    {
                        continue;
                    }
                    if request.endpoint.is_some() && named_by_address {
                        self.note(rule::ADDRESS_LABEL);
                    }
                    let owner = format!("{label}.{name}.{namespace}.svc.{}", self.zone);
                    entries.extend(
                        ports
                            .iter()
                            .filter(|(_, port, protocol)| port_matches(request, port, protocol))
                            .map(|(port, _, _)| Entry {
                                host: Host::Address(ip),
                                port: *port,
                                owner: owner.clone(),
                                named_by_address,
                                port_from_slice: true,
                            }),
                    );
                }
            }
        }
        if entries.is_empty() {
            return Err(Miss::NameError);
        }
        Ok(entries)
    }

    /// One entry per matching Service port × ClusterIP; NXDOMAIN when no port matches.
    fn cluster_ip_entries(
        request: &Request<'_>,
        service: &Service,
        owner: &str,
    ) -> Result<Vec<Entry>, Miss> {
        let declared = service.spec.as_ref().and_then(|s| s.ports.as_deref());
        let ports: Vec<(i32, &str, &str)> = match declared {
            Some(ports) if !ports.is_empty() => ports
                .iter()
                .map(|p| {
                    let protocol = p.protocol.as_deref().unwrap_or("TCP");
                    (p.port, p.name.as_deref().unwrap_or(""), protocol)
                })
                .collect(),
            _ => vec![(-1, "", "")],
        };
        let matching: Vec<i32> = ports
            .iter()
            .filter(|(_, name, protocol)| port_matches(request, name, protocol))
            .map(|(port, _, _)| *port)
            .collect();
        if matching.is_empty() {
            return Err(Miss::NameError);
        }
        let ips = cluster_ips(service);
        Ok(matching
            .iter()
            .flat_map(|port| {
                ips.iter().map(|ip| Entry {
                    host: Host::Address(*ip),
                    port: *port,
                    owner: owner.to_string(),
                    named_by_address: false,
                    port_from_slice: false,
                })
            })
            .collect())
    }

    /// The first label of an endpoint's name: its hostname, else (with `endpoint_pod_names`) its
    /// pod's name, else its address dashed; and whether it is the address.
    fn endpoint_label(&self, endpoint: &Endpoint, address: &str) -> (String, bool) {
        if let Some(hostname) = endpoint.hostname.as_deref().filter(|h| !h.is_empty()) {
            return (hostname.to_string(), false);
        }
        let pod = endpoint
            .target_ref
            .as_ref()
            .and_then(|r| r.name.as_deref())
            .filter(|n| !n.is_empty() && n.len() < 64);
        if let Some(pod) = pod.filter(|_| self.options.endpoint_pod_names) {
            self.note(rule::POD_NAMES);
            return (pod.to_string(), false);
        }
        (dashed(address), true)
    }

    /// `<a-b-c-d>.<ns>.pod.<zone>` and `<ns>.pod.<zone>` by the `pods` option.
    fn pods(&self, request: &Request<'_>) -> Result<Found, Miss> {
        let mode = match self.options.pods {
            None => return Err(Miss::Unknown(reason::PODS_UNKNOWN)),
            Some(PodsMode::Disabled) => {
                self.note(rule::PODS_DISABLED);
                return Err(Miss::NameError);
            }
            Some(mode) => mode,
        };
        let namespace = request.namespace;
        self.note(if mode == PodsMode::Insecure {
            rule::PODS_INSECURE
        } else {
            rule::PODS_VERIFIED
        });
        if !self.namespace_exists(namespace) {
            return Err(Miss::NameError);
        }
        let Some(label) = request.service else {
            return Ok(Found::empty(Subject::Intermediate));
        };
        let text = if label.matches('-').count() == 3 && !label.contains("--") {
            label.replace('-', ".")
        } else {
            label.replace('-', ":")
        };
        let Ok(ip) = text.parse::<IpAddr>() else {
            return Err(Miss::NameError);
        };
        if mode == PodsMode::Verified && !self.pod_has(namespace, ip) {
            return Err(Miss::NameError);
        }
        Ok(Found {
            entries: vec![Entry {
                host: Host::Address(ip),
                port: 0,
                owner: format!("{label}.{namespace}.pod.{}", self.zone),
                named_by_address: false,
                port_from_slice: false,
            }],
            subject: Subject::Pod {
                namespace: namespace.to_string(),
                address: label.to_string(),
            },
        })
    }

    /// True when a pod of `namespace` that is not terminating has `ip` as its `status.podIP`.
    fn pod_has(&self, namespace: &str, ip: IpAddr) -> bool {
        self.objects
            .pods
            .iter()
            .filter(|p| ns_name(&p.metadata).0 == namespace)
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter_map(|p| p.to_pod().status.and_then(|s| s.pod_ip))
            .any(|pod_ip| pod_ip.parse() == Ok(ip))
    }
}

/// Records by query type (CoreDNS's `plugin/backend_lookup.go`).
impl Plugin<'_> {
    /// A or AAAA: the addresses, ExternalNames as a CNAME followed inside the zone.
    fn addresses(&self, query: &Query<'_>, rtype: RecordType, chain: &mut Vec<String>) -> Served {
        let found = self.services(query, rtype)?;
        let mut records = Vec::new();
        let mut seen = Vec::new();
        for entry in &found.entries {
            match &entry.host {
                Host::Target(target) => records.extend(self.follow(query, rtype, target, chain)?),
                Host::Address(ip) if family(rtype, ip) && !seen.contains(ip) => {
                    seen.push(*ip);
                    records.push(Record::new(
                        query.name,
                        &rtype.to_string(),
                        self.ttl,
                        ip.to_string(),
                    ));
                }
                Host::Address(_) => {}
            }
        }
        Ok((records, found.subject))
    }

    /// The CNAME to `target`, and inside the zone the target's own records, which CoreDNS adds
    /// only when there are some. Outside the zone the rest comes from upstream and is not predicted.
    fn follow(
        &self,
        query: &Query<'_>,
        rtype: RecordType,
        target: &str,
        chain: &mut Vec<String>,
    ) -> Result<Vec<Record>, Miss> {
        if target == query.name
            || chain.len() > MAX_CNAME_CHAIN
            || chain.iter().any(|t| t == target)
        {
            return Ok(Vec::new());
        }
        let cname = Record::new(query.name, "CNAME", self.ttl, target);
        if !in_zone(target, query.zone) {
            return Ok(vec![cname]);
        }
        self.note(rule::EXTERNAL_IN_ZONE);
        chain.push(target.to_string());
        let next = Query {
            name: target,
            zone: query.zone,
            base: target
                .strip_suffix(query.zone)
                .unwrap_or("")
                .trim_end_matches('.'),
        };
        match self.addresses(&next, rtype, chain) {
            Ok((records, _)) if !records.is_empty() => {
                Ok(std::iter::once(cname).chain(records).collect())
            }
            Ok(_) | Err(Miss::NameError) => Ok(Vec::new()),
            Err(unknown) => Err(unknown),
        }
    }

    fn txt(&self, query: &Query<'_>) -> Served {
        if query.base == "dns-version" {
            self.note(rule::DNS_VERSION);
            let version = format!("\"{SPEC_VERSION}\"");
            let record = Record::new(query.name, "TXT", DNS_VERSION_TTL, version);
            return Ok((vec![record], Subject::Intermediate));
        }
        match self.records(query) {
            Ok(found) if !found.entries.is_empty() => Ok((Vec::new(), found.subject)),
            Ok(_) => {
                self.note(rule::TXT_NXDOMAIN);
                Err(Miss::NameError)
            }
            Err(miss) => Err(miss),
        }
    }

    fn cname(&self, query: &Query<'_>) -> Served {
        let found = self.services(query, RecordType::CNAME)?;
        let records = match found.entries.first().map(|e| &e.host) {
            Some(Host::Target(target)) => {
                vec![Record::new(query.name, "CNAME", self.ttl, target.clone())]
            }
            _ => Vec::new(),
        };
        Ok((records, found.subject))
    }

    fn srv(&self, query: &Query<'_>) -> Served {
        let found = self.services(query, RecordType::SRV)?;
        let weight = srv_weight(found.entries.len());
        let mut seen: Vec<(&str, i32)> = Vec::new();
        let mut records = Vec::new();
        for entry in &found.entries {
            // Port -1 stands for "no port declared" and gives no SRV record.
            if entry.port == -1 || seen.contains(&(entry.owner.as_str(), entry.port)) {
                continue;
            }
            seen.push((entry.owner.as_str(), entry.port));
            if entry.named_by_address {
                self.note(rule::ADDRESS_LABEL);
            }
            if entry.port_from_slice {
                self.note(rule::SLICE_PORTS);
            }
            let data = format!("0 {weight} {} {}", entry.port, entry.owner);
            records.push(Record::new(query.name, "SRV", self.ttl, data));
        }
        if !records.is_empty() {
            if weight != 100 {
                self.note(rule::WEIGHTS);
            }
            if self.parse(query.base).is_ok_and(|r| r.port.is_none()) {
                self.note(rule::BARE_SRV);
            }
        }
        Ok((records, found.subject))
    }

    /// PTR: a full address in a reverse zone names its Service or endpoints; any other name exists
    /// or not as for A.
    fn ptr(&self, query: &Query<'_>) -> Served {
        match reverse_address(query.name).filter(|_| in_zone(query.zone, "arpa.")) {
            Some(ip) => self.reverse(query, ip),
            None => self.records(query).map(|found| (Vec::new(), found.subject)),
        }
    }

    /// CoreDNS's `serviceRecordForIP`: the first Service with `ip` as a ClusterIP, else every
    /// endpoint with that address.
    fn reverse(&self, query: &Query<'_>, ip: IpAddr) -> Served {
        let listed = |namespace: &str| {
            self.options.namespaces.is_empty()
                || self.options.namespaces.iter().any(|n| n == namespace)
        };
        let ptr = |target: String| Record::new(query.name, "PTR", self.ttl, target);
        let by_cluster_ip = self
            .objects
            .services
            .iter()
            .find(|s| listed(ns_name(&s.metadata).0) && cluster_ips(s).contains(&ip));
        if let Some(service) = by_cluster_ip {
            let (namespace, name) = ns_name(&service.metadata);
            let subject = Subject::Service {
                namespace: namespace.to_string(),
                name: name.to_string(),
                shape: shape(service),
            };
            let target = format!("{name}.{namespace}.svc.{}", self.zone);
            return Ok((vec![ptr(target)], subject));
        }
        let endpoints = self.endpoints_at(ip, &listed);
        let Some((_, subject)) = endpoints.first() else {
            return Err(Miss::NameError);
        };
        let subject = subject.clone();
        let records = endpoints.into_iter().map(|(t, _)| ptr(t)).collect();
        Ok((records, subject))
    }

    /// The names of every ready endpoint with address `ip`, in namespaces `listed` allows.
    fn endpoints_at(&self, ip: IpAddr, listed: &dyn Fn(&str) -> bool) -> Vec<(String, Subject)> {
        if self.options.noendpoints {
            return Vec::new();
        }
        let mut found: Vec<(String, Subject)> = Vec::new();
        for slice in &self.objects.endpoint_slices {
            let namespace = ns_name(&slice.metadata).0;
            let owner = slice
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(crate::objects::SERVICE_NAME_LABEL));
            let Some(service) = owner.filter(|_| listed(namespace)) else {
                continue;
            };
            let shape = self.objects.service(namespace, service).map(shape);
            for endpoint in slice.endpoints.iter().filter(|e| ready(e)) {
                for address in endpoint.addresses.iter().filter(|a| a.parse() == Ok(ip)) {
                    let (label, named_by_address) = self.endpoint_label(endpoint, address);
                    if named_by_address {
                        self.note(rule::ADDRESS_LABEL);
                    }
                    if shape != Some(ServiceShape::Headless) {
                        self.note(rule::PTR_ENDPOINTS);
                    }
                    let target = format!("{label}.{service}.{namespace}.svc.{}", self.zone);
                    if !found.iter().any(|(t, _)| *t == target) {
                        let shape = shape.clone().unwrap_or(ServiceShape::Headless);
                        found.push((target, endpoint_subject(&shape, namespace, service, &label)));
                    }
                }
            }
        }
        found
    }
}

/// The subject of an endpoint name of a Service of shape `shape`.
fn endpoint_subject(
    shape: &ServiceShape,
    namespace: &str,
    service: &str,
    hostname: &str,
) -> Subject {
    let (namespace, service, hostname) = (
        namespace.to_string(),
        service.to_string(),
        hostname.to_string(),
    );
    if *shape == ServiceShape::Headless {
        Subject::PodHostname {
            namespace,
            service,
            hostname,
        }
    } else {
        Subject::Endpoint {
            namespace,
            service,
            hostname,
        }
    }
}

/// True when the query's `_port._proto` (if any) matches a port's name and protocol, ignoring case.
fn port_matches(request: &Request<'_>, name: &str, protocol: &str) -> bool {
    request.port.is_none_or(|p| p.eq_ignore_ascii_case(name))
        && request
            .protocol
            .is_none_or(|p| p.eq_ignore_ascii_case(protocol))
}

/// Whether CoreDNS publishes an endpoint: its `ready` condition, unknown counting as ready. (The
/// EndpointSlice controller marks every endpoint ready for a Service with
/// `publishNotReadyAddresses`.)
fn ready(endpoint: &Endpoint) -> bool {
    endpoint
        .conditions
        .as_ref()
        .and_then(|c| c.ready)
        .unwrap_or(true)
}

/// True when `ip` is of the family `rtype` asks for.
fn family(rtype: RecordType, ip: &IpAddr) -> bool {
    matches!(
        (rtype, ip),
        (RecordType::A, IpAddr::V4(_)) | (RecordType::AAAA, IpAddr::V6(_))
    )
}

/// The weight CoreDNS gives each of `n` SRV records of one priority: 100/n rounded down, at
/// least 1, computed in floating point as CoreDNS does.
fn srv_weight(n: usize) -> u16 {
    let n = f64::from(u32::try_from(n.max(1)).unwrap_or(u32::MAX));
    let weight = (100.0 / (100.0 * n) * 100.0).floor();
    if weight < 1.0 { 1 } else { weight as u16 }
}

/// The label CoreDNS gives an endpoint without hostname: its address as written, with `-` for
/// separators, and a final `0` where an IPv6 address ends in `::`.
fn dashed(address: &str) -> String {
    if address.contains('.') {
        return address.replace('.', "-");
    }
    let mut label = address.replace(':', "-");
    if label.ends_with('-') {
        label.push('0');
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Objects from Kubernetes JSON, with a Corefile whose kubernetes block holds `options`.
    fn cluster(objects: &[Value], options: Option<&str>) -> Objects {
        let mut out = Objects::default();
        for object in objects {
            match object["kind"].as_str() {
                Some("Service") => out
                    .services
                    .push(serde_json::from_value(object.clone()).unwrap()),
                Some("EndpointSlice") => out
                    .endpoint_slices
                    .push(serde_json::from_value(object.clone()).unwrap()),
                Some("Pod") => out
                    .pods
                    .push(serde_json::from_value(object.clone()).unwrap()),
                other => panic!("no such kind in these tests: {other:?}"),
            }
        }
        if let Some(options) = options {
            let corefile = format!(
                ".:53 {{\n kubernetes cluster.local in-addr.arpa ip6.arpa {{\n{options}\n }}\n}}"
            );
            let map = json!({"kind":"ConfigMap","metadata":{"name":"coredns","namespace":"kube-system"},"data":{"Corefile":corefile}});
            out.config_maps.push(serde_json::from_value(map).unwrap());
        }
        out
    }

    fn bookinfo() -> Vec<Value> {
        vec![
            json!({"kind":"Service","metadata":{"name":"reviews","namespace":"bookinfo"},"spec":{"clusterIP":"10.96.1.1","clusterIPs":["10.96.1.1"],"ports":[{"name":"http","port":9080}]}}),
            json!({"kind":"Service","metadata":{"name":"db","namespace":"bookinfo"},"spec":{"clusterIP":"None","ports":[{"name":"tcp","port":5432}]}}),
            json!({"kind":"Service","metadata":{"name":"ext","namespace":"bookinfo"},"spec":{"type":"ExternalName","externalName":"db.example.com"}}),
            json!({"kind":"EndpointSlice","addressType":"IPv4","metadata":{"name":"db-1","namespace":"bookinfo","labels":{"kubernetes.io/service-name":"db"}},
                "ports":[{"name":"tcp","port":5432,"protocol":"TCP"}],
                "endpoints":[{"addresses":["10.244.0.5"],"hostname":"db-0","conditions":{"ready":true}},{"addresses":["10.244.0.6"],"conditions":{"ready":false}}]}),
        ]
    }

    fn ask(objects: &Objects, name: &str, rtype: RecordType) -> Prediction {
        predict(objects, "cluster.local", 5, name, rtype)
    }

    fn brief(objects: &Objects, name: &str, rtype: RecordType) -> String {
        ask(objects, name, rtype)
            .answer
            .map(|a| a.brief())
            .unwrap_or_else(|| "-".into())
    }

    /// The CoreDNS rules behind the answer, joined.
    fn rules(objects: &Objects, name: &str, rtype: RecordType) -> String {
        ask(objects, name, rtype)
            .answer
            .map(|a| a.coredns.join("; "))
            .unwrap_or_default()
    }

    fn check(objects: &Objects, cases: &[(&str, RecordType, &str)]) {
        for (name, rtype, expected) in cases {
            assert_eq!(&brief(objects, name, *rtype), expected, "{name} {rtype}");
        }
    }

    #[test]
    fn follows_the_spec_for_each_service_shape() {
        let objects = cluster(&bookinfo(), None);
        check(
            &objects,
            &[
                (
                    "reviews.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "10.96.1.1",
                ),
                (
                    "reviews.bookinfo.svc.cluster.local.",
                    RecordType::AAAA,
                    "NODATA",
                ),
                (
                    "db.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "10.244.0.5",
                ),
                (
                    "db-0.db.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "10.244.0.5",
                ),
                (
                    "ext.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "CNAME db.example.com.",
                ),
                (
                    "nope.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "NXDOMAIN",
                ),
                ("bookinfo.svc.cluster.local.", RecordType::A, "NODATA"),
                ("example.com.", RecordType::A, "-"),
                (
                    "_http._tcp.reviews.bookinfo.svc.cluster.local.",
                    RecordType::SRV,
                    "SRV 0 100 9080 reviews.bookinfo.svc.cluster.local.",
                ),
                (
                    "_tcp._tcp.db.bookinfo.svc.cluster.local.",
                    RecordType::SRV,
                    "SRV 0 100 5432 db-0.db.bookinfo.svc.cluster.local.",
                ),
                (
                    "dns-version.cluster.local.",
                    RecordType::TXT,
                    "TXT \"1.1.0\"",
                ),
                (
                    "reviews.bookinfo.svc.cluster.local.",
                    RecordType::TXT,
                    "NODATA",
                ),
                (
                    "1.1.96.10.in-addr.arpa.",
                    RecordType::PTR,
                    "PTR reviews.bookinfo.svc.cluster.local.",
                ),
                (
                    "5.0.244.10.in-addr.arpa.",
                    RecordType::PTR,
                    "PTR db-0.db.bookinfo.svc.cluster.local.",
                ),
            ],
        );
        assert!(
            rules(
                &objects,
                "reviews.bookinfo.svc.cluster.local.",
                RecordType::A
            )
            .is_empty()
        );
    }

    #[test]
    fn answers_where_coredns_deviates_from_the_spec() {
        let objects = cluster(&bookinfo(), None);
        check(
            &objects,
            &[
                // parseRequest: only svc and pod live under the zone.
                ("dns-version.cluster.local.", RecordType::A, "NXDOMAIN"),
                ("foo.cluster.local.", RecordType::A, "NXDOMAIN"),
                // Services: TXT is NXDOMAIN where the name has no records of its own.
                ("bookinfo.svc.cluster.local.", RecordType::TXT, "NXDOMAIN"),
                ("ext.bookinfo.svc.cluster.local.", RecordType::TXT, "NODATA"),
                ("ext.bookinfo.svc.cluster.local.", RecordType::SRV, "NODATA"),
                // ServeDNS: SOA below the apex is NODATA even for a missing name.
                (
                    "nope.bookinfo.svc.cluster.local.",
                    RecordType::SOA,
                    "NODATA",
                ),
                (
                    "reviews.bookinfo.svc.cluster.local.",
                    RecordType::AXFR,
                    "REFUSED",
                ),
                // A name in a reverse zone that is not a full address's PTR.
                ("1.1.96.10.in-addr.arpa.", RecordType::A, "-"),
                // Port and protocol labels without underscores.
                (
                    "http.tcp.reviews.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "10.96.1.1",
                ),
                (
                    "a.b.c.reviews.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "NXDOMAIN",
                ),
            ],
        );
        let version = ask(&objects, "dns-version.cluster.local.", RecordType::TXT);
        assert_eq!(version.answer.unwrap().records[0].ttl_s, DNS_VERSION_TTL);
        assert!(rules(&objects, "foo.cluster.local.", RecordType::A).contains("parseRequest"));
    }

    #[test]
    fn endpoints_without_hostname_are_named_after_their_address() {
        let mut objects = bookinfo();
        objects.push(json!({"kind":"EndpointSlice","addressType":"IPv6","metadata":{"name":"db-2","namespace":"bookinfo","labels":{"kubernetes.io/service-name":"db"}},
            "ports":[{"name":"tcp","port":5432,"protocol":"TCP"}],
            "endpoints":[{"addresses":["fd00::7"]},{"addresses":["fd00:1::"]}]}));
        objects.push(json!({"kind":"EndpointSlice","addressType":"IPv4","metadata":{"name":"reviews-1","namespace":"bookinfo","labels":{"kubernetes.io/service-name":"reviews"}},
            "ports":[{"name":"http","port":9080,"protocol":"TCP"}],
            "endpoints":[{"addresses":["10.244.1.9"]}]}));
        let objects = cluster(&objects, None);
        check(
            &objects,
            &[
                (
                    "fd00--7.db.bookinfo.svc.cluster.local.",
                    RecordType::AAAA,
                    "fd00::7",
                ),
                (
                    "fd00-1--0.db.bookinfo.svc.cluster.local.",
                    RecordType::AAAA,
                    "fd00:1::",
                ),
                (
                    "10-244-0-6.db.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "NXDOMAIN",
                ),
                (
                    "db.bookinfo.svc.cluster.local.",
                    RecordType::SRV,
                    "SRV 0 33 5432 db-0.db.bookinfo.svc.cluster.local., SRV 0 33 5432 fd00--7.db.bookinfo.svc.cluster.local., SRV 0 33 5432 fd00-1--0.db.bookinfo.svc.cluster.local.",
                ),
                // Endpoint names of a ClusterIP Service, and their PTR.
                (
                    "10-244-1-9.reviews.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "10.244.1.9",
                ),
                (
                    "9.1.244.10.in-addr.arpa.",
                    RecordType::PTR,
                    "PTR 10-244-1-9.reviews.bookinfo.svc.cluster.local.",
                ),
            ],
        );
        let name = "fd00--7.db.bookinfo.svc.cluster.local.";
        assert!(rules(&objects, name, RecordType::AAAA).contains("endpointHostname"));
        let clusterip = "10-244-1-9.reviews.bookinfo.svc.cluster.local.";
        assert!(rules(&objects, clusterip, RecordType::A).contains("ClusterIP too"));
        assert!(matches!(
            ask(&objects, clusterip, RecordType::A).subject,
            Subject::Endpoint { .. }
        ));
    }

    #[test]
    fn an_externalname_inside_the_zone_gets_the_targets_addresses() {
        let mut objects = bookinfo();
        objects.push(json!({"kind":"Service","metadata":{"name":"alias","namespace":"bookinfo"},"spec":{"type":"ExternalName","externalName":"reviews.bookinfo.svc.cluster.local"}}));
        objects.push(json!({"kind":"Service","metadata":{"name":"dangling","namespace":"bookinfo"},"spec":{"type":"ExternalName","externalName":"gone.bookinfo.svc.cluster.local"}}));
        objects.push(json!({"kind":"Service","metadata":{"name":"byip","namespace":"bookinfo"},"spec":{"type":"ExternalName","externalName":"192.0.2.1"}}));
        objects.push(json!({"kind":"Service","metadata":{"name":"loop","namespace":"bookinfo"},"spec":{"type":"ExternalName","externalName":"loop.bookinfo.svc.cluster.local"}}));
        let objects = cluster(&objects, None);
        check(
            &objects,
            &[
                (
                    "alias.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "CNAME reviews.bookinfo.svc.cluster.local., 10.96.1.1",
                ),
                (
                    "alias.bookinfo.svc.cluster.local.",
                    RecordType::AAAA,
                    "NODATA",
                ),
                (
                    "alias.bookinfo.svc.cluster.local.",
                    RecordType::CNAME,
                    "CNAME reviews.bookinfo.svc.cluster.local.",
                ),
                (
                    "dangling.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "NODATA",
                ),
                (
                    "byip.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "NXDOMAIN",
                ),
                ("loop.bookinfo.svc.cluster.local.", RecordType::A, "NODATA"),
                (
                    "_http._tcp.alias.bookinfo.svc.cluster.local.",
                    RecordType::SRV,
                    "NXDOMAIN",
                ),
            ],
        );
        let alias = ask(&objects, "alias.bookinfo.svc.cluster.local.", RecordType::A);
        assert!(
            alias
                .answer
                .unwrap()
                .coredns
                .contains(&rule::EXTERNAL_IN_ZONE)
        );
    }

    #[test]
    fn srv_weights_and_ports_follow_coredns() {
        let objects = cluster(
            &[
                json!({"kind":"Service","metadata":{"name":"dual","namespace":"ns"},"spec":{"clusterIP":"10.0.0.3","clusterIPs":["10.0.0.3","fd00::3"],"ports":[{"name":"http","port":80}]}}),
                json!({"kind":"Service","metadata":{"name":"two","namespace":"ns"},"spec":{"clusterIP":"10.0.0.4","ports":[{"name":"http","port":80},{"name":"dns","port":53,"protocol":"UDP"}]}}),
                json!({"kind":"Service","metadata":{"name":"hl","namespace":"ns"},"spec":{"clusterIP":"None","ports":[{"name":"http","port":80,"targetPort":8080}]}}),
                json!({"kind":"EndpointSlice","addressType":"IPv4","metadata":{"name":"hl-1","namespace":"ns","labels":{"kubernetes.io/service-name":"hl"}},
                    "ports":[{"name":"http","port":8080,"protocol":"TCP"}],"endpoints":[{"addresses":["10.1.0.1"],"hostname":"a"}]}),
            ],
            None,
        );
        check(
            &objects,
            &[
                (
                    "dual.ns.svc.cluster.local.",
                    RecordType::SRV,
                    "SRV 0 50 80 dual.ns.svc.cluster.local.",
                ),
                (
                    "two.ns.svc.cluster.local.",
                    RecordType::SRV,
                    "SRV 0 50 80 two.ns.svc.cluster.local., SRV 0 50 53 two.ns.svc.cluster.local.",
                ),
                (
                    "_dns._udp.two.ns.svc.cluster.local.",
                    RecordType::SRV,
                    "SRV 0 100 53 two.ns.svc.cluster.local.",
                ),
                (
                    "_dns._tcp.two.ns.svc.cluster.local.",
                    RecordType::SRV,
                    "NXDOMAIN",
                ),
                (
                    "_http._tcp.hl.ns.svc.cluster.local.",
                    RecordType::SRV,
                    "SRV 0 100 8080 a.hl.ns.svc.cluster.local.",
                ),
                (
                    "a.hl.ns.svc.cluster.local.",
                    RecordType::SRV,
                    "SRV 0 100 8080 a.hl.ns.svc.cluster.local.",
                ),
            ],
        );
        let dual = rules(&objects, "dual.ns.svc.cluster.local.", RecordType::SRV);
        assert!(dual.contains("without _port._proto") && dual.contains("weighs"));
        assert!(
            rules(
                &objects,
                "_http._tcp.hl.ns.svc.cluster.local.",
                RecordType::SRV
            )
            .contains("EndpointSlices")
        );
        assert_eq!(
            [srv_weight(0), srv_weight(3), srv_weight(6), srv_weight(300)],
            [100, 33, 16, 1]
        );
    }

    #[test]
    fn pod_records_follow_the_pods_option() {
        let pod = json!({"kind":"Pod","metadata":{"name":"foo","namespace":"podns"},"status":{"podIP":"10.240.0.1"}});
        let gone = json!({"kind":"Pod","metadata":{"name":"old","namespace":"podns","deletionTimestamp":"2026-01-01T00:00:00Z"},"status":{"podIP":"10.240.0.9"}});
        let objects = |mode: Option<&str>| cluster(&[pod.clone(), gone.clone()], mode);
        let name = "10-240-0-1.podns.pod.cluster.local.";
        let other = "10-240-0-2.podns.pod.cluster.local.";
        let terminating = "10-240-0-9.podns.pod.cluster.local.";
        let unknown = objects(None);
        assert_eq!(brief(&unknown, name, RecordType::A), "-");
        assert!(
            matches!(ask(&unknown, name, RecordType::A).subject, Subject::NoPrediction(why) if why.contains("pods option"))
        );
        for mode in [
            None,
            Some("pods disabled"),
            Some("pods insecure"),
            Some("pods verified"),
        ] {
            let objects = objects(mode);
            assert_eq!(
                brief(&objects, "pod.cluster.local.", RecordType::A),
                "NODATA",
                "{mode:?}"
            );
            assert_eq!(
                brief(&objects, "svc.cluster.local.", RecordType::A),
                "NODATA",
                "{mode:?}"
            );
        }
        let disabled = objects(Some("pods disabled"));
        check(
            &disabled,
            &[
                (name, RecordType::A, "NXDOMAIN"),
                ("podns.pod.cluster.local.", RecordType::A, "NXDOMAIN"),
            ],
        );
        let insecure = objects(Some("pods insecure"));
        check(
            &insecure,
            &[
                (name, RecordType::A, "10.240.0.1"),
                (other, RecordType::A, "10.240.0.2"),
                (other, RecordType::AAAA, "NODATA"),
                (
                    "fd00--1.podns.pod.cluster.local.",
                    RecordType::AAAA,
                    "fd00::1",
                ),
                ("blah.podns.pod.cluster.local.", RecordType::A, "NXDOMAIN"),
                (
                    "10-240-0-1.nons.pod.cluster.local.",
                    RecordType::A,
                    "NXDOMAIN",
                ),
                ("podns.pod.cluster.local.", RecordType::A, "NODATA"),
            ],
        );
        let verified = objects(Some("pods verified"));
        check(
            &verified,
            &[
                (name, RecordType::A, "10.240.0.1"),
                (other, RecordType::A, "NXDOMAIN"),
                (terminating, RecordType::A, "NXDOMAIN"),
            ],
        );
        assert!(rules(&insecure, other, RecordType::A).contains("pods insecure"));
    }

    #[test]
    fn endpoint_options_change_the_answers() {
        let mut objects = bookinfo();
        objects.push(json!({"kind":"Service","metadata":{"name":"empty","namespace":"bookinfo"},"spec":{"clusterIP":"10.96.1.2","ports":[{"name":"http","port":80}]}}));
        objects.push(json!({"kind":"EndpointSlice","addressType":"IPv4","metadata":{"name":"reviews-1","namespace":"bookinfo","labels":{"kubernetes.io/service-name":"reviews"}},
            "ports":[{"name":"http","port":9080,"protocol":"TCP"}],
            "endpoints":[{"addresses":["10.244.1.9"],"targetRef":{"kind":"Pod","name":"reviews-v1-abc"}}]}));
        let with = |options: &str| cluster(&objects, Some(options));
        check(
            &with("endpoint_pod_names"),
            &[(
                "reviews-v1-abc.reviews.bookinfo.svc.cluster.local.",
                RecordType::A,
                "10.244.1.9",
            )],
        );
        check(
            &with("ignore empty_service"),
            &[
                (
                    "empty.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "NXDOMAIN",
                ),
                (
                    "reviews.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "10.96.1.1",
                ),
                (
                    "ext.bookinfo.svc.cluster.local.",
                    RecordType::CNAME,
                    "CNAME db.example.com.",
                ),
            ],
        );
        check(
            &with("noendpoints"),
            &[
                ("db.bookinfo.svc.cluster.local.", RecordType::A, "NXDOMAIN"),
                (
                    "db-0.db.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "NXDOMAIN",
                ),
                (
                    "reviews.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "10.96.1.1",
                ),
                ("5.0.244.10.in-addr.arpa.", RecordType::PTR, "NXDOMAIN"),
            ],
        );
    }

    #[test]
    fn namespaces_fallthrough_and_ttl_options() {
        let mut objects = bookinfo();
        objects.push(json!({"kind":"Service","metadata":{"name":"empty","namespace":"bookinfo"},"spec":{"clusterIP":"10.96.1.2","ports":[{"name":"http","port":80}]}}));
        objects.push(json!({"kind":"EndpointSlice","addressType":"IPv4","metadata":{"name":"reviews-1","namespace":"bookinfo","labels":{"kubernetes.io/service-name":"reviews"}},
            "ports":[{"name":"http","port":9080,"protocol":"TCP"}],
            "endpoints":[{"addresses":["10.244.1.9"],"targetRef":{"kind":"Pod","name":"reviews-v1-abc"}}]}));
        let with = |options: &str| cluster(&objects, Some(options));
        check(
            &with("namespaces other"),
            &[
                (
                    "reviews.bookinfo.svc.cluster.local.",
                    RecordType::A,
                    "NXDOMAIN",
                ),
                ("1.1.96.10.in-addr.arpa.", RecordType::PTR, "NXDOMAIN"),
            ],
        );
        check(
            &with("fallthrough"),
            &[("nope.bookinfo.svc.cluster.local.", RecordType::A, "-")],
        );
        let falls = ask(
            &with("fallthrough"),
            "nope.bookinfo.svc.cluster.local.",
            RecordType::A,
        );
        assert!(matches!(falls.subject, Subject::NoPrediction(why) if why.contains("fallthrough")));
        let ttl = predict(
            &with("ttl 30"),
            "cluster.local",
            30,
            "reviews.bookinfo.svc.cluster.local.",
            RecordType::A,
        );
        assert_eq!(ttl.answer.unwrap().records[0].ttl_s, 30);
    }

    #[test]
    fn reverse_zones_and_the_apex() {
        let objects = cluster(&bookinfo(), Some("pods insecure"));
        check(
            &objects,
            &[
                // No fallthrough in this Corefile: an unknown address is NXDOMAIN.
                ("9.9.9.10.in-addr.arpa.", RecordType::PTR, "NXDOMAIN"),
                ("in-addr.arpa.", RecordType::A, "NODATA"),
                ("cluster.local.", RecordType::A, "NODATA"),
                ("cluster.local.", RecordType::TXT, "NXDOMAIN"),
                ("ns.dns.cluster.local.", RecordType::SRV, "NODATA"),
                ("ns.dns.cluster.local.", RecordType::A, "-"),
                ("cluster.local.", RecordType::SOA, "-"),
                ("cluster.local.", RecordType::NS, "-"),
            ],
        );
        for (rtype, why) in [(RecordType::SOA, "serial"), (RecordType::NS, "replica")] {
            let apex = ask(&objects, "cluster.local.", rtype);
            assert!(
                matches!(apex.subject, Subject::NoPrediction(text) if text.contains(why)),
                "{rtype}"
            );
        }
        // Without a Corefile, kubeadm's fallthrough for the reverse zones is assumed.
        assert_eq!(
            brief(
                &cluster(&bookinfo(), None),
                "9.9.9.10.in-addr.arpa.",
                RecordType::PTR
            ),
            "-"
        );
    }
}
