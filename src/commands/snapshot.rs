//! `meshdig snapshot`: capture a live cluster into a snapshot file for offline replay.

use std::io::Write as _;

use crate::cli::SnapshotArgs;
use crate::engine::capture_document;
use crate::error::{Error, ExitCode, Result};

/// Captures the named questions and writes the snapshot file.
pub async fn run(args: &SnapshotArgs) -> Result<ExitCode> {
    let questions: Vec<_> = args
        .names
        .iter()
        .flat_map(|name| {
            let types = if args.types.is_empty() {
                vec![name.default_type()]
            } else {
                args.types.clone()
            };
            types.into_iter().map(move |rtype| (name.clone(), rtype))
        })
        .collect();
    let (document, asker) = capture_document(
        &args.live,
        args.from.as_deref(),
        args.namespace.as_deref(),
        &questions,
        false,
    )
    .await?;
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value always serializes");
    text.push('\n');
    std::fs::write(&args.output, text).map_err(|source| Error::Write {
        path: args.output.clone(),
        source,
    })?;
    let count = |key: &str| document[key].as_array().map_or(0, Vec::len);
    let from = asker
        .from
        .map(|f| format!(" --from {f}"))
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "wrote {}: {} objects, {} answers; replay with: meshdig diff NAME{from} -n {} --snapshot {}",
        crate::error::shown_path(&args.output),
        count("objects"),
        count("answers"),
        crate::error::quoted(&asker.namespace),
        crate::error::shown_path(&args.output)
    );
    Ok(ExitCode::Agree)
}
