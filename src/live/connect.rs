//! Connecting to a cluster the way kubectl does: `--kubeconfig`, the `KUBECONFIG` list or
//! `~/.kube/config`, `--context`, the context's namespace, and in-cluster configuration inside a pod.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result, quoted, redacted};
use crate::live::exec_plugin::PluginGuard;

/// How to reach the API server.
#[derive(Debug, Clone)]
pub struct KubeSettings {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// Bound on every API request (connect, read, write).
    pub request_timeout: Duration,
}

/// A connected client and what the kubeconfig said about defaults.
#[derive(Clone)]
pub struct Kube {
    pub client: Client,
    pub default_namespace: String,
    /// The API server URL, for messages (never credentials).
    pub server: String,
    pub request_timeout: Duration,
}

/// Builds a client from the kubeconfig (or the in-cluster service account) with TLS verification on.
pub async fn connect(settings: &KubeSettings) -> Result<Kube> {
    // kube's rustls needs a process-wide crypto provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let options = KubeConfigOptions {
        context: settings.context.clone(),
        ..KubeConfigOptions::default()
    };
    let mut config = client_config(settings, &options).await?;
    refuse_unsendable(&config)?;
    config.connect_timeout = Some(settings.request_timeout);
    config.read_timeout = Some(settings.request_timeout);
    config.write_timeout = Some(settings.request_timeout);
    let server = config.cluster_url.to_string();
    let default_namespace = config.default_namespace.clone();
    let client = build_client(config, &server, settings.request_timeout).await?;
    Ok(Kube {
        client,
        default_namespace,
        server,
        request_timeout: settings.request_timeout,
    })
}

/// The client configuration `settings` name: the kubeconfig (or the in-cluster service account).
async fn client_config(settings: &KubeSettings, options: &KubeConfigOptions) -> Result<Config> {
    let kubeconfig_error = |e: kube::config::KubeconfigError| {
        Error::Kubeconfig(format!(
            "{}; check --kubeconfig, KUBECONFIG and --context",
            redacted(&e.to_string())
        ))
    };
    let config = match &settings.kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path).map_err(|e| {
                Error::Kubeconfig(format!(
                    "cannot read kubeconfig {}: {} (its contents are not shown: they can hold credentials)",
                    quoted(&path.display().to_string()),
                    redacted(&e.to_string())
                ))
            })?;
            Config::from_custom_kubeconfig(file, options)
                .await
                .map_err(kubeconfig_error)?
        }
        None => match read_kubeconfig() {
            Ok(file) => Config::from_custom_kubeconfig(file, options)
                .await
                .map_err(kubeconfig_error)?,
            Err(_) if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => Config::incluster()
                .map_err(|e| Error::Kubeconfig(format!("in-cluster configuration failed: {e}")))?,
            Err(e) => {
                return Err(Error::Kubeconfig(format!(
                    "no usable kubeconfig ({}); pass --kubeconfig, set KUBECONFIG, or use --snapshot FILE",
                    redacted(&e.to_string())
                )));
            }
        },
    };
    Ok(config)
}

/// Builds the client from `config`, within `timeout`.
async fn build_client(config: Config, server: &str, timeout: Duration) -> Result<Client> {
    // Building the client runs the kubeconfig's exec credential plugin, which may never return:
    // off the runtime's thread and bounded, so --request-timeout and Ctrl-C still hold, and a
    // plugin still running when the wait ends (time-out, Ctrl-C) is ended by the guard.
    let plugin = PluginGuard::arm();
    let building = tokio::task::spawn_blocking(move || Client::try_from(config));
    let built = tokio::time::timeout(timeout, building).await;
    if built.is_ok() {
        plugin.disarm();
    }
    match built {
        Ok(Ok(Ok(client))) => Ok(client),
        Ok(Ok(Err(e))) => {
            let why = redacted(&e.to_string());
            Err(Error::Kubeconfig(match exec_status(&why) {
                Some(status) => format!(
                    "the kubeconfig's exec credential plugin failed ({status}); run it yourself to see why (its output is not shown: it can hold credentials)"
                ),
                None => format!(
                    "cannot build a client for {server}: {why} (details are not shown: they can hold credentials)"
                ),
            }))
        }
        Ok(Err(e)) => Err(Error::Kubeconfig(format!(
            "cannot build a client for {server}: {e}"
        ))),
        Err(_) => Err(Error::Kubeconfig(format!(
            "no credentials for {server} within {} (--request-timeout): the kubeconfig's exec credential plugin did not return and was stopped; does it wait for input?",
            crate::sources::dns::human(timeout)
        ))),
    }
}

/// Refuses credentials the HTTP client cannot send (it would panic building the header): a token,
/// user name or password with control characters or newlines, and credentials written into the
/// server URL, which no Kubernetes client sends. The message names the field, never its value.
fn refuse_unsendable(config: &Config) -> Result<()> {
    use secrecy::ExposeSecret;
    let scheme = config.cluster_url.scheme_str().unwrap_or_default();
    if !matches!(scheme, "https" | "http") {
        return Err(Error::Kubeconfig(format!(
            "the cluster's server URL is not https:// (it is '{}://…'); give the API server's https:// URL",
            quoted(scheme)
        )));
    }
    if config
        .cluster_url
        .authority()
        .is_some_and(|a| a.as_str().contains('@'))
    {
        return Err(Error::Kubeconfig(
            "the cluster's server URL holds credentials (user:password@host); Kubernetes clients do not send them: put them in the kubeconfig's user entry".to_string(),
        ));
    }
    let auth = &config.auth_info;
    let fields = [
        (
            "token",
            auth.token.as_ref().map(|t| t.expose_secret().to_string()),
        ),
        ("username", auth.username.clone()),
        (
            "password",
            auth.password
                .as_ref()
                .map(|p| p.expose_secret().to_string()),
        ),
    ];
    for (field, value) in fields {
        if value.is_some_and(|v| v.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)) {
            return Err(Error::Kubeconfig(format!(
                "the kubeconfig user's {field} holds control characters or a line break, which an HTTP header cannot carry (its value is not shown); copy it again without them"
            )));
        }
    }
    Ok(())
}

/// `exit status: N` of kube's message for an exec plugin that failed, whose rest is a Rust dump of
/// the process output.
fn exec_status(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("failed with status ")?;
    rest.split_once(": Output").map(|(status, _)| status)
}

/// The kubeconfig kubectl would read: the files of `KUBECONFIG` that exist, merged in order (kubectl
/// skips missing entries of the list), else `~/.kube/config`.
fn read_kubeconfig() -> std::result::Result<Kubeconfig, kube::config::KubeconfigError> {
    let Some(list) = std::env::var_os("KUBECONFIG") else {
        return Kubeconfig::read();
    };
    let existing: Vec<PathBuf> = std::env::split_paths(&list)
        .filter(|p| !p.as_os_str().is_empty() && p.exists())
        .collect();
    let Some((first, rest)) = existing.split_first() else {
        return Kubeconfig::read_from(std::env::split_paths(&list).next().unwrap_or_default());
    };
    rest.iter()
        .try_fold(Kubeconfig::read_from(first)?, |merged, path| {
            merged.merge(Kubeconfig::read_from(path)?)
        })
}
