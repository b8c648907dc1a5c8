//! `meshdig resolvconf --from POD`: the pod's resolv.conf as the kubelet writes it, from a snapshot
//! or a live cluster, with what the kubelet's limits dropped.

use std::fmt::Write as _;
use std::net::IpAddr;

use k8s_openapi::api::core::v1::Pod;

use crate::cli::ResolvconfArgs;
use crate::emulate::kube_dns::cluster_ips;
use crate::error::{Error, ExitCode, Result};
use crate::live::api::{Kind, Reader};
use crate::live::capture::find_pod;
use crate::live::connect::{KubeSettings, connect};
use crate::objects::ns_name;
use crate::search::{self, ResolvConf};
use crate::workload::{self, KubeletDns};

/// Prints the derived resolv.conf; notes about dropped entries follow as comments.
pub async fn run(args: &ResolvconfArgs) -> Result<ExitCode> {
    crate::input::one_stdin(&[
        ("--snapshot", args.snapshot.as_deref()),
        ("--node-resolv-conf", args.node_resolv_conf.as_deref()),
    ])?;
    let (pod, mut kubelet) = match &args.snapshot {
        Some(path) => {
            reject_cluster_flags(args)?;
            let snapshot = crate::engine::load_snapshot(path).await?;
            let namespace = args
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_string());
            let pod = workload::resolve(&snapshot.objects, &namespace, &args.from)?.to_pod();
            (pod, KubeletDns::of_snapshot(&snapshot))
        }
        None => live_pod(args).await?,
    };
    if let Some(path) = &args.node_resolv_conf {
        let bytes = crate::input::read_bounded(path, crate::input::MAX_INPUT_BYTES)
            .await
            .map_err(|e| {
                Error::Usage(format!(
                    "cannot read --node-resolv-conf {}: {e}",
                    crate::error::quoted(&path.display().to_string())
                ))
            })?;
        kubelet.node = ResolvConf::parse(&String::from_utf8_lossy(&bytes));
    }
    let (conf, notes) = search::pod_resolv_conf(
        &pod,
        &kubelet.cluster_dns,
        &kubelet.domain,
        &kubelet.node,
        args.limits,
    );
    let (namespace, name) = ns_name(&pod.metadata);
    let written = Written {
        namespace,
        pod: name,
        policy: pod
            .spec
            .as_ref()
            .and_then(|s| s.dns_policy.as_deref())
            .unwrap_or("ClusterFirst"),
        conf: &conf,
        notes: &notes,
    };
    super::print(
        args.output.format,
        |_| written.text(),
        || written.document(),
    )?;
    Ok(ExitCode::Agree)
}

/// Live API flags next to --snapshot are refused: nothing would use them.
fn reject_cluster_flags(args: &ResolvconfArgs) -> Result<()> {
    match args.cluster.given().as_slice() {
        [] => Ok(()),
        flags => Err(Error::Usage(format!(
            "{} cannot be combined with --snapshot: the pod is read from the snapshot",
            flags.join(", ")
        ))),
    }
}

/// A pod's resolv.conf as the kubelet writes it, with the notes on what its limits dropped.
struct Written<'a> {
    namespace: &'a str,
    pod: &'a str,
    policy: &'a str,
    conf: &'a ResolvConf,
    notes: &'a [String],
}

impl Written<'_> {
    /// The file itself, under a comment naming the pod; an unknown nameserver and the notes as comments.
    fn text(&self) -> String {
        let mut out = format!(
            "# resolv.conf of pod {}/{} (dnsPolicy {}), as the kubelet writes it\n",
            self.namespace, self.pod, self.policy
        );
        for line in self.conf.render().lines() {
            if line == format!("nameserver {UNKNOWN}") {
                out.push_str("# nameserver: unknown (no Service kube-system/kube-dns in the input; set cluster.cluster_dns)\n");
            } else {
                let _ = writeln!(out, "{line}");
            }
        }
        for note in self.notes {
            let _ = writeln!(out, "# note: {note}");
        }
        out
    }

    /// The JSON document (docs/search.md): the file's fields, with an unknown nameserver left out.
    fn document(&self) -> serde_json::Value {
        let options: Vec<String> = self
            .conf
            .options
            .iter()
            .map(|(name, value)| match value {
                Some(value) => format!("{name}:{value}"),
                None => name.clone(),
            })
            .collect();
        serde_json::json!({
            "schema_version": 1,
            "namespace": self.namespace,
            "pod": self.pod,
            "dns_policy": self.policy,
            "nameservers": self.conf.nameservers.iter().filter(|ip| **ip != UNKNOWN).map(ToString::to_string).collect::<Vec<_>>(),
            "search": self.conf.search,
            "ndots": self.conf.ndots,
            "options": options,
            "notes": self.notes,
        })
    }
}

/// The nameserver of a snapshot that names no cluster DNS service.
const UNKNOWN: IpAddr = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

/// The pod and the kubelet's settings from a live cluster: the cluster DNS servers are the ClusterIPs
/// of Service kube-system/kube-dns.
async fn live_pod(args: &ResolvconfArgs) -> Result<(Pod, KubeletDns)> {
    let kube = connect(&KubeSettings {
        kubeconfig: args.cluster.kubeconfig.clone(),
        context: args.cluster.context.clone(),
        request_timeout: args.cluster.request_timeout,
    })
    .await?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| kube.default_namespace.clone());
    let reader = Reader::new(kube);
    let pod = find_pod(&reader, &namespace, &args.from).await?;
    let services = reader
        .list(&Kind::SERVICE, Some("kube-system"), None, None)
        .await
        .map_err(|e| Error::Cluster(e.to_string()))?;
    let cluster_dns: Vec<IpAddr> = services
        .into_iter()
        .filter_map(|s| serde_json::from_value::<k8s_openapi::api::core::v1::Service>(s).ok())
        .find(|s| s.metadata.name.as_deref() == Some("kube-dns"))
        .map(|s| cluster_ips(&s))
        .unwrap_or_default();
    let kubelet = KubeletDns {
        domain: args
            .cluster
            .cluster_domain
            .trim_end_matches('.')
            .to_string(),
        cluster_dns,
        node: ResolvConf::default(),
    };
    Ok((pod, kubelet))
}
