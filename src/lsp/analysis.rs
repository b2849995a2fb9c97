//! One bot compiled for the editor: its files, the compiler's result and the name index.
//! Diagnostics, navigation, hover and completion all read an `Analysis`; it is built by the
//! compiler itself (`crate::compile`), never by a second parser.

use super::documents::{BotFile, BotKey, Snapshot};
use super::index::Index;
use super::position::{Encoding, LineIndex};
use crate::ast::{Item, PolicyRef, Setting};
use crate::policy::Policy;
use crate::source::{FileId, SourceFile, Span};
use lsp_types::{Location, Position, Range, Uri};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file of the analysed bot as the editor sees it.
pub struct FileView {
    pub uri: Uri,
    pub version: Option<i32>,
    /// The editor's text; the compiler's copy drops a leading byte-order mark.
    pub text: Arc<String>,
    /// Bytes of the byte-order mark at the start of `text` (0 or 3): spans are offset by it.
    bom: usize,
    lines: LineIndex,
}

impl FileView {
    fn new(file: &BotFile) -> FileView {
        FileView {
            uri: file.uri.clone(),
            version: file.version,
            bom: if file.text.starts_with('\u{feff}') {
                3
            } else {
                0
            },
            lines: LineIndex::new(&file.text),
            text: file.text.clone(),
        }
    }

    /// The editor's range of a span of this file.
    pub fn range(&self, span: Span, encoding: Encoding) -> Range {
        self.lines.range(
            &self.text,
            span.start as usize + self.bom,
            span.end as usize + self.bom,
            encoding,
        )
    }

    pub fn position(&self, offset: usize, encoding: Encoding) -> Position {
        self.lines.position(&self.text, offset + self.bom, encoding)
    }

    /// The compiler's byte offset of an editor position.
    pub fn offset(&self, position: Position, encoding: Encoding) -> usize {
        self.lines
            .offset(&self.text, position, encoding)
            .saturating_sub(self.bom)
    }

    /// The range of the whole text.
    pub fn whole(&self, encoding: Encoding) -> Range {
        Range::new(
            Position::new(0, 0),
            self.lines.position(&self.text, self.text.len(), encoding),
        )
    }
}

pub struct Analysis {
    pub key: BotKey,
    /// The bot's generation this was built from (see `Snapshot`).
    pub generation: u64,
    pub files: Vec<FileView>,
    pub sources: Vec<SourceFile>,
    pub compilation: crate::Compilation,
    pub index: Index,
    /// The bot's folder on disk, when it has one (a `policy "file"` is read from there).
    pub dir: Option<PathBuf>,
    /// The policy the bot names (for limits in hovers and categories in completion).
    pub policy: Policy,
}

impl Analysis {
    /// Reads the bot's files (open ones from the editor) and compiles them.
    pub fn new(snapshot: &Snapshot) -> Analysis {
        let (dir, files) = snapshot.load();
        Analysis::of_files(snapshot.key.clone(), snapshot.generation, dir, &files)
    }

    pub fn of_files(
        key: BotKey,
        generation: u64,
        dir: Option<PathBuf>,
        files: &[BotFile],
    ) -> Analysis {
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|f| {
                let name = super::uri::to_path(&f.uri)
                    .map_or_else(|| f.uri.as_str().to_string(), |p| p.display().to_string());
                let mut source = SourceFile::new(name, f.text.as_str());
                source.invalid_utf8_at = f.invalid_utf8_at;
                source
            })
            .collect();
        let options = options(dir.as_deref());
        let compilation = crate::compile(&sources, &options);
        let index = Index::build(&sources, &compilation.files);
        let policy = policy(&compilation.files, &options);
        Analysis {
            key,
            generation,
            files: files.iter().map(FileView::new).collect(),
            sources,
            compilation,
            index,
            policy,
            dir,
        }
    }

    pub fn file_id(&self, uri: &Uri) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.uri == *uri)
            .map(|i| FileId(i as u32))
    }

    pub fn file(&self, id: FileId) -> Option<&FileView> {
        self.files.get(id.0 as usize)
    }

    pub fn source(&self, id: FileId) -> Option<&SourceFile> {
        self.sources.get(id.0 as usize)
    }

    pub fn location(&self, span: Span, encoding: Encoding) -> Option<Location> {
        let file = self.file(span.file)?;
        Some(Location::new(file.uri.clone(), file.range(span, encoding)))
    }
}

/// As `charla check`: a `policy "path"` is read relative to the bot's folder.
fn options(dir: Option<&Path>) -> crate::Options {
    let Some(dir) = dir.map(Path::to_path_buf) else {
        return crate::Options::default();
    };
    let read = move |relative: &str| -> Result<String, String> {
        let path = dir.join(relative);
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
    };
    crate::Options {
        policy: None,
        read_policy: Some(Box::new(read)),
    }
}

/// The policy a bot's `policy` line names (the built-in `whatsapp` when it names none or one
/// that cannot be read: `check` reports that).
fn policy(files: &[crate::ast::File], options: &crate::Options) -> Policy {
    let named = files
        .iter()
        .flat_map(|f| &f.items)
        .find_map(|node| match &node.kind {
            Item::Bot(bot) => bot.settings.stmts.iter().find_map(|s| match &s.kind {
                Setting::Policy(p) => Some(p),
                _ => None,
            }),
            _ => None,
        });
    match named {
        Some(PolicyRef::Builtin(name)) => crate::policy::builtin(&name.text),
        Some(PolicyRef::File(path)) => options.read_policy.as_ref().and_then(|read| {
            read(&path.value)
                .ok()
                .and_then(|text| crate::policy::parse_policy_file(&path.value, &text).ok())
        }),
        None => None,
    }
    .unwrap_or_else(crate::policy::whatsapp)
}
