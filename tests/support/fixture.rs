//! One `.charla` file compiled with the library API and laid out as a snapshot that shows the
//! source and what charla says about it, in labelled sections, so a reviewer can judge the
//! `.snap` file alone (STYLE.md habit 8); and the naming rule for such files. Used by
//! `tests/fixtures.rs` and `tests/mistakes.rs`.

use charla::diagnostic::{render_human, Diagnostic, Severity};
use charla::source::SourceFile;
use codespan_reporting::term::termcolor::NoColor;
use std::path::Path;

/// A compiled file: its diagnostics and the snapshot text.
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub snapshot: String,
}

impl Outcome {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// `E0105, W0401` for failure messages.
    pub fn codes(&self) -> String {
        let codes: Vec<&str> = self.diagnostics.iter().map(|d| d.code).collect();
        if codes.is_empty() {
            "none".to_string()
        } else {
            codes.join(", ")
        }
    }
}

/// Compiles `path` as a single-file bot named `name` (a path relative to the test folder, such
/// as `err/foo.charla`, so no absolute path reaches a snapshot). `policy "x"` is read relative
/// to the file's folder, as `charla check` does.
pub fn compile(path: &Path, name: &str) -> Outcome {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
    let source = SourceFile::from_bytes(name, bytes.clone());
    let dir = path
        .parent()
        .expect("a fixture lives in a folder")
        .to_path_buf();
    let options = charla::Options {
        policy: None,
        read_policy: Some(Box::new(move |rel: &str| {
            std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string())
        })),
    };
    let sources = [source];
    let compilation = charla::compile(&sources, &options);
    let mut out = NoColor::new(Vec::new());
    render_human(&mut out, &sources, &compilation.diagnostics)
        .unwrap_or_else(|e| panic!("cannot render the diagnostics of {name}: {e}"));
    let rendered = String::from_utf8_lossy(&out.into_inner()).into_owned();
    let diagnostics = if rendered.trim().is_empty() {
        "(none)\n".to_string()
    } else {
        rendered
    };
    let snapshot = format!(
        "----- SOURCE -----\n{}\n----- DIAGNOSTICS -----\n{}",
        visible(&String::from_utf8_lossy(&bytes)),
        visible(&diagnostics)
    );
    Outcome {
        diagnostics: compilation.diagnostics,
        snapshot,
    }
}

/// Makes invisible characters visible, so a reviewer sees what the file holds: a carriage
/// return as `␍`, a byte-order mark as `<U+FEFF>`, other control characters as `<U+0007>`.
/// A byte that is not UTF-8 already shows as `�`.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => out.push('␍'),
            '\u{feff}' => out.push_str("<U+FEFF>"),
            c if c.is_control() => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The name of a fixture without its folder and extension.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string()
}

/// Whether a file name reads as a situation: lowercase words joined by `_`, at least three of
/// them (`menu_without_options`), not a number or a placeholder name such as `test_1`.
pub fn names_a_situation(stem: &str) -> bool {
    let words: Vec<&str> = stem.split('_').collect();
    words.len() >= 3
        && words.iter().all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && words
            .iter()
            .any(|w| w.chars().all(|c| c.is_ascii_lowercase()) && w.len() > 2)
        && !words
            .iter()
            .any(|w| ["fixture", "foo", "bar", "tmp", "todo", "untitled"].contains(w))
}
