//! Spec emulators: pure functions that predict what each DNS layer must answer from the cluster's objects.

pub mod kube_dns;
