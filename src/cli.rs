//! The command line: clap definitions for every subcommand and the global flags.

// Doc comments here are --help text, where brackets mark optional parts (`ADDR[:PORT]`), not links.
#![allow(rustdoc::broken_intra_doc_links)]

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

use crate::query::{QueryName, QueryType};
use crate::search::{AddressFamily, Libc, SearchLimits};

/// Examples and exit codes, shown at the end of `--help` (and in the man pages' EXAMPLES and EXIT
/// STATUS); the contract is `docs/exit-codes.md`.
const MESHDIG_HELP: &str = "\
Examples:
  meshdig diff reviews --from deploy/productpage-v1 -n bookinfo
  meshdig diff reviews --from pod/productpage-v1-7d9 -n bookinfo --snapshot case.json -o json
  meshdig explain stale-sidecar

Exit codes:
  0    every layer agrees, or every difference is by design
  1    a discrepancy: a finding of severity error
  2    usage or input error (flag, name, snapshot file)
  3    a source could not be asked, and nothing worse was found
  130  interrupted (Ctrl-C)";

/// meshdig's version with the commit it was built from, which the release script records in
/// `MESHDIG_COMMIT` (`0.1.0 (commit 1a2b3c4)`).
pub fn version() -> String {
    let commit = option_env!("MESHDIG_COMMIT").unwrap_or("not recorded: not a release build");
    format!("{} (commit {commit})", env!("CARGO_PKG_VERSION"))
}

/// Ask every DNS layer of a Kubernetes service mesh the same question, diff the answers and explain
/// each difference.
#[derive(Debug, Parser)]
#[command(name = "meshdig", version = version(), after_help = MESHDIG_HELP, propagate_version = true)]
pub struct Cli {
    /// When to colour the output: auto colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged.
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask kube-dns, the sidecar and the control plane one question, diff the answers against the
    /// objects and explain every difference.
    #[command(after_help = "\
Examples:
  meshdig diff reviews --from deploy/productpage-v1 -n bookinfo
  meshdig diff reviews ratings -t A -t AAAA --from pod/productpage-v1-7d9 -n bookinfo
  meshdig diff api.example.com. --from pod/web-0 -n shop --snapshot case.json -o yaml

Exit codes:
  0    every layer agrees, or every difference is by design
  1    a discrepancy: a finding of severity error
  2    usage or input error (flag, name, snapshot file)
  3    a source could not be asked, and nothing worse was found
  130  interrupted (Ctrl-C)")]
    Diff(DiffArgs),

    /// Capture a live cluster (objects, mesh settings, name table, every layer's answers) into a
    /// snapshot file that `meshdig diff --snapshot` replays offline: the reproducible case for a bug report.
    /// `meshdig snapshot show FILE` lists what a snapshot holds.
    #[command(after_help = "\
Examples:
  meshdig snapshot reviews ratings -t A -t AAAA --from deploy/productpage-v1 -n bookinfo --file case.json
  meshdig snapshot reviews --from pod/productpage-v1-7d9 -n bookinfo --file - | gzip > case.json.gz

Exit codes:
  0    the snapshot was written (sources that could not be asked are recorded in it)
  2    usage or input error, or the file cannot be written
  3    the cluster could not be asked at all
  130  interrupted (Ctrl-C)")]
    Snapshot(SnapshotArgs),

    /// Run a file of expectations (YAML or JSON) against a live cluster or a snapshot:
    /// exit 1 when one fails, with a readable reason, JSON and JUnit for CI.
    #[command(after_help = "\
Examples:
  meshdig check -f dns-checks.yaml --junit dns.xml
  meshdig check -f dns-checks.yaml --snapshot case.json -o json

Exit codes:
  0    every expectation holds
  1    an expectation failed
  2    usage or input error; a bad check file is named with its line and field
  3    a layer an expectation needs could not be asked, and nothing failed
  130  interrupted (Ctrl-C)")]
    Check(CheckArgs),

    /// Print a pod's resolv.conf as the kubelet writes it (dnsPolicy, dnsConfig, the node's search
    /// domains, the kubelet's limits), from a live cluster or a snapshot.
    #[command(after_help = "\
Examples:
  meshdig resolvconf --from deploy/productpage-v1 -n bookinfo
  meshdig resolvconf --from pod/web-0 -n shop --snapshot case.json --limits legacy

Exit codes:
  0    the resolv.conf was printed
  2    usage or input error (flag, unknown pod, snapshot file)
  3    the cluster could not be asked
  130  interrupted (Ctrl-C)")]
    Resolvconf(ResolvconfArgs),

    /// Diff every Service, headless per-pod name and ServiceEntry host a workload can see, in a
    /// namespace or everywhere, and summarise the findings by code.
    #[command(after_help = "\
Examples:
  meshdig audit -n bookinfo --from deploy/productpage-v1
  meshdig audit -A --from pod/web-0 -n shop --snapshot case.json -o json

Exit codes:
  0    every name agrees, or every difference is by design
  1    a discrepancy for at least one name
  2    usage or input error
  3    some name could not be fully asked, and nothing worse was found
  130  interrupted (Ctrl-C): the partial report is printed")]
    Audit(AuditArgs),

    /// Ask one layer one exact question and print the whole reply like dig: header, flags, EDNS,
    /// question, answer, authority and additional sections, query time.
    #[command(after_help = "\
Examples:
  meshdig dig kubernetes.default.svc.cluster.local
  meshdig dig @sidecar reviews.bookinfo.svc.cluster.local AAAA --from deploy/productpage-v1 -n bookinfo
  meshdig dig @control-plane api.example.com --from pod/web-0 -n shop -o json
  meshdig dig @10.96.0.10 _http._tcp.reviews.bookinfo.svc.cluster.local SRV +tcp
  meshdig dig @127.0.0.1:5353 10.96.0.10
  meshdig dig @127.0.0.1 -p 5353 -x 10.96.0.10 +short
  meshdig dig @10.96.0.10 reviews.bookinfo.svc.cluster.local +noall +answer

Exit codes:
  0    an answer came back (any status, NXDOMAIN and SERVFAIL included, as with dig)
  2    usage or input error (word, flag, name)
  3    the layer could not be asked (the one line on stderr names the cause)
  130  interrupted (Ctrl-C)")]
    Dig(DigArgs),

    /// Explain a finding code offline: what it means, when meshdig reports it, its evidence and
    /// what to do. Without a code, list the codes.
    #[command(after_help = "\
Examples:
  meshdig explain stale-sidecar
  meshdig explain

Exit codes:
  0    the code is explained (or the codes are listed)
  2    usage error, or a code meshdig does not know")]
    Explain(ExplainArgs),

    /// Write shell completions and man pages (for packagers and the project's own checks).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Arguments of `meshdig diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The names to look up, each diffed in a section of its own. A relative name (no trailing dot)
    /// is walked through the pod's search list as its resolver walks it. End it with '.' to ask it exactly.
    #[arg(value_name = "NAME", value_hint = ValueHint::Other, value_parser = parse_name, required = true)]
    pub names: Vec<QueryName>,

    /// The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …); repeat for several
    /// [default: A, or PTR when NAME is an IP address].
    #[arg(short = 't', long = "type", value_name = "TYPE", value_hint = ValueHint::Other, value_parser = parse_type)]
    pub types: Vec<QueryType>,

    /// The pod the question is asked from: pod/NAME, deploy/NAME or a pod name.
    #[arg(long, value_name = "POD", value_hint = ValueHint::Other, value_parser = parse_from)]
    pub from: Option<String>,

    /// The namespace of --from, and of relative names [default: the context's namespace, or
    /// "default" with --snapshot].
    #[arg(short = 'n', long, value_name = "NS", value_hint = ValueHint::Other)]
    pub namespace: Option<String>,

    /// Replay this snapshot file (- reads standard input) instead of asking a live cluster.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub snapshot: Option<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// How the app's resolver walks a relative name: every command that diffs takes these.
#[derive(Debug, Clone, Copy, Args)]
pub struct WalkArgs {
    /// The resolver library whose search walk a relative name takes: glibc, or musl for Alpine
    /// images. The verdict is about what that library ends up with.
    #[arg(long, value_enum, default_value_t = Libc::Glibc)]
    pub libc: Libc,

    /// The address family getaddrinfo is asked for in the walk [default: from --type: inet for A,
    /// inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do.
    #[arg(long, value_enum, value_name = "FAMILY")]
    pub family: Option<AddressFamily>,
}

/// Arguments of `meshdig snapshot`: a capture, or `show` to list a snapshot.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SnapshotArgs {
    #[command(subcommand)]
    pub show: Option<SnapshotShow>,

    /// The names whose answers to record (relative names expand as in `meshdig diff`).
    #[arg(value_parser = parse_name)]
    pub names: Vec<QueryName>,

    /// The record types to ask for each name (repeat for several) [default: A, or PTR for an IP address].
    #[arg(short = 't', long = "type", value_name = "TYPE", value_hint = ValueHint::Other, value_parser = parse_type)]
    pub types: Vec<QueryType>,

    /// The pod the questions are asked from: pod/NAME, deploy/NAME or a pod name.
    #[arg(long, value_name = "POD", value_hint = ValueHint::Other, value_parser = parse_from)]
    pub from: Option<String>,

    /// The namespace of --from, and of relative names [default: the context's namespace].
    #[arg(short = 'n', long, value_name = "NS", value_hint = ValueHint::Other)]
    pub namespace: Option<String>,

    /// The snapshot file to write; - writes it to standard output.
    #[arg(long = "file", value_name = "FILE", value_hint = ValueHint::FilePath, required = true)]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// `meshdig snapshot show`.
#[derive(Debug, Subcommand)]
pub enum SnapshotShow {
    /// List what a snapshot holds: its cluster and mesh, objects by kind, proxies and their name
    /// tables, and every recorded question with each source's answer.
    #[command(after_help = "\
Examples:
  meshdig snapshot show case.json
  meshdig snapshot show case.json -o json | jq '.questions[].name'

Exit codes:
  0    the snapshot was listed
  2    usage or input error: the file cannot be read or is no valid snapshot")]
    Show(ShowArgs),
}

/// Arguments of `meshdig snapshot show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The snapshot file to list.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `meshdig audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Audit the names of this namespace (also the namespace of --from) [default: the context's, or "default"].
    #[arg(short = 'n', long, value_name = "NS", value_hint = ValueHint::Other)]
    pub namespace: Option<String>,

    /// Audit the names of every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// The workload whose view is audited: pod/NAME, deploy/NAME or a pod name.
    #[arg(long, value_name = "POD", value_hint = ValueHint::Other, value_parser = parse_from)]
    pub from: Option<String>,

    /// Audit this snapshot (- reads standard input) instead of a live cluster; names it holds no
    /// answers for are counted apart.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub snapshot: Option<PathBuf>,

    /// Ask each name as an app in the workload's namespace types it (`svc`, `svc.ns`, a
    /// ServiceEntry host without the dot), walked by --libc, instead of fully qualified.
    #[arg(long)]
    pub as_typed: bool,

    #[command(flatten)]
    pub walk: WalkArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// Arguments of `meshdig resolvconf`.
#[derive(Debug, Args)]
pub struct ResolvconfArgs {
    /// The pod: pod/NAME, deploy/NAME or a pod name.
    #[arg(long, value_name = "POD", value_hint = ValueHint::Other, value_parser = parse_from)]
    pub from: String,

    /// The pod's namespace [default: the context's namespace, or "default" with --snapshot].
    #[arg(short = 'n', long, value_name = "NS", value_hint = ValueHint::Other)]
    pub namespace: Option<String>,

    /// Read the pod from this snapshot (- reads standard input) instead of a live cluster.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub snapshot: Option<PathBuf>,

    /// The node's resolv.conf (the kubelet's --resolv-conf; - reads standard input), whose search
    /// domains follow the cluster's.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub node_resolv_conf: Option<PathBuf>,

    /// The kubelet's search list limits: expanded (32 domains, 2048 characters) or legacy (6, 256).
    #[arg(long, value_enum, default_value_t = SearchLimits::Expanded)]
    pub limits: SearchLimits,

    #[command(flatten)]
    pub output: OutputArgs,

    /// resolvconf reads the pod through the Kubernetes API only, so it takes no DNS layer flags.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// Arguments of `meshdig check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The expectations: YAML, or JSON when the name ends in .json; - reads
    /// standard input.
    #[arg(short = 'f', long = "file", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub file: PathBuf,

    /// Check this snapshot (- reads standard input) instead of a live cluster.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub snapshot: Option<PathBuf>,

    /// The namespace of expectations that name none [default: the file's defaults, then the context's].
    #[arg(short = 'n', long, value_name = "NS", value_hint = ValueHint::Other)]
    pub namespace: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Also write a JUnit XML report here, for CI systems; - writes it to standard output in
    /// place of the report.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub junit: Option<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// Arguments of `meshdig dig`.
#[derive(Debug, Args)]
pub struct DigArgs {
    /// dig-style words, in any order: @SOURCE, NAME, TYPE and +OPTIONS.
    ///
    /// @SOURCE is @kube-dns (default: a ready CoreDNS pod through a port-forward, or --kube-dns),
    /// @sidecar (the --from pod's mesh DNS proxy), @control-plane (what the mesh's control plane's
    /// name table for the --from pod's proxy answers, synthesized as the proxy would) or @IP[:PORT] (port 53; asked
    /// directly over UDP, again over TCP when truncated).
    ///
    /// NAME is asked exactly as given plus a trailing dot: no search list is applied (unlike
    /// `meshdig diff`). An IP address as NAME asks its reverse name (in-addr.arpa or ip6.arpa), as
    /// `dig -x` does.
    ///
    /// TYPE is A (default; PTR for an IP address), AAAA, CNAME, SRV, PTR, TXT or any other type name,
    /// in any case.
    ///
    /// +tcp asks over TCP (+notcp: UDP); +norec clears the RD flag (+rec sets it, the default);
    /// +dnssec sets the DO bit, +noedns sends no OPT record, +bufsize=N offers N bytes over UDP;
    /// +timeout=SECONDS and +tries=N as dig's; +short prints only the answer's data; +noall, then
    /// +cmd, +comments, +question, +answer, +authority, +additional or +stats print only those
    /// parts (each also as +noPART).
    #[arg(value_name = "WORD", value_hint = ValueHint::Other)]
    pub words: Vec<String>,

    /// The port to ask @IP and @localhost on, as dig's -p [default: 53].
    #[arg(short = 'p', value_name = "PORT", value_hint = ValueHint::Other)]
    pub port: Option<u16>,

    /// Ask the reverse name of this address (PTR), as dig's -x.
    #[arg(short = 'x', value_name = "ADDR", value_hint = ValueHint::Other)]
    pub reverse: Option<IpAddr>,

    /// The record type, as dig's -t (instead of a TYPE word).
    #[arg(short = 't', value_name = "TYPE", value_hint = ValueHint::Other)]
    pub rtype: Option<String>,

    /// IPv4 only, as dig's -4: @localhost is 127.0.0.1, and an IPv6 @IP is refused.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// IPv6 only, as dig's -6: @localhost is ::1, and an IPv4 @IP is refused.
    #[arg(short = '6')]
    pub ipv6: bool,

    /// The pod whose layer @sidecar and @control-plane ask: pod/NAME, deploy/NAME or a pod name.
    #[arg(long, value_name = "POD", value_hint = ValueHint::Other, value_parser = parse_from)]
    pub from: Option<String>,

    /// The namespace of --from [default: the context's namespace].
    #[arg(short = 'n', long, value_name = "NS", value_hint = ValueHint::Other)]
    pub namespace: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Not supported: `meshdig dig` asks a live layer (replay snapshots with `meshdig diff --snapshot`).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, hide = true)]
    pub snapshot: Option<PathBuf>,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// How to reach a live cluster and its DNS layers.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Live cluster")]
pub struct LiveArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Bound on each DNS layer's answer and on the control plane's reply.
    #[arg(long, value_name = "DURATION", value_hint = ValueHint::Other, default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// How many questions are asked of the layers at once (at most this many in flight on each
    /// port-forward or socket).
    #[arg(long, value_name = "N", value_hint = ValueHint::Other, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,

    /// At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to
    /// one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on
    /// production DNS; raise it for a large audit of a lab cluster.
    #[arg(long, value_name = "N", value_hint = ValueHint::Other, default_value_t = NonZeroU32::new(crate::pace::DEFAULT_QPS).expect("above 0"), value_parser = parse_qps)]
    pub qps: NonZeroU32,

    /// Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS.
    #[arg(long, value_name = "ADDR[:PORT]", value_hint = ValueHint::Other, value_parser = parse_dns_address)]
    pub kube_dns: Option<SocketAddr>,

    /// Ask the pod's mesh DNS proxy at this address (the mesh's port unless given, e.g. 15053 for
    /// Istio's sidecar) instead of through a port-forward.
    #[arg(long, value_name = "ADDR[:PORT]", value_hint = ValueHint::Other, value_parser = parse_given_address)]
    pub sidecar: Option<GivenAddress>,

    /// Read the mesh control plane's debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the
    /// mesh's port unless given, e.g. 15014 for istiod) instead of through port-forwards.
    #[arg(long, value_name = "URL", value_hint = ValueHint::Other, value_parser = parse_control_plane_url)]
    pub control_plane: Option<GivenAddress>,
}

/// An address given on the command line; without a port, the layer it names gives it (the mesh's
/// DNS proxy port, its control plane's debug port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GivenAddress {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl GivenAddress {
    /// The address, at `port` when none was given.
    pub fn or_port(self, port: u16) -> SocketAddr {
        SocketAddr::new(self.ip, self.port.unwrap_or(port))
    }
}

/// How to reach a live cluster's Kubernetes API.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Live cluster")]
pub struct ClusterArgs {
    /// The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod's service account].
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use [default: the current context].
    #[arg(long, value_name = "NAME", value_hint = ValueHint::Other)]
    pub context: Option<String>,

    /// Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m).
    #[arg(long, value_name = "DURATION", value_hint = ValueHint::Other, default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// The cluster DNS domain.
    #[arg(long, value_name = "DOMAIN", value_hint = ValueHint::Other, default_value = "cluster.local", value_parser = parse_domain)]
    pub cluster_domain: String,
}

impl ClusterArgs {
    /// The API flags given on the command line, by name.
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("--kubeconfig", self.kubeconfig.is_some()),
            ("--context", self.context.is_some()),
            (
                "--request-timeout",
                self.request_timeout != Duration::from_secs(10),
            ),
            ("--cluster-domain", self.cluster_domain != "cluster.local"),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect()
    }
}

impl LiveArgs {
    /// The live flags given on the command line, by name, for rejecting them next to --snapshot.
    pub fn given(&self) -> Vec<&'static str> {
        let defaults = Self::default_values();
        let mut given = self.cluster.given();
        given.extend(
            [
                ("--timeout", self.timeout != defaults.timeout),
                ("--concurrency", self.concurrency != defaults.concurrency),
                ("--qps", self.qps != defaults.qps),
                ("--kube-dns", self.kube_dns.is_some()),
                ("--sidecar", self.sidecar.is_some()),
                ("--control-plane", self.control_plane.is_some()),
            ]
            .into_iter()
            .filter_map(|(flag, given)| given.then_some(flag)),
        );
        given
    }

    fn default_values() -> Self {
        Self {
            cluster: ClusterArgs {
                kubeconfig: None,
                context: None,
                request_timeout: Duration::from_secs(10),
                cluster_domain: "cluster.local".to_string(),
            },
            timeout: Duration::from_secs(5),
            concurrency: 16,
            qps: NonZeroU32::new(crate::pace::DEFAULT_QPS).expect("above 0"),
            kube_dns: None,
            sidecar: None,
            control_plane: None,
        }
    }
}

/// Arguments of `meshdig explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The finding code, as a report prints it (e.g. stale-sidecar).
    #[arg(value_name = "CODE", value_hint = ValueHint::Other)]
    pub code: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of the hidden `meshdig generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The directory that receives `completions/` and `man/`.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, default_value = ".")]
    pub out_dir: PathBuf,
}

/// `-o`, the one output flag of every command that prints a report.
#[derive(Debug, Clone, Copy, Args)]
pub struct OutputArgs {
    /// Output format, in any case: table (for people), wide (more columns), json or yaml.
    #[arg(short = 'o', long = "output", value_name = "FORMAT", value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// How a report is printed, in kubectl's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A table or text for people (`text` is the same).
    #[value(alias = "text")]
    Table,
    /// The table with more columns.
    Wide,
    /// One JSON document.
    Json,
    /// The same document as YAML.
    Yaml,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `pod/NAME`, `deploy/NAME` or a bare pod name (whether it exists is known only later).
fn parse_from(input: &str) -> Result<String, String> {
    crate::workload::parse_spec(input).map(|_| input.to_string())
}

fn parse_name(input: &str) -> Result<QueryName, String> {
    QueryName::parse(input).map_err(|e| e.to_string())
}

fn parse_type(input: &str) -> Result<QueryType, String> {
    input
        .parse()
        .map_err(|e: crate::error::Error| e.to_string())
}

/// `10s`, `500ms`, `2m`, or a number of seconds.
fn parse_duration(input: &str) -> Result<Duration, String> {
    let (number, unit) = match input.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => input.split_at(at),
        None => (input, "s"),
    };
    let shown = crate::error::quoted(input);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{shown}' is not a duration; write e.g. 10s, 500ms or 1m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => {
            return Err(format!(
                "'{shown}' has unknown unit '{}'; use ms, s or m",
                crate::error::quoted(unit)
            ));
        }
    };
    if !(0.001..=3600.0).contains(&seconds) {
        return Err(format!(
            "'{shown}' is out of range; give a duration from 1ms up to 1h"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A number of queries a second, from 1 to a million.
fn parse_qps(input: &str) -> Result<NonZeroU32, String> {
    input
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .and_then(NonZeroU32::new)
        .ok_or_else(|| {
            format!(
                "'{}' is not a number of queries a second from 1 to 1000000",
                input.escape_debug()
            )
        })
}

/// An IP address with an optional port (`10.96.0.10`, `10.96.0.10:53`, `[::1]:53`, `::1`).
fn parse_domain(input: &str) -> Result<String, String> {
    crate::query::check_domain(input)
        .map(|()| input.to_string())
        .map_err(|why| {
            format!(
                "invalid cluster domain '{}': {why}",
                crate::error::quoted(input)
            )
        })
}

/// `IP`, `IP:PORT`, `[IPv6]` or `[IPv6]:PORT`; brackets must be balanced.
pub(crate) fn parse_given_address(input: &str) -> Result<GivenAddress, String> {
    if let Ok(addr) = input.parse::<SocketAddr>() {
        return Ok(GivenAddress {
            ip: addr.ip(),
            port: Some(addr.port()),
        });
    }
    let bare = match input.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']'),
        None => Some(input),
    };
    bare.and_then(|ip| ip.parse::<IpAddr>().ok())
        .map(|ip| GivenAddress { ip, port: None })
        .ok_or_else(|| {
            format!(
                "'{}' is not an IP address with an optional port (e.g. 10.96.0.10:53 or [::1]:53)",
                crate::error::quoted(input)
            )
        })
}

fn parse_dns_address(input: &str) -> Result<SocketAddr, String> {
    parse_given_address(input).map(|a| a.or_port(53))
}

/// `http://ADDR[:PORT]`, with at most a `/`: meshdig asks the control plane's debug paths itself.
fn parse_control_plane_url(input: &str) -> Result<GivenAddress, String> {
    let shown = crate::error::quoted(input);
    let rest = input
        .strip_prefix("http://")
        .ok_or_else(|| format!("'{shown}' is not an http:// URL (e.g. http://127.0.0.1:15014)"))?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return Err(format!(
            "'{shown}' has a path or query; give only http://ADDR[:PORT] (meshdig asks the debug paths itself)"
        ));
    }
    parse_given_address(authority).map_err(|e| format!("{e} in URL '{shown}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations_and_addresses() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(
            parse_duration("0s").is_err()
                && parse_duration("5h").is_err()
                && parse_duration("x").is_err()
        );
        assert_eq!(
            parse_dns_address("10.96.0.10"),
            Ok("10.96.0.10:53".parse().unwrap())
        );
        let loopback6 = "::1".parse().unwrap();
        assert_eq!(
            parse_given_address("[::1]"),
            Ok(GivenAddress {
                ip: loopback6,
                port: None
            })
        );
        assert_eq!(
            parse_given_address("[::1]:5353").map(|a| a.or_port(15053)),
            Ok("[::1]:5353".parse().unwrap())
        );
        assert_eq!(
            parse_control_plane_url("http://127.0.0.1/").map(|a| a.or_port(15014)),
            Ok("127.0.0.1:15014".parse().unwrap())
        );
        assert!(parse_control_plane_url("http://127.0.0.1/debug").is_err());
        assert!(parse_control_plane_url("http://127.0.0.1:15014?x=1").is_err());
        assert!(parse_dns_address("[::1").is_err() && parse_dns_address("::1]").is_err());
        assert_eq!(parse_dns_address("[::1]"), Ok("[::1]:53".parse().unwrap()));
        for bad in [
            "",
            "..",
            "a..b",
            "cluster local",
            "-bad-.local",
            "bad-.local",
            "*.local",
        ] {
            assert!(parse_domain(bad).is_err(), "{bad:?}");
        }
        assert!(parse_domain("cluster.local.").is_ok() && parse_domain("my-corp.internal").is_ok());
        assert!(parse_control_plane_url("https://istiod").is_err());
        assert!(parse_dns_address("kube-dns.kube-system").is_err());
        assert_eq!(parse_qps("20").map(NonZeroU32::get), Ok(20));
        for bad in ["0", "-1", "1000001", "1.5", "fast", ""] {
            assert!(parse_qps(bad).is_err(), "{bad:?}");
        }
    }
}
