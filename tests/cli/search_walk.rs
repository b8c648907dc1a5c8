//! `meshdig::search` checked against the real glibc and musl resolvers on this machine.
//!
//! `search_walk/resolve.c` calls getaddrinfo(3) for one name; it is built with gcc (glibc) and
//! musl-gcc (musl, Debian package `musl-tools`). Each run happens under `unshare --map-root-user
//! --mount --net --pid` (`search_walk/sandbox.sh`), so no root is needed and nothing outside is
//! touched: the case's resolv.conf, hosts and nsswitch.conf are bound over /etc in a private mount
//! namespace, and dnsmasq (package `dnsmasq-base`) answers on port 53 of 127.0.0.1 (and of
//! 127.0.1.1 and 127.0.2.1, for cases with several nameservers) of a private network namespace,
//! logging every query, with `search_walk/upstream.c` standing in for upstream servers that
//! fail, or give no reply to one type. For every case and library, the names dnsmasq logs (with the query types of each)
//! must equal [`search::walk`]'s, the number of queries it logs for each name and type must equal
//! the walk's [`Walk::sends`](search::Walk::sends), resends included, and their total
//! [`Walk::sent`](search::Walk::sent); and the program must get the addresses of the name the
//! walk ends at, or fail where it gives up.
//!
//! dnsmasq logs one `query[TYPE] NAME from 127.0.0.1` line for each query the program sends,
//! retransmissions included (what dnsmasq then forwards upstream is not counted), and one
//! `invalid data` line for each malformed query (musl's for a root search domain).
//!
//! What the cases leave out, because the real libraries do not behave the same way every run:
//! - musl with an `attempts` that does not divide the timeout in milliseconds (3, 6, 7 or 9 with
//!   `timeout:1`): one more round fits in the last milliseconds or not, depending on how late
//!   the kernel wakes musl up each round;
//! - musl with several nameservers and SERVFAIL for both A and AAAA: how its immediate resends
//!   split between the two types depends on the order the replies arrive (the total does not), so
//!   those cases ask A only;
//! - musl with `attempts:0`, which divides by zero and dies of SIGFPE: that case runs glibc only.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hickory_proto::rr::RecordType;
use k8s_openapi::api::core::v1::Pod;
use meshdig::model::Rcode;
use meshdig::query::QueryName;
use meshdig::search::AddressFamily::{Inet, Inet6, Unspec};
use meshdig::search::{
    self, AddressFamily, GiveUp, Libc, Reply, ResolvConf, SearchLimits, WalkEnd,
};

/// The options of every case: a failing lookup waits one second, not five, and glibc does not
/// repeat queries (musl still resends SERVFAIL at once). The resend cases add `attempts:2`.
const FAST_OPTIONS: &str = "timeout:1 attempts:1";
/// The addresses dnsmasq listens on, for cases with several nameservers.
const DNSMASQ_ADDRESSES: [&str; 3] = ["127.0.0.1", "127.0.1.1", "127.0.2.1"];
/// How long one run may take before it is killed as hung.
const RUN_TIMEOUT: Duration = Duration::from_secs(30);
/// Runs at once; most of a run's time is waiting for resolver timeouts.
const PARALLEL_RUNS: usize = 12;

/// The address records dnsmasq serves (`host-record`). Every other name is NXDOMAIN
/// (`local=/#/`), and a name with records of one type only is NODATA for the other.
const RECORDS: &[(&str, &[&str])] = &[
    ("web.ns1.svc.cluster.local", &["10.1.0.1"]),
    ("db.svc.cluster.local", &["10.1.0.2"]),
    ("cache.corp.example", &["10.1.0.3"]),
    ("solo", &["10.1.0.4"]),
    ("api.example.com", &["10.1.0.5"]),
    ("api.example.com.corp.example", &["10.1.0.6"]),
    ("reviews.ns2.svc.cluster.local", &["10.1.0.7"]),
    ("v6.ns1.svc.cluster.local", &["fd00::8"]),
    ("v6.svc.cluster.local", &["10.1.0.9"]),
    ("dual.ns1.svc.cluster.local", &["10.1.0.10", "fd00::10"]),
    ("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p", &["10.1.0.11"]),
    (
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.ns1.svc.cluster.local",
        &["10.1.0.12"],
    ),
    ("sf.svc.cluster.local", &["10.1.1.1"]),
    ("ref.svc.cluster.local", &["10.1.1.2"]),
    ("ref", &["10.1.1.3"]),
    ("a0sf.svc.cluster.local", &["10.1.1.4"]),
    ("nxsf.svc.cluster.local", &["10.1.1.5"]),
    ("silent", &["10.1.1.6"]),
    ("sfref.svc.cluster.local", &["10.1.1.7"]),
    ("rsf.cluster.local", &["10.1.2.1"]),
    ("rref", &["10.1.2.2"]),
    ("rni", &["10.1.2.3"]),
    ("rnd.cluster.local", &["10.1.2.4"]),
    ("rto", &["10.1.2.5"]),
    ("rfb", &["10.1.2.6"]),
    ("rtn", &["10.1.2.7"]),
    ("rts.cluster.local", &["10.1.2.8"]),
];

/// A domain dnsmasq forwards to a stand-in upstream server (`server=/domain/address`).
struct Upstream {
    domain: &'static str,
    address: &'static str,
    /// The codes of its empty replies to A and AAAA queries; `None`: no reply to that type (and
    /// nothing listens there when neither type gets one).
    replies: (Option<Rcode>, Option<Rcode>),
}

/// An upstream server replying `a` to A queries and `aaaa` to AAAA queries.
const fn upstream(
    domain: &'static str,
    address: &'static str,
    a: Option<Rcode>,
    aaaa: Option<Rcode>,
) -> Upstream {
    Upstream {
        domain,
        address,
        replies: (a, aaaa),
    }
}

const SERVFAIL: Option<Rcode> = Some(Rcode::ServFail);
const REFUSED: Option<Rcode> = Some(Rcode::Refused);
const NODATA: Option<Rcode> = Some(Rcode::NoError);
const NXDOMAIN: Option<Rcode> = Some(Rcode::NxDomain);
const NOTIMP: Option<Rcode> = Some(Rcode::NotImp);
const NONE: Option<Rcode> = None;

const UPSTREAMS: &[Upstream] = &[
    upstream("sf.ns1.svc.cluster.local", "127.0.0.2", SERVFAIL, SERVFAIL),
    upstream("ref.ns1.svc.cluster.local", "127.0.0.3", REFUSED, REFUSED),
    upstream("a0sf.ns1.svc.cluster.local", "127.0.0.4", NODATA, SERVFAIL),
    upstream(
        "nxsf.ns1.svc.cluster.local",
        "127.0.0.5",
        NXDOMAIN,
        SERVFAIL,
    ),
    upstream(
        "sfref.ns1.svc.cluster.local",
        "127.0.0.6",
        SERVFAIL,
        REFUSED,
    ),
    upstream("silent.ns1.svc.cluster.local", "127.0.0.9", NONE, NONE),
    // Failures at the second search domain of `POD`, for the resend cases.
    upstream("rsf.svc.cluster.local", "127.0.0.10", SERVFAIL, SERVFAIL),
    upstream("rref.svc.cluster.local", "127.0.0.11", REFUSED, REFUSED),
    upstream("rni.svc.cluster.local", "127.0.0.12", NOTIMP, NOTIMP),
    upstream("rnd.svc.cluster.local", "127.0.0.13", NODATA, NODATA),
    upstream("rto.svc.cluster.local", "127.0.0.14", NONE, NONE),
    upstream("rfb.svc.cluster.local", "127.0.0.15", NODATA, NONE),
    upstream("rfb.cluster.local", "127.0.0.16", SERVFAIL, SERVFAIL),
    upstream("rtn.svc.cluster.local", "127.0.0.17", NONE, NODATA),
    upstream("rts.svc.cluster.local", "127.0.0.18", NONE, SERVFAIL),
];

/// The search list of a pod in namespace `ns1` with the default cluster domain.
const POD: &[&str] = &[
    "ns1.svc.cluster.local",
    "svc.cluster.local",
    "cluster.local",
];
/// The pod's list followed by one node search domain.
const POD_AND_NODE: &[&str] = &[
    "ns1.svc.cluster.local",
    "svc.cluster.local",
    "cluster.local",
    "corp.example",
];
const CORP: &[&str] = &["ns1.svc.cluster.local", "corp.example"];
const TRAILING_DOTS: &[&str] = &["ns1.svc.cluster.local.", "cluster.local."];

/// One lookup: a name under a resolv.conf, for an address family.
struct Case {
    what: String,
    conf: ResolvConf,
    name: String,
    family: AddressFamily,
    /// The libraries it runs with.
    libcs: &'static [Libc],
}

const BOTH: &[Libc] = &[Libc::Glibc, Libc::Musl];

/// A resolv.conf naming dnsmasq, with `search`, `ndots` and the fast options plus `extra`.
fn conf(search: &[&str], ndots: usize, extra: &str) -> ResolvConf {
    ResolvConf::parse(&format!(
        "nameserver 127.0.0.1\nsearch {}\noptions ndots:{ndots} {FAST_OPTIONS} {extra}\n",
        search.join(" ")
    ))
}

fn case(what: &str, conf: ResolvConf, name: &str, family: AddressFamily) -> Case {
    Case {
        what: what.to_string(),
        conf,
        name: name.to_string(),
        family,
        libcs: BOTH,
    }
}

/// A domain of exactly `len` characters ending in `.example`, in labels of at most 63.
fn domain_of_len(len: usize) -> String {
    let mut left = len - ".example".len();
    let mut labels = Vec::new();
    while left > 51 {
        labels.push("d".repeat(50));
        left -= 51;
    }
    labels.push("e".repeat(left));
    format!("{}.example", labels.join("."))
}

/// The plain cases: what each shows, search list, ndots, name and address family.
#[rustfmt::skip]
const TABLE: &[(&str, &[&str], usize, &str, AddressFamily)] = &[
    ("hit at the first search domain", POD, 5, "web", Inet),
    ("hit at a middle search domain", POD, 5, "db", Inet),
    ("hit at the fourth search domain", POD_AND_NODE, 5, "cache", Inet),
    ("single label hit as-is, last", POD, 5, "solo", Inet),
    ("miss everywhere", POD_AND_NODE, 5, "nothing", Inet),
    ("absolute miss: only as-is", POD, 5, "web.", Inet),
    ("absolute hit", POD, 5, "api.example.com.", Inet),
    ("dots ≥ ndots:1: as-is first", CORP, 1, "api.example.com", Inet),
    ("dots ≥ ndots:2: as-is first", CORP, 2, "api.example.com", Inet),
    ("dots < ndots:5: search first", CORP, 5, "api.example.com", Inet),
    ("service.namespace, ndots:5", POD, 5, "reviews.ns2", Inet),
    ("service.namespace, ndots:2", POD, 2, "reviews.ns2", Inet),
    ("service.namespace, ndots:1", POD, 1, "reviews.ns2", Inet),
    ("dotted miss, ndots:1", CORP, 1, "missing.x", Inet),
    ("ndots:0: a single label as-is first", POD, 0, "web", Inet),
    ("ndots above 15 counts as 15", POD, 20, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p", Inet),
    ("search domains with a trailing dot", TRAILING_DOTS, 5, "web", Inet),
    ("NODATA for A first", POD, 5, "v6", Inet),
    ("AAAA first, AF_UNSPEC", POD, 5, "v6", Unspec),
    ("AAAA first, AF_INET6", POD, 5, "v6", Inet6),
    ("A records only, AF_INET6: NODATA everywhere", POD, 5, "db", Inet6),
    ("A and AAAA first", POD, 5, "dual", Unspec),
    ("A in the middle, AF_UNSPEC", POD, 5, "db", Unspec),
    ("SERVFAIL first", POD, 5, "sf", Inet),
    ("SERVFAIL first, AF_UNSPEC", POD, 5, "sf", Unspec),
    ("REFUSED first", POD, 5, "ref", Inet),
    ("REFUSED first, AF_UNSPEC", POD, 5, "ref", Unspec),
    ("NODATA for A, SERVFAIL for AAAA", POD, 5, "a0sf", Unspec),
    ("NXDOMAIN for A, SERVFAIL for AAAA", POD, 5, "nxsf", Unspec),
    ("SERVFAIL for A, REFUSED for AAAA", POD, 5, "sfref", Unspec),
    ("no reply first", POD, 5, "silent", Inet),
    ("a root search domain first", &[".", "ns1.svc.cluster.local"], 5, "web", Inet),
    ("a root search domain last", &["cluster.local", "."], 5, "nothing", Inet),
];

/// The resend cases, with `attempts:2` and these options: what each shows, options, the
/// nameservers (of [`DNSMASQ_ADDRESSES`]), name and address family. The search list is `POD`;
/// each name fails at its second domain (see [`UPSTREAMS`]).
#[rustfmt::skip]
const RESEND_TABLE: &[(&str, &str, usize, &str, AddressFamily)] = &[
    ("SERVFAIL mid-walk", "", 1, "rsf", Inet),
    ("SERVFAIL mid-walk", "", 1, "rsf", Unspec),
    ("REFUSED mid-walk", "", 1, "rref", Inet),
    ("REFUSED mid-walk", "", 1, "rref", Unspec),
    ("NOTIMP mid-walk", "", 1, "rni", Inet),
    ("NOTIMP mid-walk", "", 1, "rni", Unspec),
    ("NODATA mid-walk", "", 1, "rnd", Inet),
    ("NODATA mid-walk", "", 1, "rnd", Unspec),
    ("no reply mid-walk", "", 1, "rto", Inet),
    ("no reply mid-walk", "", 1, "rto", Unspec),
    ("NODATA for A, no reply for AAAA, then SERVFAIL", "", 1, "rfb", Inet),
    ("NODATA for A, no reply for AAAA, then SERVFAIL", "", 1, "rfb", Unspec),
    ("no reply for A, NODATA for AAAA", "", 1, "rtn", Unspec),
    ("no reply for A, SERVFAIL for AAAA", "", 1, "rts", Unspec),
    ("single-request: SERVFAIL mid-walk", "single-request", 1, "rsf", Unspec),
    ("single-request: no reply for AAAA", "single-request", 1, "rfb", Unspec),
    ("single-request-reopen: no reply for AAAA", "single-request-reopen", 1, "rfb", Unspec),
    ("three nameservers: SERVFAIL mid-walk", "", 3, "rsf", Inet),
    ("three nameservers, rotate: SERVFAIL mid-walk", "rotate", 3, "rsf", Inet),
    ("three nameservers: REFUSED mid-walk", "", 3, "rref", Unspec),
    ("two nameservers: no reply for AAAA", "", 2, "rfb", Unspec),
    ("attempts:5: SERVFAIL mid-walk", "attempts:5", 1, "rsf", Inet),
    ("attempts:5: REFUSED mid-walk", "attempts:5", 1, "rref", Unspec),
    ("timeout:0: SERVFAIL mid-walk", "timeout:0", 1, "rsf", Inet),
];

/// The resend cases of [`RESEND_TABLE`], and `attempts:0` for glibc.
fn resend_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = RESEND_TABLE
        .iter()
        .map(|&(what, options, servers, name, family)| {
            let mut conf = conf(POD, 5, &format!("attempts:2 {options}"));
            conf.nameservers = DNSMASQ_ADDRESSES[..servers]
                .iter()
                .map(|a| a.parse().expect("an address"))
                .collect();
            case(what, conf, name, family)
        })
        .collect();
    // musl 1.2.3 divides by zero with attempts:0 (res_msend.c) and dies of SIGFPE.
    cases.push(Case {
        libcs: &[Libc::Glibc],
        ..case(
            "attempts:0: nothing sent",
            conf(POD, 1, "attempts:0"),
            "api.example.com",
            Unspec,
        )
    });
    cases
}

fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = TABLE
        .iter()
        .map(|&(what, search, ndots, name, family)| {
            case(what, conf(search, ndots, ""), name, family)
        })
        .collect();
    cases.push(case(
        "no-tld-query",
        conf(POD, 5, "no-tld-query"),
        "solo",
        Inet,
    ));
    // Candidates around the longest name: 60 + 1 + domain + the next, shorter domain.
    let long_name = "n".repeat(60);
    for total in [253, 254, 256] {
        let domain = domain_of_len(total - 61);
        cases.push(case(
            &format!("a {total}-character candidate"),
            conf(&[&domain, "cluster.local"], 5, ""),
            &long_name,
            Inet,
        ));
    }
    // musl reads a search line of up to 254 characters; glibc any.
    for len in [254, 255] {
        let fillers: Vec<String> = (10..25).map(|i| format!("d{i}.example")).collect();
        let mut search: Vec<&str> = fillers.iter().map(String::as_str).collect();
        search.push("corp.example");
        let short = format!("search {}", search.join(" ")).len();
        let padded = format!("{}.example", "p".repeat(len - short + "d10".len()));
        search[0] = &padded;
        cases.push(case(
            &format!("a {len}-character search line"),
            conf(&search, 5, ""),
            "cache",
            Inet,
        ));
    }
    // The kubelet's resolv.conf for a ClusterFirst pod, as the libraries read it.
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "client", "namespace": "ns1"},
        "spec": {"containers": [], "dnsConfig": {"options": [
            {"name": "timeout", "value": "1"}, {"name": "attempts", "value": "1"}
        ]}}
    }))
    .expect("a pod");
    let node = ResolvConf::parse("nameserver 192.0.2.53\nsearch corp.example\n");
    let (kubelet, warnings) = search::pod_resolv_conf(
        &pod,
        &["127.0.0.1".parse().expect("an address")],
        "cluster.local",
        &node,
        SearchLimits::Expanded,
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    for name in ["cache", "reviews.ns2", "solo"] {
        cases.push(case(
            "the kubelet's ClusterFirst resolv.conf",
            kubelet.clone(),
            name,
            Unspec,
        ));
    }
    cases.extend(resend_cases());
    cases
}

/// What dnsmasq replies to a query, from [`RECORDS`] and [`UPSTREAMS`].
fn zone_reply(name: &str, rtype: RecordType) -> Reply {
    let name = name.trim_end_matches('.');
    if let Some((_, addresses)) = RECORDS.iter().find(|(owner, _)| *owner == name) {
        let has_type = addresses
            .iter()
            .any(|a| record_type(a.parse().expect("an address")) == rtype);
        return if has_type {
            Reply::Records
        } else {
            Reply::Empty(Rcode::NoError)
        };
    }
    let upstream = UPSTREAMS
        .iter()
        .find(|u| name == u.domain || name.ends_with(&format!(".{}", u.domain)));
    let Some(Upstream {
        replies: (a, aaaa), ..
    }) = upstream
    else {
        return Reply::Empty(Rcode::NxDomain);
    };
    match if rtype == RecordType::A { a } else { aaaa } {
        Some(rcode) => Reply::Empty(*rcode),
        None => Reply::Timeout,
    }
}

fn record_type(ip: IpAddr) -> RecordType {
    if ip.is_ipv4() {
        RecordType::A
    } else {
        RecordType::AAAA
    }
}

/// The addresses of `name` that `family` asks for.
fn zone_addresses(name: &str, family: AddressFamily) -> Vec<IpAddr> {
    let name = name.trim_end_matches('.');
    RECORDS
        .iter()
        .filter(|(owner, _)| *owner == name)
        .flat_map(|(_, addresses)| addresses.iter())
        .map(|a| a.parse().expect("an address"))
        .filter(|ip| family.query_types().contains(&record_type(*ip)))
        .collect()
}

fn rcode_number(rcode: Rcode) -> u8 {
    match rcode {
        Rcode::NoError => 0,
        Rcode::FormErr => 1,
        Rcode::ServFail => 2,
        Rcode::NxDomain => 3,
        Rcode::NotImp => 4,
        Rcode::Refused => 5,
    }
}

/// dnsmasq's configuration: the zone, with every query logged to `log`.
fn dnsmasq_conf(log: &Path) -> String {
    let mut conf = format!(
        "no-resolv\nno-hosts\nlog-queries\nlog-facility={}\nlisten-address={}\n\
         bind-interfaces\nport=53\nlocal=/#/\n",
        log.display(),
        DNSMASQ_ADDRESSES.join(",")
    );
    for (name, addresses) in RECORDS {
        conf.push_str(&format!("host-record={name},{}\n", addresses.join(",")));
    }
    for upstream in UPSTREAMS {
        conf.push_str(&format!(
            "server=/{}/{}\n",
            upstream.domain, upstream.address
        ));
    }
    conf
}

/// The stand-in upstream servers to start: "ADDRESS A-RCODE AAAA-RCODE" lines, -1 for no reply;
/// none where neither type gets a reply.
fn upstreams_file() -> String {
    let code = |rcode: Option<Rcode>| rcode.map_or(-1, |r| i32::from(rcode_number(r)));
    UPSTREAMS
        .iter()
        .filter(|u| u.replies != (None, None))
        .map(|u| {
            let (a, aaaa) = u.replies;
            format!("{} {} {}\n", u.address, code(a), code(aaaa))
        })
        .collect()
}

/// The path of `program`, or a panic naming the Debian package that installs it.
fn require(program: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is not installed: the search-walk tests need the Debian package \
                 `{package}` (as root: apt-get update && apt-get install -y {package})"
            )
        })
}

/// The helpers built for this run, and the tools the sandbox calls.
struct Tools {
    bin: PathBuf,
    dnsmasq: PathBuf,
    unshare: PathBuf,
    sandbox: PathBuf,
}

/// Builds the C helpers into `dir` and checks that user namespaces work here.
fn build_tools(dir: &Path) -> Tools {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/search_walk");
    let gcc = require("gcc", "gcc");
    let musl_gcc = require("musl-gcc", "musl-tools");
    let dnsmasq = require("dnsmasq", "dnsmasq-base");
    let unshare = require("unshare", "util-linux");
    require("mount", "mount");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("create the helper directory");
    let builds: [(&Path, &[&str], &str, &str); 4] = [
        (&gcc, &[], "resolve.c", "resolve-glibc"),
        (&musl_gcc, &["-static"], "resolve.c", "resolve-musl"),
        (&gcc, &[], "upstream.c", "upstream"),
        (&gcc, &[], "loopback_up.c", "loopback_up"),
    ];
    for (compiler, flags, source, output) in builds {
        let out = Command::new(compiler)
            .args(["-O1", "-Wall", "-Wextra", "-Werror"])
            .args(flags)
            .arg("-o")
            .arg(bin.join(output))
            .arg(sources.join(source))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", compiler.display()));
        assert!(
            out.status.success(),
            "{} {source} failed:\n{}",
            compiler.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let probe = Command::new(&unshare)
        .args(["--map-root-user", "--mount", "--net", "true"])
        .output()
        .expect("run unshare");
    assert!(
        probe.status.success(),
        "`unshare --map-root-user --mount --net` fails here ({}): the search-walk tests need user \
         namespaces (as root: sysctl -w kernel.unprivileged_userns_clone=1, or run the tests as root)",
        String::from_utf8_lossy(&probe.stderr).trim()
    );
    Tools {
        bin,
        dnsmasq,
        unshare,
        sandbox: sources.join("sandbox.sh"),
    }
}

/// Names asked in order, each once with its query types.
type Merged = Vec<(String, BTreeSet<String>)>;
/// The number of queries for each name and type.
type Counts = BTreeMap<(String, String), usize>;

/// What one run of the real library showed.
struct Observed {
    /// Each query the program sent, as name and type, in order.
    queries: Vec<(String, String)>,
    /// The malformed queries it sent.
    malformed: usize,
    /// The program's exit code and output: addresses, or "error EAI_…".
    code: Option<i32>,
    output: String,
    /// dnsmasq's query log and the sandbox's standard error, for failure messages.
    log: String,
}

/// Runs `program` for `case` in a fresh sandbox under `dir`.
fn observe(tools: &Tools, dir: &Path, case: &Case, program: &str) -> Observed {
    std::fs::create_dir_all(dir).expect("create the run directory");
    let log = dir.join("queries.log");
    let files = [
        ("resolv.conf", case.conf.render()),
        ("hosts", "127.0.0.1 localhost\n::1 localhost\n".to_string()),
        ("nsswitch.conf", "hosts: files dns\n".to_string()),
        ("dnsmasq.conf", dnsmasq_conf(&log)),
        ("upstreams", upstreams_file()),
    ];
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write a run file");
    }
    let family = match case.family {
        Inet => "inet",
        Inet6 => "inet6",
        Unspec => "unspec",
    };
    let mut child = Command::new(&tools.unshare)
        .args([
            "--map-root-user",
            "--mount",
            "--net",
            "--pid",
            "--fork",
            "--kill-child",
            "sh",
        ])
        .arg(&tools.sandbox)
        .args([&tools.bin, &tools.dnsmasq, dir])
        .args([program, &case.name, family])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run unshare");
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the sandbox") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let query_log = std::fs::read_to_string(&log).unwrap_or_default();
    let queries = query_log
        .lines()
        .filter(|line| line.ends_with(" from 127.0.0.1"))
        .filter_map(|line| line.split_once("query[")?.1.split_once("] "))
        .map(|(rtype, rest)| {
            let name = rest.split_whitespace().next().unwrap_or_default();
            (format!("{}.", name.to_ascii_lowercase()), rtype.to_string())
        })
        .collect();
    Observed {
        queries,
        malformed: query_log.matches("invalid data").count(),
        code: status.and_then(|s| s.code()),
        output: std::fs::read_to_string(dir.join("answer")).unwrap_or_default(),
        log: format!(
            "{query_log}{stderr}{}",
            if status.is_none() {
                format!("(killed after {RUN_TIMEOUT:?})\n")
            } else {
                String::new()
            }
        ),
    }
}

/// The names of `queries` in the order they first appear, each with all its query types. (With
/// several nameservers dnsmasq may log a late copy of one candidate's query after the next
/// candidate's first.)
fn merge<'a>(queries: impl IntoIterator<Item = &'a (String, String)>) -> Merged {
    let mut merged: Merged = Vec::new();
    for (name, rtype) in queries {
        match merged.iter_mut().find(|(known, _)| known == name) {
            Some((_, types)) => {
                types.insert(rtype.clone());
            }
            None => merged.push((name.clone(), BTreeSet::from([rtype.clone()]))),
        }
    }
    merged
}

/// The queries the walk says the library sends, in order: each name and type it sent, with the
/// number of queries.
fn walk_sends(walk: &search::Walk, family: AddressFamily) -> Vec<((String, String), usize)> {
    walk.asked
        .iter()
        .zip(&walk.sends)
        .flat_map(|(name, sends)| {
            family
                .query_types()
                .iter()
                .zip(sends)
                .filter(|(_, sent)| **sent > 0)
                .map(|(rtype, sent)| ((name.clone(), rtype.to_string()), *sent))
        })
        .collect()
}

/// Compares one run of the real library with the walk; the mismatch, if any.
fn check(tools: &Tools, dir: &Path, case: &Case, libc: Libc) -> Option<String> {
    let name = QueryName::parse(&case.name).expect("a valid name");
    let walk = search::walk(&name, &case.conf, libc, case.family, zone_reply);
    // The walk asks candidates in `candidates`' order (glibc may skip some after a failure).
    let mut order = search::candidates(&name, &case.conf, libc).into_iter();
    assert!(
        walk.asked.iter().all(|asked| order.any(|c| c == *asked)),
        "{libc:?} {}: walk {:?} does not follow candidates {:?}",
        case.name,
        walk.asked,
        search::candidates(&name, &case.conf, libc)
    );
    let program = match libc {
        Libc::Glibc => "resolve-glibc",
        Libc::Musl => "resolve-musl",
    };
    let observed = observe(tools, dir, case, program);
    let expected_sends = walk_sends(&walk, case.family);
    let expected_queries = merge(expected_sends.iter().map(|(query, _)| query));
    let expected_counts: Counts = expected_sends.into_iter().collect();
    let observed_queries = merge(&observed.queries);
    let mut observed_counts = Counts::new();
    for query in &observed.queries {
        *observed_counts.entry(query.clone()).or_default() += 1;
    }
    // With the counts equal, the rest of `sent` must be the malformed queries.
    let counts_match = observed_counts == expected_counts
        && observed.queries.len() + observed.malformed == walk.sent;
    let expected_output = match &walk.end {
        WalkEnd::Answered(answered) => {
            let ips: Vec<String> = zone_addresses(answered, case.family)
                .iter()
                .map(IpAddr::to_string)
                .collect();
            (Some(0), Some(ips.join("\n")))
        }
        // musl's error codes tell a timeout from a negative answer; glibc's are not modelled.
        WalkEnd::GaveUp { reason, .. } => {
            let error = match reason {
                GiveUp::NoData | GiveUp::TooLong => "EAI_NONAME",
                GiveUp::NoUsableReply | GiveUp::RootSearchDomain => "EAI_AGAIN",
            };
            (Some(2), Some(format!("error {error}\n")))
        }
        WalkEnd::NotFound if libc == Libc::Musl => (Some(2), Some("error EAI_NONAME\n".into())),
        WalkEnd::NotFound => (Some(2), None),
    };
    // The libraries order addresses differently (glibc by RFC 6724): compare them sorted.
    let sorted = |output: &str| -> Vec<String> {
        let mut lines: Vec<String> = output.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let output_matches = observed.code == expected_output.0
        && expected_output
            .1
            .as_ref()
            .is_none_or(|out| sorted(out) == sorted(&observed.output));
    if observed_queries == expected_queries && counts_match && output_matches {
        return None;
    }
    let show = |queries: &Merged, counts: &Counts| -> String {
        queries
            .iter()
            .map(|(name, types)| {
                let types: Vec<String> = types
                    .iter()
                    .map(|t| {
                        format!(
                            "{t}×{}",
                            counts.get(&(name.clone(), t.clone())).unwrap_or(&0)
                        )
                    })
                    .collect();
                format!("    {name} {}\n", types.join(" "))
            })
            .collect()
    };
    Some(format!(
        "{libc:?}: {} — {} ({:?})\nresolv.conf:\n{}walk ({:?}, {} sent):\n{}real library (exit {:?}, output {:?}, {} sent, {} malformed):\n{}log:\n{}",
        case.what,
        case.name,
        case.family,
        case.conf.render(),
        walk.end,
        walk.sent,
        show(&expected_queries, &expected_counts),
        observed.code,
        observed.output,
        observed.queries.len() + observed.malformed,
        observed.malformed,
        show(&observed_queries, &observed_counts),
        observed.log
    ))
}

#[test]
fn walks_match_the_real_glibc_and_musl_resolvers() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let tools = build_tools(dir.path());
    let cases = cases();
    let runs: Vec<(usize, &Case, Libc)> = cases
        .iter()
        .flat_map(|case| case.libcs.iter().map(move |libc| (case, *libc)))
        .enumerate()
        .map(|(index, (case, libc))| (index, case, libc))
        .collect();
    let next = AtomicUsize::new(0);
    let mismatches = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL_RUNS {
            scope.spawn(|| {
                while let Some(&(index, case, libc)) =
                    runs.get(next.fetch_add(1, Ordering::Relaxed))
                {
                    let run_dir = dir.path().join(format!("run-{index}"));
                    // The real libraries' resends follow wall-clock time-outs: a run that differs
                    // while the machine is loaded is run once more, alone of its kind, before it
                    // counts as a difference.
                    let again = || {
                        check(
                            &tools,
                            &dir.path().join(format!("rerun-{index}")),
                            case,
                            libc,
                        )
                    };
                    if let Some(mismatch) =
                        check(&tools, &run_dir, case, libc).and_then(|_| again())
                    {
                        mismatches
                            .lock()
                            .expect("the mismatch list")
                            .push((index, mismatch));
                    }
                }
            });
        }
    });
    let mut mismatches = mismatches.into_inner().expect("the mismatch list");
    mismatches.sort();
    let report: Vec<String> = mismatches.into_iter().map(|(_, m)| m).collect();
    assert!(
        report.is_empty(),
        "{} of {} runs differ from the real libraries:\n\n{}",
        report.len(),
        runs.len(),
        report.join("\n")
    );
}
