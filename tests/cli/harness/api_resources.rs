//! The resource types the fake API server knows, and the discovery documents built from them
//! (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`, legacy and aggregated v2).

use serde_json::{Value, json};

/// The Istio networking group, whose served versions a test can change.
pub(crate) const ISTIO_GROUP: &str = "networking.istio.io";

const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// A subresource listed in discovery: name, response kind and verbs.
pub(crate) struct Subresource {
    pub(crate) name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) verbs: &'static [&'static str],
}

/// One resource type of one API group.
pub(crate) struct ResourceType {
    pub(crate) group: &'static str,
    /// Every version the type exists in, preferred first.
    pub(crate) versions: &'static [&'static str],
    pub(crate) kind: &'static str,
    pub(crate) plural: &'static str,
    pub(crate) singular: &'static str,
    pub(crate) namespaced: bool,
    pub(crate) short_names: &'static [&'static str],
    /// A CustomResourceDefinition: list items keep `apiVersion`/`kind`, as for unstructured objects.
    pub(crate) custom: bool,
    pub(crate) subresources: &'static [Subresource],
}

impl ResourceType {
    /// `services` or `endpointslices.discovery.k8s.io`, as the API server names resources in messages.
    pub(crate) fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `v1` or `<group>/<version>`.
    pub(crate) fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }
}

const fn core(
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    subresources: &'static [Subresource],
) -> ResourceType {
    ResourceType {
        group: "",
        versions: &["v1"],
        kind,
        plural,
        singular,
        namespaced,
        short_names,
        custom: false,
        subresources,
    }
}

const fn builtin(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    short_names: &'static [&'static str],
) -> ResourceType {
    ResourceType {
        group,
        versions: &["v1"],
        kind,
        plural,
        singular,
        namespaced: true,
        short_names,
        custom: false,
        subresources: &[],
    }
}

const fn istio(
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    short_names: &'static [&'static str],
) -> ResourceType {
    ResourceType {
        group: ISTIO_GROUP,
        versions: &["v1", "v1beta1", "v1alpha3"],
        kind,
        plural,
        singular,
        namespaced: true,
        short_names,
        custom: true,
        subresources: &[STATUS],
    }
}

const STATUS: Subresource = Subresource {
    name: "status",
    kind: "",
    verbs: &["get", "patch", "update"],
};

/// Every resource type served.
pub(crate) const RESOURCES: &[ResourceType] = &[
    core(
        "Namespace",
        "namespaces",
        "namespace",
        false,
        &["ns"],
        &[STATUS],
    ),
    core("Node", "nodes", "node", false, &["no"], &[STATUS]),
    core("Service", "services", "service", true, &["svc"], &[STATUS]),
    core("Endpoints", "endpoints", "endpoints", true, &["ep"], &[]),
    core(
        "Pod",
        "pods",
        "pod",
        true,
        &["po"],
        &[
            Subresource {
                name: "exec",
                kind: "PodExecOptions",
                verbs: &["create", "get"],
            },
            Subresource {
                name: "log",
                kind: "Pod",
                verbs: &["get"],
            },
            Subresource {
                name: "portforward",
                kind: "PodPortForwardOptions",
                verbs: &["create", "get"],
            },
            STATUS,
        ],
    ),
    core("ConfigMap", "configmaps", "configmap", true, &["cm"], &[]),
    core(
        "ServiceAccount",
        "serviceaccounts",
        "serviceaccount",
        true,
        &["sa"],
        &[],
    ),
    builtin(
        "discovery.k8s.io",
        "EndpointSlice",
        "endpointslices",
        "endpointslice",
        &[],
    ),
    builtin(
        "apps",
        "Deployment",
        "deployments",
        "deployment",
        &["deploy"],
    ),
    builtin("apps", "ReplicaSet", "replicasets", "replicaset", &["rs"]),
    builtin(
        "apps",
        "StatefulSet",
        "statefulsets",
        "statefulset",
        &["sts"],
    ),
    builtin("apps", "DaemonSet", "daemonsets", "daemonset", &["ds"]),
    istio("ServiceEntry", "serviceentries", "serviceentry", &["se"]),
    istio("Sidecar", "sidecars", "sidecar", &[]),
    istio(
        "DestinationRule",
        "destinationrules",
        "destinationrule",
        &["dr"],
    ),
    istio(
        "VirtualService",
        "virtualservices",
        "virtualservice",
        &["vs"],
    ),
    istio("Gateway", "gateways", "gateway", &["gw"]),
    istio("WorkloadEntry", "workloadentries", "workloadentry", &["we"]),
];

/// The API groups in discovery order (core excluded).
pub(crate) const GROUPS: &[&str] = &["apps", "discovery.k8s.io", ISTIO_GROUP];

/// The group of an `apiVersion` (`v1` → ``, `apps/v1` → `apps`) and its version.
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// The type of objects of `kind` in `group`.
pub(crate) fn by_kind(group: &str, kind: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.kind == kind)
}

/// The type served as `plural` in `group`.
pub(crate) fn by_plural(group: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.plural == plural)
}

fn subresource_kind<'a>(resource: &'a ResourceType, sub: &'a Subresource) -> &'a str {
    if sub.kind.is_empty() {
        resource.kind
    } else {
        sub.kind
    }
}

/// `GET /api`, legacy form.
pub(crate) fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

/// `GET /apis`, legacy form; `versions(group)` gives the served versions, preferred first.
pub(crate) fn group_list(versions: &dyn Fn(&str) -> Vec<String>) -> Value {
    let groups: Vec<Value> = GROUPS
        .iter()
        .filter_map(|group| {
            let served = versions(group);
            let preferred = served.first()?;
            let entries: Vec<Value> = served
                .iter()
                .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
                .collect();
            Some(json!({
                "name": group,
                "versions": entries,
                "preferredVersion": {"groupVersion": format!("{group}/{preferred}"), "version": preferred},
            }))
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /api/v1` or `GET /apis/<group>/<version>`: an `APIResourceList`, or None when not served.
pub(crate) fn resource_list(
    group: &str,
    version: &str,
    versions: &dyn Fn(&str) -> Vec<String>,
) -> Option<Value> {
    if !versions(group).iter().any(|v| v == version) {
        return None;
    }
    let mut resources = Vec::new();
    for r in RESOURCES.iter().filter(|r| r.group == group) {
        resources.push(json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": ALL_VERBS,
            "shortNames": r.short_names,
            "storageVersionHash": format!("{:x}", r.plural.len() * 7919 + r.kind.len()),
        }));
        for sub in r.subresources {
            resources.push(json!({
                "name": format!("{}/{}", r.plural, sub.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": subresource_kind(r, sub),
                "verbs": sub.verbs,
            }));
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

fn aggregated_group(group: &str, served: &[String]) -> Value {
    let versions: Vec<Value> = served
        .iter()
        .map(|version| {
            let resources: Vec<Value> = RESOURCES
                .iter()
                .filter(|r| r.group == group)
                .map(|r| {
                    let subresources: Vec<Value> = r
                        .subresources
                        .iter()
                        .map(|sub| {
                            json!({
                                "subresource": sub.name,
                                "responseKind": {"group": group, "version": version, "kind": subresource_kind(r, sub)},
                                "verbs": sub.verbs,
                            })
                        })
                        .collect();
                    json!({
                        "resource": r.plural,
                        "responseKind": {"group": group, "version": version, "kind": r.kind},
                        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                        "singularResource": r.singular,
                        "verbs": ALL_VERBS,
                        "shortNames": r.short_names,
                        "subresources": subresources,
                    })
                })
                .collect();
            json!({"version": version, "resources": resources, "freshness": "Current"})
        })
        .collect();
    let metadata = if group.is_empty() {
        json!({"creationTimestamp": null})
    } else {
        json!({"name": group, "creationTimestamp": null})
    };
    json!({"metadata": metadata, "versions": versions})
}

/// `GET /api` or `GET /apis` with aggregated discovery v2 (`apidiscovery.k8s.io/v2`).
pub(crate) fn aggregated(core_group: bool, versions: &dyn Fn(&str) -> Vec<String>) -> Value {
    let items: Vec<Value> = if core_group {
        vec![aggregated_group("", &versions(""))]
    } else {
        GROUPS
            .iter()
            .map(|g| (g, versions(g)))
            .filter(|(_, served)| !served.is_empty())
            .map(|(g, served)| aggregated_group(g, &served))
            .collect()
    };
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

/// The content type of an aggregated discovery reply.
pub(crate) const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether the first media type of an `Accept` header is aggregated discovery v2, as kubectl and
/// kube-rs `list_api_groups_aggregated` ask (a plain `application/json` client gets the legacy form).
pub(crate) fn wants_aggregated(accept: &str) -> bool {
    let first = accept.split(',').next().unwrap_or("");
    let params: Vec<&str> = first.split(';').map(str::trim).collect();
    params.contains(&"g=apidiscovery.k8s.io")
        && params.contains(&"v=v2")
        && params.contains(&"as=APIGroupDiscoveryList")
}
