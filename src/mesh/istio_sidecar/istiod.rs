//! istiod's debug endpoint: `GET /debug/ndsz?proxyID=<pod>.<ns>` (on an istiod pod's 15014, or a
//! URL given with `--control-plane`), and what its replies mean.

use crate::mesh::TableFetch;

/// The request path for `proxy_id`.
pub(super) fn ndsz_path(proxy_id: &str) -> String {
    format!("/debug/ndsz?proxyID={proxy_id}")
}

/// What istiod's reply to `GET path` says ([`crate::mesh::Mesh::table_reply`]).
pub(super) fn interpret(status: u16, body: &[u8], path: &str) -> TableFetch {
    let text = String::from_utf8_lossy(body);
    let text = crate::error::quoted(text.trim());
    match status {
        200 => match serde_json::from_slice(body) {
            Ok(value) => TableFetch::Table(value),
            Err(e) => TableFetch::Failed(format!(
                "{path} returned 200 but not JSON ({}); is istiod's monitoring port 15014 what answers there?",
                crate::error::plain(&e.to_string())
            )),
        },
        404 => TableFetch::NotHere,
        401 | 403 => TableFetch::Failed(format!(
            "istiod refused {path} with {status} ({text}); debug endpoints need a loopback caller or a token istiod accepts (ENABLE_DEBUG_ENDPOINT_AUTH)"
        )),
        400 if text.contains("DNS capture") => TableFetch::Failed(format!(
            "istiod answered 400 ({text}): before Istio 1.25 it builds no name table for proxies without DNS capture"
        )),
        other => TableFetch::Failed(format!("{path} returned {other} ({text})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_status_codes_to_replies() {
        assert_eq!(
            interpret(404, b"Proxy not connected to this Pilot instance", "/p"),
            TableFetch::NotHere
        );
        assert!(matches!(
            interpret(200, br#"{"configs":[]}"#, "/p"),
            TableFetch::Table(_)
        ));
        let TableFetch::Failed(why) = interpret(403, b"forbidden", "/p") else {
            panic!()
        };
        assert!(why.contains("403") && why.contains("loopback"));
        let TableFetch::Failed(why) = interpret(200, b"<html>", "/p") else {
            panic!()
        };
        assert!(why.contains("not JSON"));
    }
}
