//! The finding codes the Istio ambient rules emit, documented in `docs/findings.md`.

use crate::finding::Code;

/// ztunnel CNAMEs a search-expanded name to the stripped, non-FQDN name.
pub const ZTUNNEL_STRIPPED_CNAME: Code = Code::new("ztunnel-stripped-cname");
/// A name only ztunnel answers (a ServiceEntry host's VIP, a short form kube-dns does not serve).
pub const ZTUNNEL_ONLY_NAME: Code = Code::new("ztunnel-only-name");
/// istio-cni does not redirect the ambient pod's DNS to ztunnel.
pub const AMBIENT_DNS_CAPTURE_OFF: Code = Code::new("ambient-dns-capture-off");
/// ztunnel knows no workload for the asking pod, so it answers SERVFAIL.
pub const ZTUNNEL_UNKNOWN_CLIENT: Code = Code::new("ztunnel-unknown-client");
/// ztunnel's state is behind the objects.
pub const STALE_ZTUNNEL: Code = Code::new("stale-ztunnel");
/// A waypoint-bound service reached without its VIP, so its traffic skips the waypoint.
pub const WAYPOINT_WITHOUT_VIP: Code = Code::new("waypoint-without-vip");
