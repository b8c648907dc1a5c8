//! `meshdig snapshot`: capture a live cluster into a snapshot file for offline replay.

use std::io::Write as _;

use crate::cli::SnapshotArgs;
use crate::engine::capture_document;
use crate::error::{ExitCode, Result};
use crate::pace::Pacers;

/// Captures the named questions and writes the snapshot file.
pub async fn run(args: &SnapshotArgs) -> Result<ExitCode> {
    let file = &args.file;
    let questions = super::diff::questions(&args.names, &args.types);
    let (document, asker) = capture_document(
        &args.live,
        &Pacers::new(args.live.qps),
        args.from.as_deref(),
        args.namespace.as_deref(),
        &questions,
        false,
    )
    .await?;
    super::write_file(file, &crate::render::json_text(&document))?;
    let count = |key: &str| document[key].as_array().map_or(0, Vec::len);
    let from = asker
        .from
        .map(|f| format!(" --from {f}"))
        .unwrap_or_default();
    let (wrote, replay) = if crate::input::is_stdio(file) {
        (
            "the snapshot to standard output".to_string(),
            "FILE".to_string(),
        )
    } else {
        (file.display().to_string(), file.display().to_string())
    };
    let _ = writeln!(
        std::io::stderr(),
        "wrote {wrote}: {} objects, {} answers; replay with: meshdig diff NAME{from} -n {} --snapshot {replay}",
        count("objects"),
        count("answers"),
        asker.namespace,
    );
    Ok(ExitCode::Agree)
}
