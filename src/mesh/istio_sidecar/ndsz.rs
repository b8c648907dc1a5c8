//! istiod's `/debug/ndsz` body: the name table istiod pushed to one proxy, in the shapes of every
//! Istio release meshdig reads.

use serde::de::{self, IgnoredAny, MapAccess};
use serde::{Deserialize, Deserializer};

use crate::name_table::NameTable;

/// Extracts the name table from an istiod `/debug/ndsz` body: `{"configs":[{"table":…}]}` (Istio ≥1.25),
/// `{"resource":{"table":…}}` (older), or a bare `{"table":…}`. Reads the body from any JSON
/// deserializer, so that a recorded body is typed straight from its text.
pub(super) fn parse_ndsz<'de, D: Deserializer<'de>>(body: D) -> Result<NameTable, String> {
    let body = NdszBody::deserialize(body).map_err(|e| {
        format!(
            "the name table is malformed: {}",
            crate::error::plain(&e.to_string())
        )
    })?;
    let table = body
        .configs
        .into_iter()
        .find_map(|config| config.table)
        .or(body.resource.and_then(|resource| resource.table))
        .or(body.table);
    match table {
        Some(table) => Ok(table),
        None if !body.other_fields => Ok(NameTable::new()),
        None => Err(
            "expected an istiod /debug/ndsz body with `configs[].table` or `resource.table`"
                .to_string(),
        ),
    }
}

/// The parts of an ndsz body that may hold the table; other fields are skipped unread.
#[derive(Default)]
struct NdszBody {
    configs: Vec<NdszConfig>,
    resource: Option<NdszConfig>,
    table: Option<NameTable>,
    /// Whether the body had fields other than those three (an empty body means an empty table).
    other_fields: bool,
}

#[derive(Deserialize)]
struct NdszConfig {
    #[serde(default)]
    table: Option<NameTable>,
}

impl<'de> Deserialize<'de> for NdszBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BodyVisitor;
        impl<'de> de::Visitor<'de> for BodyVisitor {
            type Value = NdszBody;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an istiod /debug/ndsz object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NdszBody, A::Error> {
                let mut body = NdszBody::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "configs" => body.configs = map.next_value()?,
                        "resource" => body.resource = map.next_value()?,
                        "table" => body.table = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            body.other_fields = true;
                        }
                    }
                }
                Ok(body)
            }
        }
        deserializer.deserialize_map(BodyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_ndsz_shapes() {
        let new = serde_json::json!({"configs":[{"@type":"x","table":{"a.b":{"ips":["10.0.0.1"],"registry":"Kubernetes"}}}]});
        let old =
            serde_json::json!({"resource":{"@type":"x","table":{"a.b":{"ips":["10.0.0.1"]}}}});
        assert_eq!(parse_ndsz(&new).unwrap()["a.b"].ips, vec!["10.0.0.1"]);
        assert_eq!(parse_ndsz(&old).unwrap().len(), 1);
        assert!(parse_ndsz(serde_json::json!({})).unwrap().is_empty());
        assert!(parse_ndsz(serde_json::json!({"x":1})).is_err());
    }
}
