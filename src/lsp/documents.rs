//! The documents open in the editor, and the bots they belong to.
//!
//! A bot is the folder of the open file, as `charla check FOLDER` reads it (LANGUAGE.md
//! section 1): every `.charla` file directly inside, in byte order of names. Files open in the
//! editor are taken from the editor (unsaved edits included), the others from disk. A document
//! that is not a file on disk (`untitled:`) is a bot on its own.

use super::position::{Encoding, LineIndex};
use super::uri;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One open document: the editor's text, which may differ from the file on disk.
#[derive(Debug, Clone)]
pub struct Document {
    /// Shared with the diagnostics thread, which reads a snapshot while edits go on.
    pub text: Arc<String>,
    pub version: i32,
}

/// Which bot a document belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BotKey {
    /// The folder of a file on disk.
    Folder(PathBuf),
    /// A document with no file behind it (by its URI).
    Alone(String),
}

impl BotKey {
    pub fn of(uri: &Uri) -> BotKey {
        match uri::to_path(uri)
            .as_deref()
            .and_then(Path::parent)
            .filter(|dir| !dir.as_os_str().is_empty())
        {
            Some(dir) => BotKey::Folder(dir.to_path_buf()),
            None => BotKey::Alone(uri.as_str().to_string()),
        }
    }
}

#[derive(Default)]
pub struct Documents {
    /// By URI text (`Uri` hashes by its text too, but has interior mutability).
    open: HashMap<String, (Uri, Document)>,
}

impl Documents {
    pub fn open(&mut self, uri: Uri, text: String, version: i32) {
        let text = Arc::new(text);
        self.open
            .insert(uri.as_str().to_string(), (uri, Document { text, version }));
    }

    /// Applies the editor's changes in order. Returns false for a document that is not open.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        let Some((_, document)) = self.open.get_mut(uri.as_str()) else {
            return false;
        };
        for change in changes {
            // Copies the text only while the diagnostics thread still holds the old one.
            let text = Arc::make_mut(&mut document.text);
            match change.range {
                Some(range) => {
                    let index = LineIndex::new(text);
                    let start = index.offset(text, range.start, encoding);
                    let end = index.offset(text, range.end, encoding).max(start);
                    text.replace_range(start..end, &change.text);
                }
                None => *text = change.text,
            }
        }
        document.version = version;
        true
    }

    pub fn close(&mut self, uri: &Uri) {
        self.open.remove(uri.as_str());
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri.as_str()).map(|(_, d)| d)
    }

    /// The bots that have a document open.
    pub fn bots(&self) -> Vec<BotKey> {
        let mut keys: Vec<BotKey> = self.open.values().map(|(uri, _)| BotKey::of(uri)).collect();
        keys.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        keys.dedup();
        keys
    }

    /// What the bot holds in the editor now (its files on disk are read by [`Snapshot::load`]).
    pub fn snapshot(&self, key: &BotKey, generation: u64) -> Snapshot {
        let open = self
            .open
            .values()
            .filter(|(uri, _)| BotKey::of(uri) == *key)
            .map(|(uri, d)| (uri.clone(), d.clone()))
            .collect();
        Snapshot {
            key: key.clone(),
            generation,
            open,
        }
    }
}

/// A bot's open documents at one moment; `generation` counts the changes to the bot, so an
/// analysis can tell whether it is still current.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub key: BotKey,
    pub generation: u64,
    open: Vec<(Uri, Document)>,
}

/// One file of a bot, from the editor or from disk.
#[derive(Debug, Clone)]
pub struct BotFile {
    pub uri: Uri,
    /// The text as the editor has it (a byte-order mark included, when the editor keeps one).
    pub text: Arc<String>,
    /// The editor's version; `None` for a file read from disk.
    pub version: Option<i32>,
    /// Where the bytes on disk stopped being UTF-8 (the text has U+FFFD there).
    pub invalid_utf8_at: Option<usize>,
}

impl Snapshot {
    /// The bot's files in byte order of their names: open documents as the editor has them,
    /// the other `.charla` files of the folder from disk. A folder that cannot be read gives
    /// only the open documents.
    pub fn load(&self) -> (Option<PathBuf>, Vec<BotFile>) {
        let mut files: Vec<(Vec<u8>, BotFile)> = Vec::new();
        let open_paths: Vec<Option<PathBuf>> =
            self.open.iter().map(|(u, _)| uri::to_path(u)).collect();
        for ((uri, document), path) in self.open.iter().zip(&open_paths) {
            let name = path
                .as_deref()
                .and_then(Path::file_name)
                .map_or_else(|| uri.as_str().as_bytes().to_vec(), name_bytes);
            files.push((
                name,
                BotFile {
                    uri: uri.clone(),
                    text: document.text.clone(),
                    version: Some(document.version),
                    invalid_utf8_at: None,
                },
            ));
        }
        let dir = match &self.key {
            BotKey::Folder(dir) => dir,
            BotKey::Alone(_) => return (None, sorted(files)),
        };
        for path in charla_files(dir) {
            if open_paths
                .iter()
                .any(|p| p.as_deref() == Some(path.as_path()))
            {
                continue;
            }
            let (Some(uri), Ok(bytes)) = (uri::from_path(&path), std::fs::read(&path)) else {
                continue;
            };
            let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
                Ok(text) => (text, None),
                // The compiler reports the bad byte; the rest is still checked.
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
                }
            };
            let name = path.file_name().map_or_else(Vec::new, name_bytes);
            files.push((
                name,
                BotFile {
                    uri,
                    text: Arc::new(text),
                    version: None,
                    invalid_utf8_at,
                },
            ));
        }
        (Some(dir.clone()), sorted(files))
    }
}

fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    name.as_encoded_bytes().to_vec()
}

fn sorted(mut files: Vec<(Vec<u8>, BotFile)>) -> Vec<BotFile> {
    // Byte order of names fixes the order of the bot's files, as in `charla check`.
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.into_iter().map(|(_, f)| f).collect()
}

/// The `.charla` files directly inside a folder.
fn charla_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "charla"))
        .collect()
}
