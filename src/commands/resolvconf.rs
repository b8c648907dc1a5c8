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
    let (pod, mut kubelet) = match &args.snapshot {
        Some(path) => {
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
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Usage(format!(
                "cannot read --node-resolv-conf {}: {e}",
                path.display()
            ))
        })?;
        kubelet.node = ResolvConf::parse(&text);
    }
    let (conf, notes) = search::pod_resolv_conf(
        &pod,
        &kubelet.cluster_dns,
        &kubelet.domain,
        &kubelet.node,
        args.limits,
    );
    let (namespace, name) = ns_name(&pod.metadata);
    let policy = pod
        .spec
        .as_ref()
        .and_then(|s| s.dns_policy.as_deref())
        .unwrap_or("ClusterFirst");
    let mut out = format!(
        "# resolv.conf of pod {namespace}/{name} (dnsPolicy {policy}), as the kubelet writes it\n"
    );
    let unknown = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
    for line in conf.render().lines() {
        if line == format!("nameserver {unknown}") {
            out.push_str("# nameserver: unknown (no Service kube-system/kube-dns in the input; set cluster.cluster_dns)\n");
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
    for note in notes {
        let _ = writeln!(out, "# note: {note}");
    }
    super::emit(&out)?;
    Ok(ExitCode::Agree)
}

/// The pod and the kubelet's settings from a live cluster: the cluster DNS servers are the ClusterIPs
/// of Service kube-system/kube-dns.
async fn live_pod(args: &ResolvconfArgs) -> Result<(Pod, KubeletDns)> {
    let kube = connect(&KubeSettings {
        kubeconfig: args.live.kubeconfig.clone(),
        context: args.live.context.clone(),
        request_timeout: args.live.request_timeout,
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
        domain: args.live.cluster_domain.trim_end_matches('.').to_string(),
        cluster_dns,
        node: ResolvConf::default(),
    };
    Ok((pod, kubelet))
}
