//! `meshdig snapshot`: capture a live cluster into a snapshot file for offline replay, or list
//! what a snapshot holds (`meshdig snapshot show`).

use std::io::Write as _;

use crate::cli::{ShowArgs, SnapshotArgs, SnapshotShow};
use crate::engine::capture_document;
use crate::error::{Error, ExitCode, Result};
use crate::pace::Pacers;
use crate::render::listing;

/// Captures the named questions and writes the snapshot file, or lists one.
pub async fn run(args: &SnapshotArgs) -> Result<ExitCode> {
    if let Some(SnapshotShow::Show(show)) = &args.show {
        return show_file(show).await;
    }
    let file = args.file.as_ref().ok_or_else(|| {
        Error::Usage(
            "the snapshot file to write is needed: add --file FILE (- for standard output)"
                .to_string(),
        )
    })?;
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
        let shown = crate::error::shown_path(file);
        (shown.clone(), shown)
    };
    let _ = writeln!(
        std::io::stderr(),
        "wrote {wrote}: {} objects, {} answers; replay with: meshdig diff NAME{from} -n {} --snapshot {replay}",
        count("objects"),
        count("answers"),
        crate::error::quoted(&asker.namespace),
    );
    Ok(ExitCode::Agree)
}

/// Lists what the snapshot `show.file` holds.
async fn show_file(show: &ShowArgs) -> Result<ExitCode> {
    let snapshot = crate::engine::load_snapshot(&show.file).await?;
    let listed = listing::Listing::of(&snapshot);
    super::print(
        show.output.format,
        |_| listing::text(&listed),
        || serde_json::to_value(&listed).expect("a listing always serializes"),
    )?;
    Ok(ExitCode::Agree)
}
