//! Stand-ins for a live cluster: a fake Kubernetes API server (discovery, lists, RBAC, pod
//! port-forward over WebSocket), a fake istiod debug endpoint, real DNS servers (Knot, dnsmasq),
//! kubeconfig files, a CoreDNS-like zone generator and a sample cluster.
#![allow(dead_code)]

mod api_resources;
pub mod dns_servers;
pub mod dns_wire;
pub mod fake_api;
pub mod fake_istiod;
pub mod faults;
pub mod kubeconfig;
mod portforward;
pub mod sample;
mod selectors;
mod selftest;
mod server_thread;
pub mod zone;

// Re-exports for the live-mode tests; not every one is used by the self-tests.
#[allow(unused_imports)]
pub use dns_servers::{Dnsmasq, Knot, SidecarDns, require_binary};
#[allow(unused_imports)]
pub use fake_api::{ApiRequest, DEFAULT_USER, FakeApi, Role, Rule};
pub use fake_istiod::FakeIstiod;
#[allow(unused_imports)]
pub use kubeconfig::{KubeContext, Kubeconfig, kubectl_binary, write_kubeconfig};
pub use zone::coredns_zone;
