//! Reading the files users name (snapshots, check files; `-` is standard input): bounded in size,
//! and read off the runtime's thread so that Ctrl-C still ends the run while a FIFO waits for a writer.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file meshdig reads: a snapshot of 50,000 Services is about 140 MB.
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Reads `path` whole, refusing more than `limit` bytes (`/dev/zero` is refused, not read until
/// memory runs out). The read happens on a blocking thread, so the caller's `select!` on Ctrl-C
/// keeps working while it waits.
pub async fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let owned: PathBuf = path.to_path_buf();
    tokio::task::spawn_blocking(move || read_at_most(&owned, limit))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
}

/// True for `-`, which names standard input (or output) wherever a file is read (or written).
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses `-` for more than one of `paths`: standard input can be read only once.
pub fn one_stdin(paths: &[(&str, Option<&Path>)]) -> crate::error::Result<()> {
    let flags: Vec<&str> = paths
        .iter()
        .filter(|(_, path)| path.is_some_and(is_stdio))
        .map(|(flag, _)| *flag)
        .collect();
    match flags.as_slice() {
        [_, _, ..] => Err(crate::error::Error::Usage(format!(
            "{} all read standard input (-), which can be read only once; give files for all but one",
            flags.join(", ")
        ))),
        _ => Ok(()),
    }
}

fn read_at_most(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let reader: Box<dyn Read> = if is_stdio(path) {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path)?)
    };
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB; meshdig reads files of at most that size",
            limit / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_more_than_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'x'; 2048]).unwrap();
        assert_eq!(read_bounded(&path, 4096).await.unwrap().len(), 2048);
        let refused = read_bounded(&path, 1024).await.unwrap_err();
        assert!(refused.to_string().contains("larger than"), "{refused}");
    }
}
