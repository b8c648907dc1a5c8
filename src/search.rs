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
//!   at the first candidate with an address of either type. glibc drops a failed reply when the
//!   other type's reply is usable; musl looks at the A reply first, so an NXDOMAIN there moves on
//!   whatever the AAAA reply is, and any failure gives up.
//! - **Limits.** musl ignores a `search` line longer than 254 characters altogether, so a long
//!   kubelet search list leaves an Alpine pod with none. A candidate longer than a DNS name may be
//!   ends glibc's search list; musl skips it when it does not fit its 255-character buffer and fails
//!   (`EAI_NONAME`) when it fits but is too long for a query. musl turns a root (`.`) search domain
//!   into a malformed query for `name..` and fails after its timeout.

use std::net::IpAddr;

use hickory_proto::rr::RecordType;
use k8s_openapi::api::core::v1::Pod;

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
/// The nameservers the kubelet keeps (`MaxDNSNameservers`).
const MAX_NAMESERVERS: usize = 3;
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

/// The names a library asked for one lookup and how the lookup ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    /// Each name queried, fully qualified with a trailing dot, in order; once per candidate
    /// whatever the number of query types.
    pub asked: Vec<String>,
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
/// for each query it sends (name with trailing dot, and type) and stopping where the library
/// stops.
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
    };
    let end = match libc {
        Libc::Glibc => glibc_walk(name, conf, &mut asker),
        Libc::Musl => musl_walk(name, conf, &mut asker),
    };
    Walk {
        asked: asker.asked,
        end,
    }
}

/// Sends the queries of each candidate and records the names asked.
struct Asker<F> {
    family: AddressFamily,
    ask: F,
    asked: Vec<String>,
}

impl<F: FnMut(&str, RecordType) -> Reply> Asker<F> {
    /// The replies to the candidate's queries, in the order sent.
    fn query(&mut self, candidate: &str) -> Vec<Reply> {
        self.asked.push(candidate.to_string());
        self.family
            .query_types()
            .iter()
            .map(|rtype| (self.ask)(candidate, *rtype))
            .collect()
    }
}

/// `name` under search domain `domain`, with a trailing dot.
fn under(name: &QueryName, domain: &str) -> String {
    format!("{}.{}.", name.ascii(), domain.trim_end_matches('.'))
}

/// What glibc does after one candidate's replies.
#[derive(Debug, PartialEq, Eq)]
enum GlibcStep {
    Answered,
    /// NXDOMAIN, NODATA or SERVFAIL: the next search domain.
    NextCandidate,
    /// Any other failure ends the search list (the name as it is may still be tried).
    EndSearch,
}

/// glibc's verdict on one candidate (res_query.c `__res_context_query`, res_send.c `send_dg`).
fn glibc_step(replies: &[Reply]) -> GlibcStep {
    let failed = |reply: &&Reply| {
        matches!(
            reply,
            Reply::Timeout | Reply::Empty(Rcode::ServFail | Rcode::NotImp | Rcode::Refused)
        )
    };
    // A failed reply is dropped when the other type's reply is usable.
    let usable: Vec<&Reply> = replies.iter().filter(|r| !failed(r)).collect();
    if usable.is_empty() {
        return match replies.first() {
            Some(Reply::Empty(Rcode::ServFail)) => GlibcStep::NextCandidate,
            _ => GlibcStep::EndSearch,
        };
    }
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

/// glibc's res_search order (res_query.c `__res_context_search`).
fn glibc_walk<F: FnMut(&str, RecordType) -> Reply>(
    name: &QueryName,
    conf: &ResolvConf,
    asker: &mut Asker<F>,
) -> WalkEnd {
    let as_is = name.fqdn();
    let answered_as_is =
        |asker: &mut Asker<F>| glibc_step(&asker.query(&as_is)) == GlibcStep::Answered;
    if name.is_absolute() {
        return if answered_as_is(asker) {
            WalkEnd::Answered(as_is)
        } else {
            WalkEnd::NotFound
        };
    }
    let as_is_first = name.dots() >= conf.effective_ndots();
    if as_is_first && answered_as_is(asker) {
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
        match glibc_step(&asker.query(&candidate)) {
            GlibcStep::Answered => return WalkEnd::Answered(candidate),
            GlibcStep::NextCandidate => {}
            GlibcStep::EndSearch => break,
        }
    }
    let skips_tld_query = name.dots() == 0
        && !conf.search.is_empty()
        && (conf.has_option("no-tld-query") || conf.has_option("no_tld_query"));
    if !as_is_first && !root_on_list && !skips_tld_query && answered_as_is(asker) {
        return WalkEnd::Answered(as_is);
    }
    WalkEnd::NotFound
}

/// What musl does after one candidate's replies.
#[derive(Debug, PartialEq, Eq)]
enum MuslStep {
    Answered,
    /// NXDOMAIN: the next candidate.
    NextCandidate,
    GiveUp(GiveUp),
}

/// musl's verdict on one candidate (lookup_name.c `name_from_dns`, res_msend.c).
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
        match musl_step(&asker.query(&candidate)) {
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

    #[test]
    fn unspec_failed_replies() {
        // glibc drops a failed reply beside a usable one; musl reads the A reply first.
        assert_eq!(
            glibc_step(&[Reply::Empty(Rcode::NoError), Reply::Empty(Rcode::Refused)]),
            GlibcStep::NextCandidate
        );
        assert_eq!(
            glibc_step(&[Reply::Empty(Rcode::Refused), Reply::Empty(Rcode::ServFail)]),
            GlibcStep::EndSearch
        );
        assert_eq!(
            glibc_step(&[Reply::Empty(Rcode::ServFail), Reply::Empty(Rcode::Refused)]),
            GlibcStep::NextCandidate
        );
        assert_eq!(
            musl_step(&[Reply::Empty(Rcode::NxDomain), Reply::Empty(Rcode::ServFail)]),
            MuslStep::NextCandidate
        );
        assert_eq!(
            musl_step(&[Reply::Empty(Rcode::NoError), Reply::Empty(Rcode::ServFail)]),
            MuslStep::GiveUp(GiveUp::NoUsableReply)
        );
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
