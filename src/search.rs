//! Pod DNS search emulation: the resolv.conf the kubelet writes for a pod, and the names glibc and
//! musl ask for a name under it, in order, and where each library stops.
//!
//! The walk follows what the libraries do, not what their manuals say; `tests/cli/search_walk.rs`
//! checks it against the real glibc (2.36) and musl (1.2.3) resolvers. In short:
//!
//! - **Order.** Both try an absolute name (trailing dot) as it is, and nothing else. A relative name
//!   with at least `ndots` dots (capped at 15 by both) is tried as it is first; glibc then walks the
//!   search list, musl tries nothing else. A name with fewer dots walks the search list and is
//!   tried as it is last (glibc skips that with `options no-tld-query` for a single label).
//! - **Stops.** glibc walks on past NXDOMAIN, NODATA and SERVFAIL; REFUSED and timeouts (and,
//!   by its source, FORMERR and NOTIMP) end the search list early, but the name as it is is still
//!   tried. musl walks on past NXDOMAIN only: NODATA ends the lookup without an address, and as
//!   musl ignores SERVFAIL, REFUSED and every other error reply, those end it with a timeout
//!   (`EAI_AGAIN`).
//! - **getaddrinfo with `AF_UNSPEC`** asks A and AAAA for each candidate, and both libraries stop
//!   at the first candidate with an address of either type. glibc drops an error reply when the
//!   other type's reply is usable, but a time-out beside a usable reply makes it send the pair
//!   again one query after the other (see below); musl looks at the A reply first, so an
//!   NXDOMAIN there moves on whatever the AAAA reply is, and any failure gives up.
//! - **Resends** ([`Walk::sends`]). glibc (res_send.c `__res_context_send`, `send_dg`) tries each
//!   nameserver in turn (`rotate` only changes the first), `attempts` times (default 2, at most
//!   5, read with `atoi`; 0 sends nothing and ends the search), moving on after SERVFAIL, NOTIMP,
//!   REFUSED or a time-out, and after the first usable reply sends nothing more. An `AF_UNSPEC`
//!   pair goes out again only when neither reply is usable; a time-out beside a usable reply
//!   switches the rest of the lookup to one query after the other, as `single-request` does,
//!   where a failed A reply means no AAAA query (and where, as in Debian's glibc 2.36 with the
//!   fix for glibc bug 30081, glibc moves on at once). musl (res_msend.c `__res_msend_rc`) sends
//!   every unanswered query to all nameservers at once, `attempts` rounds (default 2, at most 10)
//!   in `timeout` seconds (none with `timeout:0`), resending a SERVFAIL at once up to
//!   `2 × queries` times a round and ignoring every other error; it waits for both replies of a
//!   pair until the timeout is over.
//! - **Limits.** musl ignores a `search` line longer than 254 characters altogether, so a long
//!   kubelet search list leaves an Alpine pod with none. A candidate longer than a DNS name may be
//!   ends glibc's search list; musl skips it when it does not fit its 255-character buffer and fails
//!   (`EAI_NONAME`) when it fits but is too long for a query. musl turns a root (`.`) search domain
//!   into a malformed query for `name..` and fails after its timeout.

use std::net::IpAddr;

use hickory_proto::rr::RecordType;
use k8s_openapi::api::core::v1::{Pod, PodDNSConfig};

use crate::model::{Answer, Rcode};
use crate::objects::ns_name;
use crate::query::QueryName;

/// The `ndots` of a resolv.conf without the option.
const DEFAULT_NDOTS: usize = 1;
/// The `ndots` the kubelet writes for pods using the cluster DNS.
const CLUSTER_NDOTS: usize = 5;
/// The largest `ndots` glibc and musl honour; a larger value counts as this one.
const MAX_NDOTS: usize = 15;
/// The longest DNS name in presentation form without the trailing dot (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 253;
/// The nameservers the kubelet keeps (`MaxDNSNameservers`), and the most glibc and musl use
/// (`MAXNS`).
const MAX_NAMESERVERS: usize = 3;
/// The `attempts` of both libraries without the option (glibc `RES_DFLRETRY`).
const DEFAULT_ATTEMPTS: usize = 2;
/// The largest `attempts` glibc honours (resolv.h `RES_MAXRETRY`).
const GLIBC_MAX_ATTEMPTS: i32 = 5;
/// The largest `attempts` musl honours (resolvconf.c).
const MUSL_MAX_ATTEMPTS: usize = 10;
/// musl's `timeout` without the option, in seconds, and the largest it honours (resolvconf.c).
const MUSL_DEFAULT_TIMEOUT: usize = 5;
const MUSL_MAX_TIMEOUT: usize = 60;
/// The longest line musl reads from resolv.conf, without its newline; it ignores longer lines.
const MUSL_MAX_LINE_LEN: usize = 254;
/// The longest `name.domain` musl builds in its 256-byte buffer; it skips longer ones.
const MUSL_MAX_CANDIDATE_LEN: usize = 255;

/// The C library whose stub resolver the application links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Libc {
    /// GNU libc: Debian, Ubuntu, RHEL and distroless images.
    #[default]
    Glibc,
    /// musl: Alpine images.
    Musl,
}

/// A resolv.conf as the resolver libraries read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvConf {
    pub nameservers: Vec<IpAddr>,
    /// The search domains in order, as written.
    pub search: Vec<String>,
    /// The `ndots` option as written (1 when absent); the libraries cap it at 15.
    pub ndots: usize,
    /// True when the file sets `ndots` itself, even to the default: the kubelet writes an explicit
    /// `options ndots:1` from a pod's dnsConfig, and so does [`Self::render`].
    pub ndots_written: bool,
    /// Every other option in order, as name and value (`timeout:1` is `("timeout", Some("1"))`).
    pub options: Vec<(String, Option<String>)>,
}

impl Default for ResolvConf {
    fn default() -> Self {
        Self {
            nameservers: Vec::new(),
            search: Vec::new(),
            ndots: DEFAULT_NDOTS,
            ndots_written: false,
            options: Vec::new(),
        }
    }
}

impl ResolvConf {
    /// Reads resolv.conf text like the libraries: `nameserver` lines add up, the last `search` or
    /// `domain` line sets the search list, and options add up with later values winning.
    /// Comments and unknown or malformed lines are ignored.
    pub fn parse(text: &str) -> Self {
        let mut conf = Self::default();
        for line in text.lines() {
            let mut fields = line.split_whitespace();
            match fields.next() {
                Some("nameserver") => {
                    if let Some(ip) = fields.next().and_then(|f| f.parse().ok()) {
                        conf.nameservers.push(ip);
                    }
                }
                Some("search" | "domain") => conf.search = fields.map(str::to_string).collect(),
                Some("options") => {
                    for option in fields {
                        match option.split_once(':') {
                            Some((name, value)) => conf.set_option(name, Some(value)),
                            None => conf.set_option(option, None),
                        }
                    }
                }
                _ => {}
            }
        }
        conf
    }

    /// The resolv.conf text: nameservers, the search line, then the options with `ndots` first
    /// (left out when it is the default 1).
    pub fn render(&self) -> String {
        let mut text = String::new();
        for server in &self.nameservers {
            text.push_str(&format!("nameserver {server}\n"));
        }
        if let Some(line) = self.search_line() {
            text.push_str(&line);
            text.push('\n');
        }
        let mut options: Vec<String> = Vec::new();
        if self.ndots_written || self.ndots != DEFAULT_NDOTS {
            options.push(format!("ndots:{}", self.ndots));
        }
        options.extend(self.options.iter().map(|(name, value)| match value {
            Some(value) => format!("{name}:{value}"),
            None => name.clone(),
        }));
        if !options.is_empty() {
            text.push_str(&format!("options {}\n", options.join(" ")));
        }
        text
    }

    /// The `search` line as [`render`](Self::render) writes it, if there are search domains.
    fn search_line(&self) -> Option<String> {
        (!self.search.is_empty()).then(|| format!("search {}", self.search.join(" ")))
    }

    /// Sets option `name`, replacing an earlier value; a numeric `ndots` goes to [`Self::ndots`].
    fn set_option(&mut self, name: &str, value: Option<&str>) {
        if name == "ndots"
            && let Some(ndots) = value.and_then(|v| v.parse().ok())
        {
            self.ndots = ndots;
            self.ndots_written = true;
            return;
        }
        let value = value.map(str::to_string);
        match self.options.iter_mut().find(|(known, _)| known == name) {
            Some(option) => option.1 = value,
            None => self.options.push((name.to_string(), value)),
        }
    }

    /// True when option `name` is set.
    fn has_option(&self, name: &str) -> bool {
        self.options.iter().any(|(known, _)| known == name)
    }

    /// The value of option `name`, when it is set with one.
    fn option_value(&self, name: &str) -> Option<&str> {
        let (_, value) = self.options.iter().find(|(known, _)| known == name)?;
        value.as_deref()
    }

    /// How many nameservers the libraries use: the first 3, or 127.0.0.1 alone when there are
    /// none (glibc res_init.c, musl resolvconf.c).
    fn servers_used(&self) -> usize {
        self.nameservers.len().clamp(1, MAX_NAMESERVERS)
    }

    /// `ndots` as the libraries apply it.
    fn effective_ndots(&self) -> usize {
        self.ndots.min(MAX_NDOTS)
    }
}

/// The kubelet's limits on a pod's search list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SearchLimits {
    /// 32 domains and 2048 characters (`ExpandedDNSConfig`, on by default since Kubernetes 1.26).
    #[default]
    Expanded,
    /// 6 domains and 256 characters, as before.
    Legacy,
}

impl SearchLimits {
    fn max_domains(self) -> usize {
        match self {
            Self::Expanded => 32,
            Self::Legacy => 6,
        }
    }

    /// The longest search line, domains joined by single spaces.
    fn max_chars(self) -> usize {
        match self {
            Self::Expanded => 2048,
            Self::Legacy => 256,
        }
    }
}

/// The resolv.conf the kubelet writes for `pod` (pkg/kubelet/network/dns/dns.go), with a warning
/// for each thing it dropped or fell back from.
///
/// `cluster_dns` and `cluster_domain` are the kubelet's `--cluster-dns` and `--cluster-domain`;
/// `node` is the node's resolv.conf (`--resolv-conf`). The policies:
/// - `ClusterFirst` (the default): the cluster DNS servers, search `<ns>.svc.<domain>
///   svc.<domain> <domain>` followed by the node's search domains, `ndots:5`. A `hostNetwork`
///   pod gets `Default` instead, and so does every pod when the kubelet has no cluster DNS.
/// - `ClusterFirstWithHostNet`: `ClusterFirst`, also for `hostNetwork` pods.
/// - `Default`: the node's resolv.conf.
/// - `None`: only what `dnsConfig` gives.
///
/// `dnsConfig` nameservers and searches are then appended without duplicates, and its options
/// override same-named ones. Finally the kubelet keeps 3 nameservers, drops search domains over
/// the count limit, longer than 253 characters, or past the character limit. (The kubelet writes
/// options in random order; here `ndots` comes first and the rest keep their order.)
pub fn pod_resolv_conf(
    pod: &Pod,
    cluster_dns: &[IpAddr],
    cluster_domain: &str,
    node: &ResolvConf,
    limits: SearchLimits,
) -> (ResolvConf, Vec<String>) {
    let mut warnings = Vec::new();
    let spec = pod.spec.as_ref();
    let host_network = spec.and_then(|s| s.host_network).unwrap_or(false);
    let policy = spec
        .and_then(|s| s.dns_policy.as_deref())
        .unwrap_or("ClusterFirst");
    // The kubelet drops trailing dots from the node's search domains.
    let node = ResolvConf {
        search: node
            .search
            .iter()
            .map(|d| d.trim_end_matches('.').to_string())
            .collect(),
        ..node.clone()
    };
    let uses_cluster_dns = match policy {
        "None" | "Default" => false,
        "ClusterFirst" => !host_network,
        "ClusterFirstWithHostNet" => true,
        other => {
            warnings.push(format!(
                "unknown dnsPolicy '{other}': the kubelet uses ClusterFirst"
            ));
            true
        }
    };
    let mut conf = if policy == "None" {
        ResolvConf::default()
    } else if !uses_cluster_dns {
        node
    } else if cluster_dns.is_empty() {
        warnings.push(format!(
            "the kubelet has no cluster DNS (--cluster-dns), so the {policy} pod gets the node's resolv.conf (Default)"
        ));
        node
    } else {
        let (namespace, _) = ns_name(&pod.metadata);
        let mut search = Vec::new();
        if !cluster_domain.is_empty() {
            search = vec![
                format!("{namespace}.svc.{cluster_domain}"),
                format!("svc.{cluster_domain}"),
                cluster_domain.to_string(),
            ];
        }
        push_new(&mut search, node.search);
        ResolvConf {
            nameservers: cluster_dns.to_vec(),
            search,
            ndots: CLUSTER_NDOTS,
            ndots_written: true,
            options: Vec::new(),
        }
    };
    if let Some(config) = spec.and_then(|s| s.dns_config.as_ref()) {
        apply_dns_config(&mut conf, config, &mut warnings);
    }
    if conf.nameservers.len() > MAX_NAMESERVERS {
        conf.nameservers.truncate(MAX_NAMESERVERS);
        let kept: Vec<String> = conf.nameservers.iter().map(IpAddr::to_string).collect();
        warnings.push(format!(
            "nameserver limits were exceeded: the kubelet keeps the first {MAX_NAMESERVERS}: {}",
            kept.join(" ")
        ));
    }
    if fit_search(&mut conf.search, limits) {
        warnings.push(format!(
            "search line limits were exceeded ({} domains, {} characters, {MAX_NAME_LEN} per domain): the kubelet omits some search paths; the applied search line is: {}",
            limits.max_domains(),
            limits.max_chars(),
            conf.search.join(" ")
        ));
    }
    (conf, warnings)
}

/// Appends `config`'s nameservers and search domains without duplicates and lets its options
/// override same-named ones, as the kubelet does.
fn apply_dns_config(conf: &mut ResolvConf, config: &PodDNSConfig, warnings: &mut Vec<String>) {
    for server in config.nameservers.iter().flatten() {
        match server.parse::<IpAddr>() {
            Ok(ip) => push_new(&mut conf.nameservers, [ip]),
            Err(_) => warnings.push(format!(
                "dnsConfig nameserver '{server}' is not an IP address; the API server rejects it"
            )),
        }
    }
    push_new(&mut conf.search, config.searches.iter().flatten().cloned());
    for option in config.options.iter().flatten() {
        if let Some(name) = option.name.as_deref() {
            conf.set_option(name, option.value.as_deref().filter(|v| !v.is_empty()));
        }
    }
}

/// Appends the items of `new` that `list` does not hold yet.
fn push_new<T: PartialEq>(list: &mut Vec<T>, new: impl IntoIterator<Item = T>) {
    for item in new {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// Cuts `search` to the kubelet's limits in its order (count, domain length, line length);
/// true when anything was dropped.
fn fit_search(search: &mut Vec<String>, limits: SearchLimits) -> bool {
    let before = search.len();
    search.truncate(limits.max_domains());
    search.retain(|domain| domain.len() <= MAX_NAME_LEN);
    while search.join(" ").len() > limits.max_chars() {
        search.pop();
    }
    search.len() != before
}

/// The address families getaddrinfo(3) is asked for (`ai_family`), which decide the queries sent
/// for each candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AddressFamily {
    /// `AF_INET`: A queries.
    Inet,
    /// `AF_INET6`: AAAA queries.
    Inet6,
    /// `AF_UNSPEC`: A and AAAA queries for each candidate, sent together.
    Unspec,
}

impl AddressFamily {
    /// The query types sent for each candidate, in the order both libraries send them.
    pub fn query_types(self) -> &'static [RecordType] {
        match self {
            Self::Inet => &[RecordType::A],
            Self::Inet6 => &[RecordType::AAAA],
            Self::Unspec => &[RecordType::A, RecordType::AAAA],
        }
    }
}

/// The reply to one query of a candidate, as the resolver library sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// NOERROR with records of the asked type.
    Records,
    /// A reply without records of the asked type, with its code: NOERROR is NODATA.
    Empty(Rcode),
    /// No reply before the resolver's timeout.
    Timeout,
}

impl Reply {
    /// The reply `answer` is to a query of type `asked`.
    pub fn of(answer: &Answer, asked: RecordType) -> Self {
        let asked = asked.to_string();
        let has_records = answer
            .records
            .iter()
            .any(|r| r.rtype.eq_ignore_ascii_case(&asked));
        if answer.rcode == Rcode::NoError && has_records {
            Self::Records
        } else {
            Self::Empty(answer.rcode)
        }
    }
}

/// The names a library asked for one lookup, the queries it sent, and how the lookup ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    /// Each name queried, fully qualified with a trailing dot, in order; once per candidate
    /// whatever the number of query types and resends.
    pub asked: Vec<String>,
    /// The queries sent for each name of `asked`, in the same order: one count per query type
    /// of the family (A before AAAA), resends included. A type can count 0: glibc sending one
    /// query after the other sends no AAAA after a failed A, and a library configured to send
    /// nothing (glibc `attempts:0`, musl `timeout:0` or `attempts:0`) sends none at all.
    pub sends: Vec<Vec<usize>>,
    /// Every query sent: the sum of `sends`, plus the malformed queries musl sends for a root
    /// (`.`) search domain, which `asked` does not list.
    pub sent: usize,
    pub end: WalkEnd,
}

/// How a lookup ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkEnd {
    /// The application gets the addresses of this name.
    Answered(String),
    /// No name the library asked had addresses.
    NotFound,
    /// The library gave up at `candidate` without asking further names (musl only).
    GaveUp { candidate: String, reason: GiveUp },
}

/// Why musl gave up before the end of its walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// The name exists without addresses of the asked families (NODATA); `EAI_NONAME`.
    NoData,
    /// No reply musl accepts: it ignores SERVFAIL (after a retry), REFUSED and every other error
    /// code, and fails after its timeout (`options timeout`, 5 s by default); `EAI_AGAIN`.
    NoUsableReply,
    /// The candidate fits musl's buffer but is longer than 253 characters, so no query can be
    /// built; `EAI_NONAME` at once.
    TooLong,
    /// A root (`.`) search domain: musl sends a malformed query for `name..`, which gets no
    /// usable reply, and fails after its timeout; `EAI_AGAIN`.
    RootSearchDomain,
}

/// The names `libc` tries for `name` under `conf`, fully qualified with a trailing dot, in order:
/// the walk when every candidate is NXDOMAIN.
pub fn candidates(name: &QueryName, conf: &ResolvConf, libc: Libc) -> Vec<String> {
    walk(name, conf, libc, AddressFamily::Inet, |_, _| {
        Reply::Empty(Rcode::NxDomain)
    })
    .asked
}

/// Every name either library may try for `name` under `conf`: glibc's candidates, then musl's others.
pub fn candidates_of_any_libc(name: &QueryName, conf: &ResolvConf) -> Vec<String> {
    let mut all = candidates(name, conf, Libc::Glibc);
    for candidate in candidates(name, conf, Libc::Musl) {
        if !all.contains(&candidate) {
            all.push(candidate);
        }
    }
    all
}

/// Walks the candidates for `name` as `libc`'s getaddrinfo(3) does for `family`, calling `ask`
/// once for each query type of each candidate it tries (name with trailing dot, and type), and
/// stopping where the library stops. Every nameserver of `conf` gives the reply `ask` gives;
/// the library's resends to them are counted in [`Walk::sends`].
pub fn walk(
    name: &QueryName,
    conf: &ResolvConf,
    libc: Libc,
    family: AddressFamily,
    ask: impl FnMut(&str, RecordType) -> Reply,
) -> Walk {
    let mut asker = Asker {
        family,
        ask,
        asked: Vec::new(),
        sends: Vec::new(),
        unlisted: 0,
    };
    let end = match libc {
        Libc::Glibc => glibc_walk(name, conf, &mut asker),
        Libc::Musl => musl_walk(name, conf, &mut asker),
    };
    let listed: usize = asker.sends.iter().flatten().sum();
    Walk {
        asked: asker.asked,
        sends: asker.sends,
        sent: listed + asker.unlisted,
        end,
    }
}

/// Asks the replies of each candidate, and records the names asked and the queries sent.
struct Asker<F> {
    family: AddressFamily,
    ask: F,
    asked: Vec<String>,
    sends: Vec<Vec<usize>>,
    /// Queries sent for names not in `asked`.
    unlisted: usize,
}

impl<F: FnMut(&str, RecordType) -> Reply> Asker<F> {
    /// The library's verdict on `candidate`: `exchange` turns the replies, in the order of the
    /// query types, into the queries sent per type and the verdict.
    fn query<S>(
        &mut self,
        candidate: &str,
        exchange: impl FnOnce(&[Reply]) -> (Vec<usize>, S),
    ) -> S {
        self.asked.push(candidate.to_string());
        let replies: Vec<Reply> = self
            .family
            .query_types()
            .iter()
            .map(|rtype| (self.ask)(candidate, *rtype))
            .collect();
        let (sends, verdict) = exchange(&replies);
        self.sends.push(sends);
        verdict
    }
}

/// `name` under search domain `domain`, with a trailing dot.
fn under(name: &QueryName, domain: &str) -> String {
    format!("{}.{}.", name.ascii(), domain.trim_end_matches('.'))
}

/// What glibc does after one candidate's queries.
#[derive(Debug, PartialEq, Eq)]
enum GlibcStep {
    Answered,
    /// NXDOMAIN, NODATA or SERVFAIL: the next search domain.
    NextCandidate,
    /// Any other failure ends the search list (the name as it is may still be tried).
    EndSearch,
    /// No query could be sent (`attempts:0`): `res_send` fails with `ECONNREFUSED`, which ends
    /// the whole search at a search domain (res_query.c `__res_context_search`).
    NoServer,
}

/// A reply glibc's `send_dg` does not return (res_send.c): SERVFAIL, NOTIMP, REFUSED or none.
fn dg_failed(reply: &Reply) -> bool {
    matches!(
        reply,
        Reply::Timeout | Reply::Empty(Rcode::ServFail | Rcode::NotImp | Rcode::Refused)
    )
}

/// glibc's verdict on a candidate whose queries got a usable reply (res_query.c
/// `__res_context_query`): a failed reply beside a usable one is dropped.
fn glibc_step(replies: &[Reply]) -> GlibcStep {
    let usable: Vec<&Reply> = replies.iter().filter(|r| !dg_failed(r)).collect();
    if usable.contains(&&Reply::Records) {
        return GlibcStep::Answered;
    }
    let rcode = usable
        .iter()
        .find_map(|reply| match reply {
            Reply::Empty(rcode) if *rcode != Rcode::NoError => Some(*rcode),
            _ => None,
        })
        .unwrap_or(Rcode::NoError);
    match rcode {
        Rcode::NoError | Rcode::NxDomain => GlibcStep::NextCandidate,
        _ => GlibcStep::EndSearch,
    }
}

/// How glibc sends the A and AAAA queries of `AF_UNSPEC` (res_send.c `send_dg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pairing {
    /// Both at once, the default.
    Parallel,
    /// AAAA only after a usable A reply: `options single-request`, or from the first time one
    /// of the pair times out beside a usable reply to the other.
    OneByOne,
    /// The same, on a new socket for the AAAA query: `options single-request-reopen`, or from
    /// the first time AAAA times out after a usable A reply one by one.
    OneByOneReopen,
}

/// glibc's resend state for one lookup; the pairing fallbacks last for the rest of it (they are
/// flags of the thread's resolver state, `RES_F_SNGLKUP` and `RES_F_SNGLKUPREOP`).
struct GlibcSender {
    /// `send_dg` calls before giving up on a candidate: `attempts` times the nameservers
    /// (res_send.c `__res_context_send`: `for try < retry`, then `for ns < nscount`; `rotate`
    /// only changes which nameserver comes first).
    calls: usize,
    pairing: Pairing,
}

impl GlibcSender {
    fn new(conf: &ResolvConf) -> Self {
        let pairing = if conf.has_option("single-request-reopen") {
            Pairing::OneByOneReopen
        } else if conf.has_option("single-request") {
            Pairing::OneByOne
        } else {
            Pairing::Parallel
        };
        Self {
            calls: glibc_attempts(conf) * conf.servers_used(),
            pairing,
        }
    }

    /// The queries glibc sends for a candidate whose queries get `replies`, and its verdict: it
    /// calls `send_dg` for each attempt and nameserver until one returns a usable reply.
    fn exchange(&mut self, replies: &[Reply]) -> (Vec<usize>, GlibcStep) {
        let mut sends = vec![0; replies.len()];
        // The reply in the first answer buffer: a SERVFAIL there lets the search go on.
        let mut buffered = None;
        for _ in 0..self.calls {
            if self.send_dg(replies, &mut sends, &mut buffered) {
                return (sends, glibc_step(replies));
            }
        }
        let step = match buffered {
            _ if self.calls == 0 => GlibcStep::NoServer,
            Some(Reply::Empty(Rcode::ServFail)) => GlibcStep::NextCandidate,
            _ => GlibcStep::EndSearch,
        };
        (sends, step)
    }

    /// One `send_dg` call: true when it returns a usable reply. Both queries of a pair go out
    /// at once; when neither reply is usable, glibc moves on to the next nameserver (and after
    /// the last, the next attempt). A time-out beside a usable reply sends the pair again, one
    /// by one.
    fn send_dg(
        &mut self,
        replies: &[Reply],
        sends: &mut [usize],
        buffered: &mut Option<Reply>,
    ) -> bool {
        let ([a, b], Pairing::Parallel) = (replies, self.pairing) else {
            return self.one_by_one(replies, sends, buffered);
        };
        sends.iter_mut().for_each(|sent| *sent += 1);
        if let Some(first) = [a, b].into_iter().find(|r| **r != Reply::Timeout) {
            *buffered = Some(*first);
        }
        if dg_failed(a) && dg_failed(b) {
            return false;
        }
        if replies.contains(&Reply::Timeout) {
            self.pairing = Pairing::OneByOne;
            return self.one_by_one(replies, sends, buffered);
        }
        true
    }

    /// `send_dg` sending one query after the other: a failed first reply moves on to the next
    /// nameserver without sending the second query, and a time-out of the second one after a
    /// usable first is sent once more on a new socket, then given up (the first reply counts).
    fn one_by_one(
        &mut self,
        replies: &[Reply],
        sends: &mut [usize],
        buffered: &mut Option<Reply>,
    ) -> bool {
        let (Some(first), Some(sent)) = (replies.first(), sends.first_mut()) else {
            return false;
        };
        *sent += 1;
        if dg_failed(first) {
            if *first != Reply::Timeout {
                *buffered = Some(*first);
            }
            return false;
        }
        let (Some(second), Some(sent)) = (replies.get(1), sends.get_mut(1)) else {
            return true;
        };
        *sent += 1;
        if *second == Reply::Timeout && self.pairing == Pairing::OneByOne {
            self.pairing = Pairing::OneByOneReopen;
            return self.one_by_one(replies, sends, buffered);
        }
        true
    }
}

/// glibc's `attempts` (res_init.c `res_setoptions`): read with `atoi` and capped at 5, so a
/// negative value, like 0, sends nothing.
fn glibc_attempts(conf: &ResolvConf) -> usize {
    conf.option_value("attempts")
        .map_or(DEFAULT_ATTEMPTS, |value| {
            usize::try_from(c_atoi(value).min(GLIBC_MAX_ATTEMPTS)).unwrap_or(0)
        })
}

/// C's `atoi` as glibc computes it, `(int) strtol(text, NULL, 10)`: an optional sign, then
/// digits; a value out of the `long` range saturates, and the cast keeps the low 32 bits.
fn c_atoi(text: &str) -> i32 {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(digits) => (-1, digits),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let long = (sign * i128::from(leading_number(digits)))
        .clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    // Truncation is what the C cast does.
    long as i32
}

/// The number the leading ASCII digits of `text` spell, saturating (0 without any).
fn leading_number(text: &str) -> u64 {
    text.bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0, |number: u64, digit| {
            number
                .saturating_mul(10)
                .saturating_add(u64::from(digit - b'0'))
        })
}

/// glibc's res_search order (res_query.c `__res_context_search`).
fn glibc_walk<F: FnMut(&str, RecordType) -> Reply>(
    name: &QueryName,
    conf: &ResolvConf,
    asker: &mut Asker<F>,
) -> WalkEnd {
    let mut sender = GlibcSender::new(conf);
    let mut step = |asker: &mut Asker<F>, candidate: &str| {
        asker.query(candidate, |replies| sender.exchange(replies))
    };
    let as_is = name.fqdn();
    if name.is_absolute() {
        return if step(asker, &as_is) == GlibcStep::Answered {
            WalkEnd::Answered(as_is)
        } else {
            WalkEnd::NotFound
        };
    }
    let as_is_first = name.dots() >= conf.effective_ndots();
    if as_is_first && step(asker, &as_is) == GlibcStep::Answered {
        return WalkEnd::Answered(as_is);
    }
    let mut root_on_list = false;
    for domain in &conf.search {
        // glibc skips one leading dot, so "." is the root and asks the name as it is.
        let domain = domain.strip_prefix('.').unwrap_or(domain);
        let candidate = if domain.is_empty() {
            root_on_list = true;
            as_is.clone()
        } else {
            under(name, domain)
        };
        if candidate.len() - 1 > MAX_NAME_LEN {
            // No query can be built for it: that ends the search list.
            break;
        }
        match step(asker, &candidate) {
            GlibcStep::Answered => return WalkEnd::Answered(candidate),
            GlibcStep::NextCandidate => {}
            GlibcStep::EndSearch => break,
            GlibcStep::NoServer => return WalkEnd::NotFound,
        }
    }
    let skips_tld_query = name.dots() == 0
        && !conf.search.is_empty()
        && (conf.has_option("no-tld-query") || conf.has_option("no_tld_query"));
    let asks_as_is_last = !as_is_first && !root_on_list && !skips_tld_query;
    if asks_as_is_last && step(asker, &as_is) == GlibcStep::Answered {
        return WalkEnd::Answered(as_is);
    }
    WalkEnd::NotFound
}

/// What musl does after one candidate's replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MuslStep {
    Answered,
    /// NXDOMAIN: the next candidate.
    NextCandidate,
    GiveUp(GiveUp),
}

/// musl's verdict on one candidate from the replies it accepted, a reply it did not accept
/// being a time-out (lookup_name.c `name_from_dns`).
fn musl_step(replies: &[Reply]) -> MuslStep {
    // musl looks at the replies in the order sent, A first.
    for reply in replies {
        match reply {
            Reply::Empty(Rcode::NxDomain) => return MuslStep::NextCandidate,
            Reply::Records | Reply::Empty(Rcode::NoError) => {}
            Reply::Empty(_) | Reply::Timeout => return MuslStep::GiveUp(GiveUp::NoUsableReply),
        }
    }
    if replies.contains(&Reply::Records) {
        MuslStep::Answered
    } else {
        MuslStep::GiveUp(GiveUp::NoData)
    }
}

/// The queries musl sends for a candidate whose queries get `replies`, and the replies it
/// accepts (res_msend.c `__res_msend_rc`).
///
/// Each round sends every query not answered yet to every nameserver at once. NOERROR and
/// NXDOMAIN replies are accepted, the first one answering its query; a SERVFAIL is sent again
/// at once to the nameserver that gave it, up to `2 × queries` times a round in all; every
/// other reply is ignored. Rounds go on until every query is answered or the timeout is over.
/// When A and AAAA both get SERVFAIL, the immediate resends are shared evenly here; how they
/// really split depends on the order the replies arrive, but not their total.
fn musl_exchange(replies: &[Reply], rounds: usize, servers: usize) -> (Vec<usize>, Vec<Reply>) {
    let accepted = |reply: &Reply| {
        rounds > 0
            && matches!(
                reply,
                Reply::Records | Reply::Empty(Rcode::NoError | Rcode::NxDomain)
            )
    };
    let servfails = replies
        .iter()
        .filter(|r| **r == Reply::Empty(Rcode::ServFail))
        .count();
    let sends = replies
        .iter()
        .map(|reply| match reply {
            _ if accepted(reply) => servers,
            Reply::Empty(Rcode::ServFail) => rounds * (servers + 2 * replies.len() / servfails),
            _ => rounds * servers,
        })
        .collect();
    let got = replies
        .iter()
        .map(|reply| {
            if accepted(reply) {
                *reply
            } else {
                Reply::Timeout
            }
        })
        .collect();
    (sends, got)
}

/// The rounds of queries musl sends for a candidate with a query left unanswered
/// (res_msend.c): one every `timeout / attempts` until `timeout` is over, so `attempts` of
/// them, and none with `timeout:0` (with `attempts:0` musl 1.2.3 divides by zero before
/// sending anything and the program dies of SIGFPE). When `attempts` does not divide the
/// timeout in milliseconds, one more round fits in the last few milliseconds if the earlier
/// ones were not late; this counts the usual `attempts`.
fn musl_rounds(conf: &ResolvConf) -> usize {
    let timeout = musl_option(conf, "timeout", MUSL_DEFAULT_TIMEOUT, MUSL_MAX_TIMEOUT);
    let attempts = musl_option(conf, "attempts", DEFAULT_ATTEMPTS, MUSL_MAX_ATTEMPTS);
    if timeout == 0 { 0 } else { attempts }
}

/// A number option as musl's resolvconf.c reads it: a value starting with a digit, read with
/// `strtoul` and capped at `max`; `default` for any other value or none.
fn musl_option(conf: &ResolvConf, name: &str, default: usize, max: usize) -> usize {
    conf.option_value(name)
        .filter(|value| value.starts_with(|c: char| c.is_ascii_digit()))
        .map_or(default, |value| {
            usize::try_from(leading_number(value)).map_or(max, |number| number.min(max))
        })
}

/// musl's order (lookup_name.c `name_from_dns_search`).
fn musl_walk<F: FnMut(&str, RecordType) -> Reply>(
    name: &QueryName,
    conf: &ResolvConf,
    asker: &mut Asker<F>,
) -> WalkEnd {
    let reads_search_line = conf
        .search_line()
        .is_none_or(|line| line.len() <= MUSL_MAX_LINE_LEN);
    let searches = !name.is_absolute() && name.dots() < conf.effective_ndots() && reads_search_line;
    let (rounds, servers) = (musl_rounds(conf), conf.servers_used());
    let candidates = conf
        .search
        .iter()
        .filter(|_| searches)
        .map(|domain| (Some(domain.as_str()), under(name, domain)))
        .chain([(None, name.fqdn())]);
    for (domain, candidate) in candidates {
        if let Some(domain) = domain {
            if name.ascii().len() + 1 + domain.len() > MUSL_MAX_CANDIDATE_LEN {
                continue;
            }
            if domain == "." {
                // The malformed queries get no usable reply: every round sends them again.
                asker.unlisted += rounds * servers * asker.family.query_types().len();
                return WalkEnd::GaveUp {
                    candidate: format!("{}..", name.ascii()),
                    reason: GiveUp::RootSearchDomain,
                };
            }
            if candidate.len() - 1 > MAX_NAME_LEN {
                return WalkEnd::GaveUp {
                    candidate,
                    reason: GiveUp::TooLong,
                };
            }
        }
        let step = asker.query(&candidate, |replies| {
            let (sends, got) = musl_exchange(replies, rounds, servers);
            (sends, musl_step(&got))
        });
        match step {
            MuslStep::Answered => return WalkEnd::Answered(candidate),
            MuslStep::NextCandidate => {}
            MuslStep::GiveUp(reason) => return WalkEnd::GaveUp { candidate, reason },
        }
    }
    WalkEnd::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::Record;

    const POD_SEARCH: [&str; 3] = [
        "shop.svc.cluster.local",
        "svc.cluster.local",
        "cluster.local",
    ];

    fn q(name: &str) -> QueryName {
        QueryName::parse(name).unwrap()
    }

    fn conf(search: &[&str], ndots: usize) -> ResolvConf {
        ResolvConf {
            search: search.iter().map(|d| d.to_string()).collect(),
            ndots,
            ..ResolvConf::default()
        }
    }

    /// A walk where the names in `replies` reply so (to every type) and all others are NXDOMAIN.
    fn walk_with(
        name: &str,
        conf: &ResolvConf,
        libc: Libc,
        family: AddressFamily,
        replies: &[(&str, RecordType, Reply)],
    ) -> Walk {
        walk(&q(name), conf, libc, family, |asked, rtype| {
            replies
                .iter()
                .find(|(n, t, _)| *n == asked && *t == rtype)
                .map_or(Reply::Empty(Rcode::NxDomain), |(_, _, r)| *r)
        })
    }

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn parses_and_renders_resolv_conf() {
        let text = "# generated\nnameserver 10.96.0.10\nnameserver fd00::a\nnameserver bogus\n\
                    domain old.example\nsearch a.example b.example\n\
                    options ndots:2 timeout:1\noptions single-request timeout:2\n";
        let conf = ResolvConf::parse(text);
        assert_eq!(
            conf.nameservers,
            [
                "10.96.0.10".parse::<IpAddr>().unwrap(),
                "fd00::a".parse().unwrap()
            ]
        );
        assert_eq!(conf.search, ["a.example", "b.example"]);
        assert_eq!(conf.ndots, 2);
        assert_eq!(
            conf.options,
            [
                ("timeout".to_string(), Some("2".to_string())),
                ("single-request".to_string(), None)
            ]
        );
        assert_eq!(
            conf.render(),
            "nameserver 10.96.0.10\nnameserver fd00::a\nsearch a.example b.example\n\
             options ndots:2 timeout:2 single-request\n"
        );
        assert_eq!(ResolvConf::parse(&conf.render()), conf);
        assert_eq!(ResolvConf::parse("").ndots, 1);
        assert_eq!(ResolvConf::default().render(), "");
    }

    #[test]
    fn glibc_tries_short_names_with_each_search_domain_then_as_is() {
        assert_eq!(
            candidates(&q("reviews"), &conf(&POD_SEARCH, 5), Libc::Glibc),
            [
                "reviews.shop.svc.cluster.local.",
                "reviews.svc.cluster.local.",
                "reviews.cluster.local.",
                "reviews."
            ]
        );
    }

    #[test]
    fn glibc_tries_names_with_enough_dots_as_is_first_then_searches() {
        assert_eq!(
            candidates(
                &q("api.example.com"),
                &conf(&POD_SEARCH[..1], 2),
                Libc::Glibc
            ),
            [
                "api.example.com.",
                "api.example.com.shop.svc.cluster.local."
            ]
        );
        // ndots:0 puts even a single label first.
        assert_eq!(
            candidates(&q("db"), &conf(&POD_SEARCH[..1], 0), Libc::Glibc),
            ["db.", "db.shop.svc.cluster.local."]
        );
    }

    #[test]
    fn musl_tries_names_with_enough_dots_only_as_is() {
        assert_eq!(
            candidates(&q("api.example.com"), &conf(&POD_SEARCH, 2), Libc::Musl),
            ["api.example.com."]
        );
        assert_eq!(
            candidates(&q("reviews.shop"), &conf(&POD_SEARCH[1..], 5), Libc::Musl),
            [
                "reviews.shop.svc.cluster.local.",
                "reviews.shop.cluster.local.",
                "reviews.shop."
            ]
        );
    }

    #[test]
    fn absolute_names_are_tried_only_as_is() {
        for libc in [Libc::Glibc, Libc::Musl] {
            assert_eq!(
                candidates(&q("reviews."), &conf(&POD_SEARCH, 5), libc),
                ["reviews."]
            );
        }
    }

    #[test]
    fn both_cap_ndots_at_15() {
        let name = q(&["a"; 16].join("."));
        for libc in [Libc::Glibc, Libc::Musl] {
            let first = candidates(&name, &conf(&POD_SEARCH, 20), libc)[0].clone();
            assert_eq!(first, name.fqdn(), "{libc:?}");
        }
    }

    #[test]
    fn glibc_no_tld_query_skips_the_single_label_as_is() {
        let mut conf = conf(&POD_SEARCH[..1], 5);
        conf.options.push(("no-tld-query".to_string(), None));
        assert_eq!(
            candidates(&q("db"), &conf, Libc::Glibc),
            ["db.shop.svc.cluster.local."]
        );
        assert_eq!(
            candidates(&q("db.x"), &conf, Libc::Glibc),
            ["db.x.shop.svc.cluster.local.", "db.x."]
        );
        assert_eq!(candidates(&q("db"), &conf, Libc::Musl).len(), 2);
    }

    #[test]
    fn a_root_search_domain_is_the_as_is_query_for_glibc_and_fails_musl() {
        let conf = conf(&["a.example", ".", "b.example"], 5);
        assert_eq!(
            candidates(&q("x"), &conf, Libc::Glibc),
            ["x.a.example.", "x.", "x.b.example."]
        );
        let walk = walk_with("x", &conf, Libc::Musl, AddressFamily::Inet, &[]);
        assert_eq!(walk.asked, ["x.a.example."]);
        assert_eq!(
            walk.end,
            WalkEnd::GaveUp {
                candidate: "x..".to_string(),
                reason: GiveUp::RootSearchDomain
            }
        );
    }

    #[test]
    fn musl_ignores_a_search_line_longer_than_254_characters() {
        let domain = |i: usize| format!("{}{i:02}.example", "d".repeat(20));
        let domains: Vec<String> = (0..9).map(domain).collect();
        let mut conf = conf(&[], 5);
        conf.search = domains.clone();
        // "search " + 9 × 30 + 8 spaces = 285 characters.
        assert_eq!(candidates(&q("x"), &conf, Libc::Musl), ["x."]);
        assert_eq!(candidates(&q("x"), &conf, Libc::Glibc).len(), 10);
        conf.search.truncate(8);
        assert_eq!(conf.search_line().unwrap().len(), 254);
        assert_eq!(candidates(&q("x"), &conf, Libc::Musl).len(), 9);
    }

    #[test]
    fn over_long_candidates_end_glibc_search_and_musl_skips_or_fails() {
        let name = "n".repeat(60);
        let domain = |len: usize| format!("{}.example", "d".repeat(len - ".example".len()));
        // 60 + 1 + 192 = 253: asked by both.
        let fits = conf(&[&domain(192), "svc.example"], 5);
        assert_eq!(candidates(&q(&name), &fits, Libc::Glibc).len(), 3);
        assert_eq!(candidates(&q(&name), &fits, Libc::Musl).len(), 3);
        // 254: glibc ends the search list, musl fails without asking.
        let too_long = conf(&[&domain(193), "svc.example"], 5);
        assert_eq!(
            candidates(&q(&name), &too_long, Libc::Glibc),
            [format!("{name}.")]
        );
        let walk = walk_with(&name, &too_long, Libc::Musl, AddressFamily::Inet, &[]);
        assert!(walk.asked.is_empty());
        assert!(matches!(
            walk.end,
            WalkEnd::GaveUp {
                reason: GiveUp::TooLong,
                ..
            }
        ));
        // 256: musl skips it.
        let skipped = conf(&[&domain(195), "svc.example"], 5);
        assert_eq!(
            candidates(&q(&name), &skipped, Libc::Musl),
            [format!("{name}.svc.example."), format!("{name}.")]
        );
    }

    #[test]
    fn glibc_walks_past_nodata_and_servfail_but_musl_stops() {
        let conf = conf(&POD_SEARCH, 5);
        for stop in [Reply::Empty(Rcode::NoError), Reply::Empty(Rcode::ServFail)] {
            let replies = [
                ("web.shop.svc.cluster.local.", RecordType::A, stop),
                ("web.svc.cluster.local.", RecordType::A, Reply::Records),
            ];
            let glibc = walk_with("web", &conf, Libc::Glibc, AddressFamily::Inet, &replies);
            assert_eq!(
                glibc.end,
                WalkEnd::Answered("web.svc.cluster.local.".to_string())
            );
            let musl = walk_with("web", &conf, Libc::Musl, AddressFamily::Inet, &replies);
            assert_eq!(musl.asked, ["web.shop.svc.cluster.local."]);
            let reason = if stop == Reply::Empty(Rcode::NoError) {
                GiveUp::NoData
            } else {
                GiveUp::NoUsableReply
            };
            assert_eq!(
                musl.end,
                WalkEnd::GaveUp {
                    candidate: "web.shop.svc.cluster.local.".to_string(),
                    reason
                }
            );
        }
    }

    #[test]
    fn glibc_refused_or_timeout_ends_the_search_list_but_not_the_as_is_query() {
        let conf = conf(&POD_SEARCH, 5);
        for failure in [Reply::Empty(Rcode::Refused), Reply::Timeout] {
            let replies = [("web.shop.svc.cluster.local.", RecordType::A, failure)];
            let walk = walk_with("web", &conf, Libc::Glibc, AddressFamily::Inet, &replies);
            assert_eq!(walk.asked, ["web.shop.svc.cluster.local.", "web."]);
            assert_eq!(walk.end, WalkEnd::NotFound);
        }
    }

    #[test]
    fn unspec_stops_at_either_address_type() {
        let conf = conf(&POD_SEARCH, 5);
        let replies = [
            (
                "web.shop.svc.cluster.local.",
                RecordType::A,
                Reply::Empty(Rcode::NoError),
            ),
            (
                "web.shop.svc.cluster.local.",
                RecordType::AAAA,
                Reply::Records,
            ),
        ];
        for libc in [Libc::Glibc, Libc::Musl] {
            let walk = walk_with("web", &conf, libc, AddressFamily::Unspec, &replies);
            assert_eq!(
                walk.end,
                WalkEnd::Answered("web.shop.svc.cluster.local.".to_string())
            );
        }
    }

    const SERVFAIL: Reply = Reply::Empty(Rcode::ServFail);
    const REFUSED: Reply = Reply::Empty(Rcode::Refused);
    const NOTIMP: Reply = Reply::Empty(Rcode::NotImp);
    const NXDOMAIN: Reply = Reply::Empty(Rcode::NxDomain);
    const NODATA: Reply = Reply::Empty(Rcode::NoError);
    const NONE: Reply = Reply::Timeout;
    const RECORDS: Reply = Reply::Records;

    /// A resolv.conf with `servers` nameservers and `options`.
    fn resend_conf(servers: usize, options: &str) -> ResolvConf {
        let mut text: String = (1..=servers)
            .map(|i| format!("nameserver 10.0.0.{i}\n"))
            .collect();
        text.push_str(&format!("options {options}\n"));
        ResolvConf::parse(&text)
    }

    /// glibc's queries and verdict for the first candidate of a lookup.
    fn glibc_once(conf: &ResolvConf, replies: &[Reply]) -> (Vec<usize>, GlibcStep) {
        GlibcSender::new(conf).exchange(replies)
    }

    /// musl's queries and verdict for a candidate.
    fn musl_once(conf: &ResolvConf, replies: &[Reply]) -> (Vec<usize>, MuslStep) {
        let (sends, got) = musl_exchange(replies, musl_rounds(conf), conf.servers_used());
        (sends, musl_step(&got))
    }

    #[test]
    fn glibc_sends_a_failed_query_once_per_attempt_and_nameserver() {
        use GlibcStep::*;
        for attempts in [1, 2, 5] {
            for servers in 1..=3 {
                let conf = resend_conf(servers, &format!("timeout:1 attempts:{attempts}"));
                let each = attempts * servers;
                for (reply, step) in [
                    (SERVFAIL, NextCandidate),
                    (REFUSED, EndSearch),
                    (NOTIMP, EndSearch),
                    (NONE, EndSearch),
                ] {
                    let label = format!("attempts:{attempts}, {servers} servers, {reply:?}");
                    assert_eq!(glibc_once(&conf, &[reply]), (vec![each], step), "{label}");
                }
                for (reply, step) in [
                    (NXDOMAIN, NextCandidate),
                    (NODATA, NextCandidate),
                    (RECORDS, Answered),
                ] {
                    assert_eq!(glibc_once(&conf, &[reply]), (vec![1], step), "{reply:?}");
                }
            }
        }
        // No nameserver means 127.0.0.1; more than 3 count as 3.
        assert_eq!(glibc_once(&resend_conf(0, "edns0"), &[SERVFAIL]).0, [2]);
        assert_eq!(glibc_once(&resend_conf(5, "edns0"), &[SERVFAIL]).0, [6]);
    }

    #[test]
    fn glibc_reads_attempts_like_atoi_capped_at_5() {
        let sends = |options: &str| glibc_once(&resend_conf(1, options), &[SERVFAIL]).0[0];
        assert_eq!(sends("edns0"), 2);
        // Without a value it is not the option.
        assert_eq!(sends("attempts"), 2);
        assert_eq!(sends("attempts:9"), 5);
        assert_eq!(sends("attempts:3x"), 3);
        assert_eq!(sends("attempts:+4"), 4);
        assert_eq!(sends("attempts:4294967297"), 1);
        for nothing in ["attempts:0", "attempts:-1", "attempts:", "attempts:x"] {
            assert_eq!(
                glibc_once(&resend_conf(2, nothing), &[SERVFAIL]),
                (vec![0], GlibcStep::NoServer),
                "{nothing}"
            );
        }
        assert_eq!(c_atoi("99999999999999999999"), -1);
        assert_eq!(c_atoi("-99999999999999999999"), 0);
        assert_eq!(c_atoi("-7"), -7);
    }

    #[test]
    fn glibc_sends_a_pair_again_only_when_neither_reply_is_usable() {
        use GlibcStep::*;
        let conf = resend_conf(2, "attempts:2");
        // The buffered (first) reply decides: SERVFAIL goes on, anything else ends the list.
        for (pair, step) in [
            ([SERVFAIL, SERVFAIL], NextCandidate),
            ([SERVFAIL, REFUSED], NextCandidate),
            ([REFUSED, SERVFAIL], EndSearch),
            ([NONE, NONE], EndSearch),
            ([NONE, SERVFAIL], NextCandidate),
            ([SERVFAIL, NONE], NextCandidate),
            ([NOTIMP, NONE], EndSearch),
        ] {
            assert_eq!(glibc_once(&conf, &pair), (vec![4, 4], step), "{pair:?}");
        }
        // A usable reply beside an error code: the error is dropped, nothing is sent again.
        for (pair, step) in [
            ([NODATA, SERVFAIL], NextCandidate),
            ([REFUSED, RECORDS], Answered),
            ([NXDOMAIN, NODATA], NextCandidate),
            ([RECORDS, NODATA], Answered),
        ] {
            assert_eq!(glibc_once(&conf, &pair), (vec![1, 1], step), "{pair:?}");
        }
    }

    #[test]
    fn glibc_goes_one_by_one_after_a_time_out_beside_a_usable_reply() {
        use GlibcStep::*;
        let conf = resend_conf(2, "attempts:2");
        // AAAA times out: the pair again one by one, then on a new socket; the A reply counts.
        let mut sender = GlibcSender::new(&conf);
        assert_eq!(
            sender.exchange(&[NODATA, NONE]),
            (vec![3, 3], NextCandidate)
        );
        assert_eq!(sender.pairing, Pairing::OneByOneReopen);
        // A times out: A again alone, at each attempt and nameserver; the AAAA reply is lost.
        let mut sender = GlibcSender::new(&conf);
        assert_eq!(sender.exchange(&[NONE, RECORDS]), (vec![5, 1], EndSearch));
        assert_eq!(sender.pairing, Pairing::OneByOne);
        // From then on a failed A is not followed by AAAA.
        assert_eq!(
            sender.exchange(&[SERVFAIL, RECORDS]),
            (vec![4, 0], NextCandidate)
        );
        assert_eq!(
            sender.exchange(&[NXDOMAIN, RECORDS]),
            (vec![1, 1], Answered)
        );
    }

    #[test]
    fn glibc_single_request_options() {
        use GlibcStep::*;
        let single = resend_conf(1, "attempts:2 single-request");
        assert_eq!(
            glibc_once(&single, &[SERVFAIL, RECORDS]),
            (vec![2, 0], NextCandidate)
        );
        assert_eq!(
            glibc_once(&single, &[REFUSED, NODATA]),
            (vec![2, 0], EndSearch)
        );
        assert_eq!(
            glibc_once(&single, &[NODATA, NONE]),
            (vec![2, 2], NextCandidate)
        );
        assert_eq!(
            glibc_once(&single, &[RECORDS, SERVFAIL]),
            (vec![1, 1], Answered)
        );
        let reopen = resend_conf(1, "attempts:2 single-request-reopen");
        assert_eq!(
            glibc_once(&reopen, &[NODATA, NONE]),
            (vec![1, 1], NextCandidate)
        );
        assert_eq!(
            glibc_once(&reopen, &[NONE, NODATA]),
            (vec![2, 0], EndSearch)
        );
    }

    #[test]
    fn glibc_walk_counts_resends_and_stays_one_by_one() {
        let replies = [
            ("web.shop.svc.cluster.local.", RecordType::A, NODATA),
            ("web.shop.svc.cluster.local.", RecordType::AAAA, NONE),
            ("web.svc.cluster.local.", RecordType::A, SERVFAIL),
            ("web.svc.cluster.local.", RecordType::AAAA, RECORDS),
        ];
        let conf = conf(&POD_SEARCH, 5);
        let walk = walk_with("web", &conf, Libc::Glibc, AddressFamily::Unspec, &replies);
        assert_eq!(walk.asked.len(), 4);
        assert_eq!(walk.sends, [[3, 3], [2, 0], [1, 1], [1, 1]]);
        assert_eq!(walk.sent, 12);
        assert_eq!(walk.end, WalkEnd::NotFound);
    }

    #[test]
    fn glibc_without_attempts_sends_nothing_and_stops_at_the_first_search_domain() {
        let mut conf = conf(&POD_SEARCH, 1);
        conf.options
            .push(("attempts".to_string(), Some("0".to_string())));
        let walk = walk_with("api.example", &conf, Libc::Glibc, AddressFamily::Inet, &[]);
        assert_eq!(
            walk.asked,
            ["api.example.", "api.example.shop.svc.cluster.local."]
        );
        assert_eq!(walk.sent, 0);
        assert_eq!(walk.end, WalkEnd::NotFound);
    }

    #[test]
    fn musl_sends_each_round_to_every_nameserver_and_servfail_again_at_once() {
        use MuslStep::{Answered, NextCandidate};
        for attempts in [1, 2, 5] {
            for servers in 1..=3 {
                let conf = resend_conf(servers, &format!("timeout:1 attempts:{attempts}"));
                let label = format!("attempts:{attempts}, {servers} servers");
                assert_eq!(
                    musl_once(&conf, &[SERVFAIL]),
                    (
                        vec![attempts * (servers + 2)],
                        MuslStep::GiveUp(GiveUp::NoUsableReply)
                    ),
                    "{label}"
                );
                for ignored in [REFUSED, NOTIMP, NONE] {
                    assert_eq!(
                        musl_once(&conf, &[ignored]),
                        (
                            vec![attempts * servers],
                            MuslStep::GiveUp(GiveUp::NoUsableReply)
                        ),
                        "{label} {ignored:?}"
                    );
                }
                for (reply, step) in [
                    (NXDOMAIN, NextCandidate),
                    (NODATA, MuslStep::GiveUp(GiveUp::NoData)),
                    (RECORDS, Answered),
                ] {
                    assert_eq!(musl_once(&conf, &[reply]), (vec![servers], step), "{label}");
                }
            }
        }
    }

    #[test]
    fn musl_unspec_waits_for_both_replies() {
        use MuslStep::{Answered, NextCandidate};
        let conf = resend_conf(1, "attempts:2");
        let no_reply = MuslStep::GiveUp(GiveUp::NoUsableReply);
        assert_eq!(
            musl_once(&conf, &[SERVFAIL, SERVFAIL]),
            (vec![6, 6], no_reply)
        );
        // A lone SERVFAIL takes all 4 immediate resends of a round.
        assert_eq!(
            musl_once(&conf, &[NXDOMAIN, SERVFAIL]),
            (vec![1, 10], NextCandidate)
        );
        assert_eq!(
            musl_once(&conf, &[SERVFAIL, REFUSED]),
            (vec![10, 2], no_reply)
        );
        assert_eq!(musl_once(&conf, &[NONE, SERVFAIL]), (vec![2, 10], no_reply));
        assert_eq!(musl_once(&conf, &[NODATA, NONE]), (vec![1, 2], no_reply));
        assert_eq!(
            musl_once(&conf, &[NODATA, SERVFAIL]),
            (vec![1, 10], no_reply)
        );
        assert_eq!(musl_once(&conf, &[RECORDS, NODATA]), (vec![1, 1], Answered));
        let three = resend_conf(3, "attempts:2");
        assert_eq!(
            musl_once(&three, &[SERVFAIL, SERVFAIL]),
            (vec![10, 10], no_reply)
        );
        assert_eq!(
            musl_once(&three, &[NODATA, NXDOMAIN]),
            (vec![3, 3], NextCandidate)
        );
    }

    #[test]
    fn musl_reads_attempts_and_timeout_from_a_leading_digit() {
        let sends = |options: &str| musl_once(&resend_conf(1, options), &[REFUSED]).0[0];
        assert_eq!(sends("edns0"), 2);
        assert_eq!(sends("attempts:12"), 10);
        assert_eq!(sends("attempts:-1"), 2);
        assert_eq!(sends("attempts:"), 2);
        assert_eq!(sends("attempts:3x"), 3);
        assert_eq!(sends("timeout:99999999999999999999 attempts:4"), 4);
        for nothing in ["timeout:0", "attempts:0", "timeout:0 attempts:3"] {
            assert_eq!(
                musl_once(&resend_conf(1, nothing), &[RECORDS]),
                (vec![0], MuslStep::GiveUp(GiveUp::NoUsableReply)),
                "{nothing}"
            );
        }
    }

    #[test]
    fn musl_walk_counts_the_malformed_root_search_domain_queries() {
        let conf = conf(&["a.example", ".", "b.example"], 5);
        let walk = walk_with("x", &conf, Libc::Musl, AddressFamily::Unspec, &[]);
        assert_eq!(walk.sends, [[1, 1]]);
        // Two rounds of the malformed A and AAAA queries.
        assert_eq!(walk.sent, 2 + 2 * 2);
    }

    #[test]
    fn reply_of_an_answer() {
        let answer = Answer::records(vec![Record::new("a.example", "A", 30, "10.0.0.1")], true);
        assert_eq!(Reply::of(&answer, RecordType::A), Reply::Records);
        assert_eq!(
            Reply::of(&answer, RecordType::AAAA),
            Reply::Empty(Rcode::NoError)
        );
        assert_eq!(
            Reply::of(&Answer::empty(Rcode::NxDomain, true), RecordType::A),
            Reply::Empty(Rcode::NxDomain)
        );
    }

    fn node() -> ResolvConf {
        ResolvConf::parse(
            "nameserver 192.168.1.1\nsearch corp.example. lab.example\noptions timeout:2\n",
        )
    }

    fn cluster_dns() -> Vec<IpAddr> {
        vec!["10.96.0.10".parse().unwrap()]
    }

    #[test]
    fn cluster_first_pods_get_cluster_dns_and_search_path() {
        let pod = pod(serde_json::json!({
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": []}
        }));
        let (conf, warnings) = pod_resolv_conf(
            &pod,
            &cluster_dns(),
            "cluster.local",
            &node(),
            SearchLimits::Expanded,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            conf.render(),
            "nameserver 10.96.0.10\n\
             search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\n\
             options ndots:5\n"
        );
    }

    #[test]
    fn host_network_pods_fall_back_to_the_node_unless_cluster_first_with_host_net() {
        let pod_with = |policy: &str| {
            pod(serde_json::json!({
                "metadata": {"name": "p", "namespace": "shop"},
                "spec": {"containers": [], "hostNetwork": true, "dnsPolicy": policy}
            }))
        };
        let derive = |pod: &Pod| {
            pod_resolv_conf(
                pod,
                &cluster_dns(),
                "cluster.local",
                &node(),
                SearchLimits::Expanded,
            )
            .0
        };
        let host = derive(&pod_with("ClusterFirst"));
        assert_eq!(host.nameservers, node().nameservers);
        assert_eq!(host.search, ["corp.example", "lab.example"]);
        assert_eq!(host, derive(&pod_with("Default")));
        let cluster = derive(&pod_with("ClusterFirstWithHostNet"));
        assert_eq!(cluster.nameservers, cluster_dns());
        assert_eq!(cluster.ndots, 5);
    }

    #[test]
    fn kubelet_without_cluster_dns_falls_back_to_default_with_a_warning() {
        let pod = pod(serde_json::json!({"metadata": {"name": "p"}, "spec": {"containers": []}}));
        let (conf, warnings) =
            pod_resolv_conf(&pod, &[], "cluster.local", &node(), SearchLimits::Expanded);
        assert_eq!(conf.nameservers, node().nameservers);
        assert!(warnings[0].contains("--cluster-dns"), "{warnings:?}");
    }

    #[test]
    fn dns_config_is_merged_without_duplicates_and_options_override() {
        let pod = pod(serde_json::json!({
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [], "dnsConfig": {
                "nameservers": ["10.96.0.10", "1.1.1.1"],
                "searches": ["svc.cluster.local", "extra.example"],
                "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}, {"name": "timeout", "value": ""}]
            }}
        }));
        let (conf, _) = pod_resolv_conf(
            &pod,
            &cluster_dns(),
            "cluster.local",
            &node(),
            SearchLimits::Expanded,
        );
        assert_eq!(
            conf.nameservers,
            [
                "10.96.0.10".parse::<IpAddr>().unwrap(),
                "1.1.1.1".parse().unwrap()
            ]
        );
        assert_eq!(conf.search.last().unwrap(), "extra.example");
        assert_eq!(conf.search.len(), 6);
        assert_eq!(conf.ndots, 2);
        assert_eq!(
            conf.options,
            [("edns0".to_string(), None), ("timeout".to_string(), None)]
        );
    }

    #[test]
    fn dns_policy_none_takes_only_dns_config() {
        let pod = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [], "dnsPolicy": "None", "dnsConfig": {
                "nameservers": ["1.1.1.1", "8.8.8.8", "9.9.9.9", "8.8.4.4", "not-an-ip"],
                "searches": ["a.example"]
            }}
        }));
        let (conf, warnings) = pod_resolv_conf(
            &pod,
            &cluster_dns(),
            "cluster.local",
            &node(),
            SearchLimits::Expanded,
        );
        assert_eq!(
            conf.render(),
            "nameserver 1.1.1.1\nnameserver 8.8.8.8\nnameserver 9.9.9.9\nsearch a.example\n"
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn search_limits_drop_domains_with_a_warning() {
        let searches: Vec<String> = (0..8).map(|i| format!("d{i}.example")).collect();
        let pod = pod(serde_json::json!({
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [], "dnsConfig": {"searches": searches}}
        }));
        let derive = |limits| {
            pod_resolv_conf(
                &pod,
                &cluster_dns(),
                "cluster.local",
                &ResolvConf::default(),
                limits,
            )
        };
        let (expanded, warnings) = derive(SearchLimits::Expanded);
        assert_eq!(expanded.search.len(), 11);
        assert!(warnings.is_empty());
        let (legacy, warnings) = derive(SearchLimits::Legacy);
        assert_eq!(legacy.search.len(), 6);
        assert!(warnings[0].contains("d2.example"), "{warnings:?}");

        // Count first (6), then domains over 253 characters, then the line length.
        let mut long = vec!["x".repeat(254)];
        long.extend((0..10).map(|i| format!("{}{i}", "y".repeat(29))));
        assert!(fit_search(&mut long, SearchLimits::Legacy));
        assert_eq!(long.len(), 5);
        // 6 × 50 + 5 spaces = 305 > 256; 5 × 50 + 4 = 254 fits.
        let mut long: Vec<String> = (0..6).map(|i| format!("{}{i}", "y".repeat(49))).collect();
        assert!(fit_search(&mut long, SearchLimits::Legacy));
        assert_eq!(long.len(), 5);
    }
}
