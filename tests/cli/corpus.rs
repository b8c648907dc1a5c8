//! The bad-input corpus: every case is a line of a `fixtures/bad-inputs/*.jsonl` file (the format
//! is in `fixtures/bad-inputs/README.md`), run against the real binary. Whatever the input, meshdig
//! exits with the documented code within a bounded time, never panics, prints an error as one
//! escaped line of bounded length, writes no raw control character, and never prints the secret
//! token every kubeconfig carries, at any verbosity.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::harness::faults::{FaultyDns, FaultyHttp};
use crate::harness::sample::{BOOKINFO, PRODUCTPAGE_PROXY_ID, sample_cluster};
use crate::harness::{FakeApi, FakeIstiod};
use crate::support::{Run, fixture, repo, run};

/// The token every kubeconfig of the corpus carries; no output may contain it.
pub const SECRET: &str = "MESHDIG-TEST-SECRET-7f3a9c";

/// No case may take longer than this (every one runs with short time-outs).
const WALL_TIME: Duration = Duration::from_secs(12);

/// How many cases run at once: most of a case's time is spent waiting (for a process to start,
/// a time-out to pass), so more than the cores.
const WORKERS: usize = 8;

/// The longest error line meshdig may print (its own bound plus the prefix and help pointer).
const MAX_LINE: usize = 1200;

/// One line of a corpus file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The command line; the file's default when absent.
    #[serde(default)]
    args: Option<Vec<String>>,
    /// The text of the file under test (`{file}`).
    #[serde(default)]
    text: Option<String>,
    /// Instead of `text`: the healthy snapshot with the first `[from, to]` replaced.
    #[serde(default)]
    patch: Option<[String; 2]>,
    /// The extension of `{file}` (default `json`).
    #[serde(default)]
    ext: Option<String>,
    /// An exec credential plugin script (`{plugin}`).
    #[serde(default)]
    plugin: Option<String>,
    /// The faulty server's behaviour (`{dns}`, `{http}`).
    #[serde(default)]
    fault: Option<String>,
    /// The exit code.
    exit: i32,
    /// Text the output (stderr, or stdout for a report) must contain.
    says: String,
    /// With `-o json`: the status each named source must have.
    #[serde(default)]
    status: Option<serde_json::Map<String, Value>>,
}

impl Case {
    /// True when the case's kubeconfig or plugin holds the secret: only then do the runs at `-v`
    /// and `-vv` have something to leak.
    fn holds_secret(&self) -> bool {
        let args = self.args.iter().flatten();
        let texts = [&self.text, &self.plugin].into_iter().flatten();
        args.chain(texts)
            .any(|t| t.contains("{secret}") || t.contains("{api}"))
    }
}

/// The cases of `fixtures/bad-inputs/<name>`.
pub fn cases(name: &str) -> Vec<Case> {
    let path = repo().join("fixtures/bad-inputs").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1))
        })
        .collect()
}

/// `«N*TEXT»` repeated, then every `{name}` of `vars` replaced.
fn expand(text: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('«') {
        out.push_str(&rest[..open]);
        let inner = &rest[open + '«'.len_utf8()..];
        let close = inner.find('»').expect("a closing »");
        let (count, unit) = inner[..close].split_once('*').expect("«N*TEXT»");
        out.push_str(&unit.repeat(count.parse().expect("a count")));
        rest = &inner[close + '»'.len_utf8()..];
    }
    out.push_str(rest);
    for (name, value) in vars {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// What a case runs against: files in a temporary directory, and the servers it names.
struct Setup {
    _dir: tempfile::TempDir,
    vars: Vec<(&'static str, String)>,
    _servers: Vec<Box<dyn std::any::Any>>,
}

impl Setup {
    fn new(case: &Case) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut vars: Vec<(&'static str, String)> = vec![
            ("healthy", path_str(&fixture("bookinfo-healthy.json"))),
            ("fixtures", path_str(&repo().join("fixtures"))),
            ("dir", path_str(dir.path())),
            ("secret", SECRET.to_string()),
        ];
        if let Some(script) = &case.plugin {
            let plugin = dir.path().join("plugin.sh");
            std::fs::write(&plugin, expand(script, &vars)).unwrap();
            std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            vars.push(("plugin", path_str(&plugin)));
        }
        let servers = start_servers(case, &mut vars);
        if let Some(text) = file_text(case, &vars) {
            let name = format!("case.{}", case.ext.as_deref().unwrap_or("json"));
            let file = dir.path().join(name);
            std::fs::write(&file, text).unwrap();
            vars.push(("file", path_str(&file)));
        }
        Self {
            _dir: dir,
            vars,
            _servers: servers,
        }
    }
}

/// Starts the servers the case names (`{dns}`, `{good-dns}`, `{http}`, `{istiod}`, `{api}`) and
/// adds their addresses to `vars`; they stop when the returned list is dropped.
fn start_servers(
    case: &Case,
    vars: &mut Vec<(&'static str, String)>,
) -> Vec<Box<dyn std::any::Any>> {
    let args = case.args.as_ref().map(|a| a.join(" ")).unwrap_or_default();
    let text = case.text.as_deref().unwrap_or_default();
    let needs = |var: &str| {
        let placeholder = format!("{{{var}}}");
        args.contains(&placeholder) || text.contains(&placeholder)
    };
    let fault = case.fault.as_deref().unwrap_or("silent");
    let mut servers: Vec<Box<dyn std::any::Any>> = Vec::new();
    for (var, dns_fault) in [("dns", fault), ("good-dns", "answer")] {
        if needs(var) {
            let dns = FaultyDns::start(dns_fault);
            vars.push((var, dns.addr().to_string()));
            servers.push(Box::new(dns));
        }
    }
    if needs("http") {
        let http = FaultyHttp::start(fault);
        vars.push(("http", http.url()));
        servers.push(Box::new(http));
    }
    if needs("istiod") {
        let istiod = FakeIstiod::start();
        istiod.set_ndsz(PRODUCTPAGE_PROXY_ID, 200, &json!({"table": {}}));
        vars.push(("istiod", format!("http://{}", istiod.addr())));
        servers.push(Box::new(istiod));
    }
    if needs("api") {
        let api = FakeApi::with_objects(sample_cluster());
        api.set_token(Some(SECRET));
        let kubeconfig = api.kubeconfig("test", BOOKINFO);
        vars.push(("api", kubeconfig.path_str().to_string()));
        servers.push(Box::new(api));
        servers.push(Box::new(kubeconfig));
    }
    servers
}

/// The contents of the case's `{file}`: its `text`, or the healthy snapshot patched.
fn file_text(case: &Case, vars: &[(&str, String)]) -> Option<String> {
    match (&case.text, &case.patch) {
        (Some(text), _) => Some(expand(text, vars)),
        (None, Some([from, to])) => {
            let healthy = std::fs::read_to_string(fixture("bookinfo-healthy.json")).unwrap();
            let from = expand(from, vars);
            assert!(healthy.contains(&from), "the healthy snapshot has {from:?}");
            Some(healthy.replacen(&from, &expand(to, vars), 1))
        }
        (None, None) => None,
    }
}

fn path_str(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_string()
}

/// Runs every case of `file` (with `default` as the command line of cases without `args`) at each
/// of `verbosities` (the verbose ones only for cases that hold the secret), spread over [`WORKERS`] threads, and reports every case that fails.
pub fn run_corpus(file: &str, default: &[&str], verbosities: &[&str]) {
    let cases = cases(file);
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    for verbosity in verbosities
                        .iter()
                        .filter(|v| v.is_empty() || case.holds_secret())
                    {
                        if let Err(why) = run_case(case, default, verbosity) {
                            failures.lock().unwrap().push(why);
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {file}'s cases failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn run_case(case: &Case, default: &[&str], verbosity: &str) -> Result<(), String> {
    let setup = Setup::new(case);
    let args: Vec<String> = match &case.args {
        Some(args) => args.iter().map(|a| expand(a, &setup.vars)).collect(),
        None => default.iter().map(|a| expand(a, &setup.vars)).collect(),
    };
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    if !verbosity.is_empty() {
        all.push(verbosity);
    }
    let label = || {
        let shown: Vec<String> = all.iter().map(|a| a.chars().take(80).collect()).collect();
        format!("{shown:?} (says {:?})", case.says)
    };
    let started = Instant::now();
    let out = run(&all);
    let took = started.elapsed();
    check(case, &out, verbosity, took).map_err(|why| {
        let stderr: String = out.stderr.chars().take(600).collect();
        let stdout: String = out.stdout.chars().take(600).collect();
        format!(
            "{}: {why}\n  exit {}; stderr: {stderr:?}\n  stdout: {stdout:?}",
            label(),
            out.code
        )
    })
}

/// Everything the corpus promises of one run.
fn check(case: &Case, out: &Run, verbosity: &str, took: Duration) -> Result<(), String> {
    let fail = |why: String| Err(why);
    if out.stderr.contains("panicked") || out.stderr.contains("RUST_BACKTRACE") {
        return fail("it panicked".into());
    }
    if took > WALL_TIME {
        return fail(format!("took {took:?}"));
    }
    if out.stdout.contains(SECRET) || out.stderr.contains(SECRET) {
        return fail("the secret was printed".into());
    }
    if out.code != case.exit {
        return fail(format!("exit {} instead of {}", out.code, case.exit));
    }
    let raw = |text: &str| {
        text.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    };
    if raw(&out.stdout) {
        return fail("a raw control character on stdout".into());
    }
    if verbosity.is_empty() {
        if raw(&out.stderr) {
            return fail("a raw control character on stderr".into());
        }
        if out.stdout.is_empty() && out.stderr.lines().count() != 1 {
            return fail("not one line on stderr".into());
        }
        if out.stderr.lines().any(|l| l.len() > MAX_LINE) {
            return fail("a line on stderr is too long".into());
        }
        if !out.stderr.is_empty() && !out.stderr.starts_with("meshdig: ") {
            return fail("stderr does not start with 'meshdig: '".into());
        }
        if !(out.stderr.contains(&case.says) || out.stdout.contains(&case.says)) {
            return fail(format!("{:?} is not in the output", case.says));
        }
        if let Some(status) = &case.status {
            let doc: Value = serde_json::from_str(&out.stdout)
                .map_err(|e| format!("stdout is not JSON: {e}"))?;
            for (source, want) in status {
                let got = &crate::support::source(&doc, source)["status"];
                if got != want {
                    return fail(format!("{source} is {got}, not {want}"));
                }
            }
        }
    } else if out.stderr.contains('\u{1b}') {
        return fail(format!("a raw escape on stderr at {verbosity}"));
    }
    Ok(())
}
