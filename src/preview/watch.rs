//! Noticing that the bot changed: the size and modification time of its files, looked at every
//! [`super::POLL`]. Polling a handful of files costs a few `stat`s, works the same on every
//! system and file system (network and container mounts included), and needs no watcher crate.

use super::{Loader, Preview};
use std::path::PathBuf;
use std::time::SystemTime;

/// What is looked at: each path with its modification time and size (`None`: gone or
/// unreadable, which is a change too).
pub type Fingerprint = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

pub fn fingerprint(files: &[PathBuf]) -> Fingerprint {
    files
        .iter()
        .map(|path| {
            let seen = std::fs::metadata(path)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())));
            (path.clone(), seen)
        })
        .collect()
}

/// Loads the bot again whenever its fingerprint changes; runs for the life of the process.
pub fn run(preview: &Preview, loader: &dyn Loader, mut last: Fingerprint) {
    loop {
        std::thread::sleep(super::POLL);
        let now = fingerprint(&loader.files());
        if now == last {
            continue;
        }
        last = now;
        // Compiled outside the lock: the page keeps answering meanwhile. A panic in the
        // compiler (a bug) must not end the reloading for the rest of the session.
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| loader.load()))
            .unwrap_or_else(|_| {
                Err(
                    "charla failed while compiling the bot (a bug in charla: please report it \
                     with the file that caused it)"
                        .to_string(),
                )
            });
        preview.change(|s| s.reload(loaded, false));
    }
}
