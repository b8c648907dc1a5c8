//! Real DNS servers from Debian packages on ephemeral 127.0.0.1 ports (UDP and TCP), stopped on
//! drop: Knot (`knotd`, package `knot`) as the authoritative kube-dns stand-in, and dnsmasq
//! (package `dnsmasq-base`) as the sidecar DNS proxy. A missing binary fails the test with the
//! install command; it never skips.

use std::fs::File;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use tempfile::TempDir;

use super::dns_wire;

/// The command that installs every binary the harness runs.
pub const INSTALL_HINT: &str = "apt-get install -y knot dnsmasq-base";

const START_TIMEOUT: Duration = Duration::from_secs(5);
const BIND_ATTEMPTS: usize = 5;

/// The path of `program`, or a panic naming its Debian `package` and the install command.
pub fn require_binary(program: &str, package: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for extra in [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        dirs.push(PathBuf::from(extra));
    }
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is not installed: the test harness needs the Debian package `{package}` \
                 (as root: apt-get update && {INSTALL_HINT})"
            )
        })
}

/// A port free on 127.0.0.1 for both TCP and UDP at the time of the call (the server binds it
/// afterwards, so a start-up retries on a bind race).
fn free_port() -> u16 {
    for _ in 0..100 {
        let tcp = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        let port = tcp.local_addr().expect("an address").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no port free for both TCP and UDP on 127.0.0.1");
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A started server process, killed and reaped on drop.
struct Daemon {
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary` on a fresh port until `ready` holds, retrying when the port was taken meanwhile.
/// `configure(port)` writes the configuration and returns the arguments.
fn start(
    label: &str,
    binary: &Path,
    stderr_log: &Path,
    configure: &dyn Fn(u16) -> Vec<String>,
    ready: &dyn Fn(SocketAddr) -> bool,
) -> (Daemon, SocketAddr) {
    let mut last_log = String::new();
    for _ in 0..BIND_ATTEMPTS {
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let args = configure(port);
        let log = File::create(stderr_log).expect("create the server log");
        let child = Command::new(binary)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
        let mut daemon = Daemon { child };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = daemon.child.try_wait().expect("poll the server") {
                last_log = read_log(stderr_log);
                let lower = last_log.to_lowercase();
                if lower.contains("address already in use") || lower.contains("address in use") {
                    break; // bind race: another port
                }
                panic!(
                    "{label} exited with {status} during start-up ({} {}); its log:\n{last_log}",
                    binary.display(),
                    args.join(" ")
                );
            }
            if ready(addr) {
                return (daemon, addr);
            }
            if Instant::now() > deadline {
                drop(daemon);
                panic!(
                    "{label} did not answer on {addr} within {START_TIMEOUT:?}; its log:\n{}",
                    read_log(stderr_log)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("{label} could not bind a free port in {BIND_ATTEMPTS} attempts; last log:\n{last_log}");
}

/// Knot DNS serving zones authoritatively on 127.0.0.1:<port>, UDP and TCP.
pub struct Knot {
    daemon: Daemon,
    addr: SocketAddr,
    dir: TempDir,
}

impl Knot {
    /// Serves `zone_text` as `cluster.local` (see [`super::zone::coredns_zone`]).
    pub fn start(zone_text: &str) -> Self {
        Self::start_zones(&[("cluster.local", zone_text)])
    }

    /// Serves several zones: (origin without trailing dot, zone text) pairs. Ready when the first
    /// zone's SOA is answered over UDP and TCP accepts connections.
    pub fn start_zones(zones: &[(&str, &str)]) -> Self {
        assert!(!zones.is_empty(), "Knot needs at least one zone");
        let binary = require_binary("knotd", "knot");
        let dir = tempfile::tempdir().expect("a temporary directory for knot");
        let root = dir.path().to_path_buf();
        for sub in ["run", "db"] {
            std::fs::create_dir_all(root.join(sub)).expect("create knot directories");
        }
        let mut zone_section = String::from("zone:\n");
        for (origin, text) in zones {
            let origin = origin.trim_end_matches('.');
            std::fs::write(root.join(format!("{origin}.zone")), text).expect("write a zone file");
            zone_section.push_str(&format!("  - domain: {origin}\n    file: {origin}.zone\n"));
        }
        let conf = root.join("knot.conf");
        let configure = |port: u16| {
            let text = format!(
                "server:\n    rundir: \"{dir}/run\"\n    listen: 127.0.0.1@{port}\n\
                 log:\n  - target: stderr\n    any: info\n\
                 database:\n    storage: \"{dir}/db\"\n\
                 template:\n  - id: default\n    storage: \"{dir}\"\n    zonefile-sync: -1\n    \
                 zonefile-load: whole\n    journal-content: none\n\
                 {zone_section}",
                dir = root.display()
            );
            std::fs::write(&conf, text).expect("write knot.conf");
            vec!["-c".to_string(), conf.display().to_string()]
        };
        let probe_name = format!("{}.", zones[0].0.trim_end_matches('.'));
        let ready = |addr: SocketAddr| {
            let soa = dns_wire::udp_query(
                addr,
                &probe_name,
                RecordType::SOA,
                Duration::from_millis(200),
            );
            matches!(soa, Ok(m) if m.metadata.response_code == ResponseCode::NoError && !m.answers.is_empty())
                && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        };
        let (daemon, addr) = start(
            "knotd",
            &binary,
            &root.join("knotd.log"),
            &configure,
            &ready,
        );
        Self { daemon, addr, dir }
    }

    /// 127.0.0.1:<port>.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// What knotd printed so far (for failure messages).
    pub fn log(&self) -> String {
        read_log(&self.dir.path().join("knotd.log"))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.daemon.child.id()
    }
}

/// What the dnsmasq sidecar stand-in answers itself, and where it forwards everything else.
#[derive(Debug, Clone)]
pub struct SidecarDns {
    /// `host-record=<name>,<ip>`: the exact name only.
    pub host_records: Vec<(String, IpAddr)>,
    /// `address=/<domain>/<ip>`: the domain and every name under it.
    pub addresses: Vec<(String, IpAddr)>,
    /// `cname=<alias>,<target>`: the target must be a local name (a host record).
    pub cnames: Vec<(String, String)>,
    /// `server=127.0.0.1#<port>`; None: answer REFUSED for everything not local.
    pub upstream: Option<SocketAddr>,
    /// `local-ttl`, the TTL of local answers (default 30).
    pub local_ttl: u32,
}

impl Default for SidecarDns {
    fn default() -> Self {
        Self {
            host_records: Vec::new(),
            addresses: Vec::new(),
            cnames: Vec::new(),
            upstream: None,
            local_ttl: 30,
        }
    }
}

impl SidecarDns {
    /// Nothing local, no upstream, local TTL 30.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forwards what is not local to `upstream` (must be on 127.0.0.1).
    pub fn upstream(mut self, upstream: SocketAddr) -> Self {
        assert!(upstream.ip().is_loopback(), "upstream must be loopback");
        self.upstream = Some(upstream);
        self
    }

    /// Answers exactly `name` with `ip` (A or AAAA by family).
    pub fn host_record(mut self, name: &str, ip: &str) -> Self {
        let ip = ip.parse().unwrap_or_else(|e| panic!("bad IP {ip}: {e}"));
        self.host_records
            .push((name.trim_end_matches('.').to_string(), ip));
        self
    }

    /// Answers `domain` and every name under it with `ip`.
    pub fn address(mut self, domain: &str, ip: &str) -> Self {
        let ip = ip.parse().unwrap_or_else(|e| panic!("bad IP {ip}: {e}"));
        self.addresses
            .push((domain.trim_end_matches('.').to_string(), ip));
        self
    }

    /// Answers `alias` with `CNAME target` plus the target's local records, as the Istio agent's
    /// search-domain shortcut does.
    pub fn cname(mut self, alias: &str, target: &str) -> Self {
        self.cnames.push((
            alias.trim_end_matches('.').to_string(),
            target.trim_end_matches('.').to_string(),
        ));
        self
    }

    /// Sets the TTL of local answers.
    pub fn local_ttl(mut self, ttl: u32) -> Self {
        self.local_ttl = ttl;
        self
    }

    fn config(&self, port: u16, query_log: &Path) -> String {
        let mut conf = format!(
            "port={port}\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nno-poll\n\
             pid-file=\nuser=\nlog-queries\nlog-facility={}\nlocal-ttl={}\ncache-size=0\n",
            query_log.display(),
            self.local_ttl
        );
        for (name, ip) in &self.host_records {
            conf.push_str(&format!("host-record={name},{ip}\n"));
        }
        for (domain, ip) in &self.addresses {
            conf.push_str(&format!("address=/{domain}/{ip}\n"));
        }
        for (alias, target) in &self.cnames {
            conf.push_str(&format!("cname={alias},{target}\n"));
        }
        if let Some(upstream) = self.upstream {
            conf.push_str(&format!("server={}#{}\n", upstream.ip(), upstream.port()));
        }
        conf
    }
}

/// dnsmasq as the Istio sidecar DNS proxy on 127.0.0.1:<port>, UDP and TCP, logging every query.
pub struct Dnsmasq {
    daemon: Daemon,
    addr: SocketAddr,
    dir: TempDir,
}

impl Dnsmasq {
    /// Starts dnsmasq (`dnsmasq -k -C <conf>`) with `config`.
    pub fn start(config: &SidecarDns) -> Self {
        let binary = require_binary("dnsmasq", "dnsmasq-base");
        let dir = tempfile::tempdir().expect("a temporary directory for dnsmasq");
        let root = dir.path().to_path_buf();
        let conf = root.join("dnsmasq.conf");
        let query_log = root.join("queries.log");
        let configure = |port: u16| {
            std::fs::write(&conf, config.config(port, &query_log)).expect("write dnsmasq.conf");
            vec![
                "-k".to_string(),
                "-C".to_string(),
                conf.display().to_string(),
            ]
        };
        let ready = |addr: SocketAddr| {
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        };
        let (daemon, addr) = start(
            "dnsmasq",
            &binary,
            &root.join("dnsmasq.stderr"),
            &configure,
            &ready,
        );
        Self { daemon, addr, dir }
    }

    /// 127.0.0.1:<port>.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Standard error followed by the query log.
    pub fn log(&self) -> String {
        format!(
            "{}{}",
            read_log(&self.dir.path().join("dnsmasq.stderr")),
            read_log(&self.dir.path().join("queries.log"))
        )
    }

    /// The questions received so far as (type, name), e.g. ("A", "reviews.default.svc.cluster.local").
    pub fn queries(&self) -> Vec<(String, String)> {
        read_log(&self.dir.path().join("queries.log"))
            .lines()
            .filter_map(|line| {
                let rest = &line[line.find("query[")? + "query[".len()..];
                let (rtype, rest) = rest.split_once("] ")?;
                let name = rest.split_whitespace().next()?;
                Some((rtype.to_string(), name.to_string()))
            })
            .collect()
    }

    /// The second of the day (from the log's `HH:MM:SS`) at which each question was received, in
    /// order: dnsmasq stamps its log lines to the second.
    pub fn query_seconds(&self) -> Vec<u32> {
        read_log(&self.dir.path().join("queries.log"))
            .lines()
            .filter(|line| line.contains(" query["))
            .filter_map(|line| {
                let clock = line.split_whitespace().nth(2)?;
                let mut parts = clock.split(':').map(|p| p.parse::<u32>().ok());
                let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
                Some(h * 3600 + m * 60 + s)
            })
            .collect()
    }

    /// Waits up to `timeout` until `predicate` holds on the query log (dnsmasq writes it asynchronously).
    pub fn wait_for_log(&self, timeout: Duration, predicate: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if predicate(&read_log(&self.dir.path().join("queries.log"))) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.daemon.child.id()
    }
}
