//! ztunnel's admin endpoint: `GET /config_dump` on the admin port (15000, bound to localhost in
//! the ztunnel pod; istio/ztunnel `src/admin.rs`, `src/config.rs` `DEFAULT_ADMIN_PORT`), reached
//! over a port-forward to the ztunnel pod on the asking pod's node, and what its replies mean.

use super::state;
use crate::mesh::TableFetch;

/// The request path of ztunnel's whole state.
pub(super) const CONFIG_DUMP: &str = "/config_dump";

/// What ztunnel's reply to `GET path` says: the dump cut to what meshdig reads, or why not.
pub(super) fn interpret(status: u16, body: &[u8], path: &str) -> TableFetch {
    if status != 200 {
        let text = String::from_utf8_lossy(body);
        return TableFetch::Failed(format!(
            "ztunnel answered {path} with {status} ({})",
            text.trim()
        ));
    }
    match serde_json::from_slice(body) {
        Ok(dump) => match state::reduce(&dump) {
            Some(kept) => TableFetch::Table(kept),
            None => TableFetch::Failed(format!(
                "{path} returned 200 but no workloads or services: is this ztunnel's admin port?"
            )),
        },
        Err(e) => TableFetch::Failed(format!("{path} returned 200 but not JSON ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_workloads_and_services_only() {
        let body = br#"{"workloads":[],"services":[],"certificates":[{"pem":"x"}]}"#;
        let TableFetch::Table(kept) = interpret(200, body, CONFIG_DUMP) else {
            panic!()
        };
        assert!(kept.get("certificates").is_none());
        assert!(matches!(
            interpret(200, b"{}", CONFIG_DUMP),
            TableFetch::Failed(_)
        ));
        let TableFetch::Failed(why) = interpret(404, b"not found", CONFIG_DUMP) else {
            panic!()
        };
        assert!(why.contains("404"));
    }
}
