//! The objects only ambient mode reads: Namespaces, whose `istio.io/use-waypoint` label binds every
//! Service and ServiceEntry in them to a waypoint (unless the object's own label says `none`).

use std::collections::BTreeSet;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

use crate::objects::Objects;
use crate::snapshot::typed_object;

/// The label that binds a namespace, service or ServiceEntry to a waypoint.
pub(super) const USE_WAYPOINT_LABEL: &str = "istio.io/use-waypoint";
/// The label value that opts an object out of its namespace's waypoint.
const NO_WAYPOINT: &str = "none";

/// A Namespace: only its labels matter.
#[derive(Debug, Clone, Default, Deserialize)]
struct Namespace {
    #[serde(default)]
    metadata: ObjectMeta,
}

/// The ambient objects of one cluster.
#[derive(Debug, Default)]
pub(super) struct AmbientObjects {
    /// The namespaces bound to a waypoint.
    waypoint_namespaces: BTreeSet<String>,
}

impl AmbientObjects {
    /// The ambient objects of `objects` (none when none were stored).
    pub(super) fn of(objects: &Objects) -> &Self {
        static NONE: AmbientObjects = AmbientObjects {
            waypoint_namespaces: BTreeSet::new(),
        };
        objects.mesh::<Self>().unwrap_or(&NONE)
    }

    /// Types the Namespaces among `objects`' raw objects and stores what ambient mode reads.
    pub(super) fn claim(objects: &mut Objects) -> Result<(), (String, String)> {
        let namespaces: Vec<Namespace> = objects
            .others_of("Namespace")
            .map(typed_object)
            .collect::<Result<_, _>>()?;
        let waypoint_namespaces = namespaces
            .iter()
            .filter(|n| waypoint_label(&n.metadata).is_some_and(|v| v != NO_WAYPOINT))
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        objects.set_mesh(Self {
            waypoint_namespaces,
        });
        Ok(())
    }

    /// Whether the object of `meta` is bound to a waypoint: by its own label, or by its namespace's.
    pub(super) fn bound(&self, meta: &ObjectMeta) -> bool {
        match waypoint_label(meta) {
            Some(value) => value != NO_WAYPOINT,
            None => self
                .waypoint_namespaces
                .contains(crate::objects::ns_name(meta).0),
        }
    }
}

fn waypoint_label(meta: &ObjectMeta) -> Option<&str> {
    meta.labels
        .as_ref()?
        .get(USE_WAYPOINT_LABEL)
        .map(String::as_str)
}
