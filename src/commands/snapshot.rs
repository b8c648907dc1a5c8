//! `meshdig snapshot`: capture a live cluster into a snapshot file for offline replay, or list
//! what a snapshot holds (`meshdig snapshot show`).

use std::io::Write as _;

use crate::cli::{CheckFormat, ShowArgs, SnapshotArgs, SnapshotShow};
use crate::engine::capture_document;
use crate::error::{Error, ExitCode, Result};
use crate::pace::Pacers;
use crate::render::listing;

/// Captures the named questions and writes the snapshot file, or lists one.
pub async fn run(args: &SnapshotArgs) -> Result<ExitCode> {
    if let Some(SnapshotShow::Show(show)) = &args.show {
        return show_file(show).await;
    }
    let output = args.output.as_ref().ok_or_else(|| {
        Error::Usage("the snapshot file to write is needed: add -o FILE".to_string())
    })?;
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
        &Pacers::new(args.live.qps),
        args.from.as_deref(),
        args.namespace.as_deref(),
        &questions,
        false,
    )
    .await?;
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value always serializes");
    text.push('\n');
    std::fs::write(output, text).map_err(|source| Error::Write {
        path: output.clone(),
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
        crate::error::shown_path(output),
        count("objects"),
        count("answers"),
        crate::error::quoted(&asker.namespace),
        crate::error::shown_path(output)
    );
    Ok(ExitCode::Agree)
}

/// Lists what the snapshot `show.file` holds.
async fn show_file(show: &ShowArgs) -> Result<ExitCode> {
    let snapshot = crate::engine::load_snapshot(&show.file).await?;
    let listed = listing::Listing::of(&snapshot);
    let text = match show.output {
        CheckFormat::Text => listing::text(&listed),
        CheckFormat::Json => listing::json(&listed),
    };
    super::emit(&text)?;
    Ok(ExitCode::Agree)
}
