//! The finding codes the Istio sidecar's rules emit, documented in `docs/findings.md`.

use crate::finding::Code;

/// A name only the agent answers (a short name, a ServiceEntry host).
pub const MESH_ONLY_NAME: Code = Code::new("mesh-only-name");
/// The agent answers a VIP istiod allocated.
pub const AUTO_ALLOCATED_VIP: Code = Code::new("auto-allocated-vip");
/// A ServiceEntry host with no address the agent could answer.
pub const SERVICEENTRY_UNRESOLVABLE: Code = Code::new("serviceentry-unresolvable");
/// The agent answers from an old table.
pub const STALE_SIDECAR: Code = Code::new("stale-sidecar");
/// istiod's table is behind the objects.
pub const STALE_CONTROL_PLANE: Code = Code::new("stale-control-plane");
/// The sidecar does not capture DNS.
pub const DNS_CAPTURE_OFF: Code = Code::new("dns-capture-off");
/// The agent's CNAME for a known name plus the first search domain.
pub const SEARCH_DOMAIN_CNAME: Code = Code::new("search-domain-cname");
/// The agent says NODATA where kube-dns says NXDOMAIN.
pub const NODATA_VS_NXDOMAIN: Code = Code::new("nodata-vs-nxdomain");
/// A Sidecar resource scopes the host out of the proxy's table.
pub const SCOPED_OUT: Code = Code::new("scoped-out");
/// The agent's fixed TTL.
pub const MESH_TTL: Code = Code::new("mesh-ttl");
/// The agent has no table yet.
pub const NOT_SYNCED: Code = Code::new("not-synced");
/// Endpoints from other clusters of the mesh.
pub const MULTICLUSTER_ENDPOINTS: Code = Code::new("multicluster-endpoints");
