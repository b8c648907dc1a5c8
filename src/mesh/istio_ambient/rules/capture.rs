//! What the app gets when its DNS does not reach ztunnel, or ztunnel has no VIP to give: DNS
//! capture off for an ambient pod (istio-cni's default before Istio 1.25, or the pod's
//! annotation; istio#54896, #54981), and a waypoint-bound service resolved to addresses that are
//! not its VIP, so that ztunnel never sends its traffic to the waypoint.

use std::net::IpAddr;

use super::super::codes;
use super::super::detect::DNS_CAPTURE_ANNOTATION;
use super::super::objects::USE_WAYPOINT_LABEL;
use super::super::server::Reply;
use super::super::settings::AmbientSettings;
use super::{state_evidence, view};
use crate::finding::{Code, Severity};
use crate::model::{Answer, Evidence};
use crate::rules::evidence::pod_evidence;
use crate::rules::{RuleInput, RuleOutput};
use crate::workload::Workload;

/// The codes [`capture_off`] may emit.
pub(super) const CAPTURE_OFF: &[Code] = &[codes::AMBIENT_DNS_CAPTURE_OFF];

/// An ambient pod whose DNS istio-cni does not redirect to ztunnel: the app asks kube-dns.
pub(super) fn capture_off(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(workload) = ambient_pod(input).filter(|w| !w.captures_dns()) else {
        return out;
    };
    let evidence = capture_evidence(input, workload);
    let kube = input.answers.kube;
    let would = view(input).and_then(|v| match &v.expected {
        Some(Reply::Local(local)) if local.answer.has_addresses() => Some(local),
        _ => None,
    });
    let kube_text = kube.map_or("nothing".to_string(), Answer::brief);
    match would {
        Some(local) if kube.is_none_or(|k| !k.same_as(&local.answer)) => out.add(
            codes::AMBIENT_DNS_CAPTURE_OFF,
            Severity::Warning,
            format!(
                "istio-cni does not redirect the DNS of ambient pod {}/{} to ztunnel, so the app gets kube-dns's answer ({kube_text}); with DNS capture on ztunnel would answer {} for {}: the VIP by which the mesh routes that traffic (to its ServiceEntry, through a waypoint)",
                workload.namespace,
                workload.pod,
                local.answer.brief(),
                local.host
            ),
            evidence,
        ),
        _ => out.add(
            codes::AMBIENT_DNS_CAPTURE_OFF,
            Severity::Info,
            format!(
                "istio-cni does not redirect the DNS of ambient pod {}/{} to ztunnel: the app's queries go straight to kube-dns",
                workload.namespace, workload.pod
            ),
            evidence,
        ),
    }
    out
}

/// Why capture is off, as evidence: the pod's annotation, or the mesh's release default.
fn capture_evidence(input: &RuleInput<'_>, workload: &Workload) -> Vec<Evidence> {
    let derived = input.derived;
    match AmbientSettings::of_workload(workload).dns_capture {
        Some(value) => pod_evidence(
            derived,
            &format!("metadata.annotations[{DNS_CAPTURE_ANNOTATION}]"),
            value.to_string(),
        ),
        None => {
            let mesh = derived.input.world.mesh;
            vec![Evidence::object("Mesh", None, &mesh.kind).field(
                "version (values.cni.ambient.dnsCapture defaults to true only since 1.25)",
                mesh.version.clone().unwrap_or_else(|| "unknown".into()),
            )]
        }
    }
}

/// The codes [`waypoint_without_vip`] may emit.
pub(super) const WAYPOINT: &[Code] = &[codes::WAYPOINT_WITHOUT_VIP];

/// A service bound to a waypoint, which the app resolves to addresses other than its VIP.
pub(super) fn waypoint_without_vip(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let (Some(view), Some(workload)) = (view(input), ambient_pod(input)) else {
        return out;
    };
    let host = input
        .derived
        .input
        .question
        .fqdn
        .trim_end_matches('.')
        .to_string();
    let service = match &view.expected {
        Some(Reply::Local(local)) => view.expected_state.as_ref().and_then(|s| {
            s.services_named(&local.host)
                .find(|s| s.namespace == local.namespace)
        }),
        _ => view
            .expected_state
            .as_ref()
            .and_then(|s| s.services_named(&host).next()),
    };
    let Some(service) = service.filter(|s| s.waypoint) else {
        return out;
    };
    let app = if workload.captures_dns() {
        input.answers.sidecar
    } else {
        input.answers.kube
    };
    let Some(app) = app.filter(|a| a.has_addresses()) else {
        return out;
    };
    let vips: Vec<IpAddr> = service.vips.iter().map(|(_, ip)| *ip).collect();
    if app.addresses().iter().any(|ip| vips.contains(ip)) {
        return out;
    }
    let why = if vips.is_empty() {
        "it has no VIP (no address declared and none allocated)".to_string()
    } else if !workload.captures_dns() {
        "the pod's DNS does not reach ztunnel, which would answer its VIP".to_string()
    } else {
        "ztunnel did not answer its VIP".to_string()
    };
    let domain = input
        .derived
        .input
        .world
        .cluster
        .domain
        .trim_end_matches('.');
    let kind = if service.hostname.ends_with(&format!(".svc.{domain}")) {
        "Service"
    } else {
        "ServiceEntry"
    };
    let evidence = vec![
        Evidence::object(kind, Some(&service.namespace), &service.name).field(
            format!("{USE_WAYPOINT_LABEL} (on it or its namespace)"),
            "set",
        ),
        state_evidence(view, &service.hostname),
    ];
    out.add(
        codes::WAYPOINT_WITHOUT_VIP,
        Severity::Warning,
        format!(
            "{} is bound to a waypoint, but the app resolves it to {}, not its VIP: {why}, so ztunnel sends the traffic straight to those addresses and the waypoint's policies never apply",
            service.hostname,
            app.brief()
        ),
        evidence,
    );
    out
}

/// The asking pod, when it is in the ambient mesh.
fn ambient_pod<'a>(input: &'a RuleInput<'a>) -> Option<&'a Workload> {
    input
        .derived
        .input
        .workload
        .filter(|w| w.dns_proxy() == Some(super::super::NAME))
}
