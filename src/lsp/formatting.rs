//! Formatting through `charla fmt`'s formatter: the whole document, refused while it does not
//! parse. The edits replace only the lines that change, so the cursor and folds elsewhere stay.

use super::position::{Encoding, LineIndex};
use crate::format::{format_source, FormatError};
use crate::source::SourceFile;
use lsp_types::TextEdit;

/// Why a document was not formatted, for the error the client shows.
pub fn refusal(error: &FormatError) -> String {
    match error {
        FormatError::Syntax(errors) => format!(
            "not formatted: the file does not parse ({} syntax {}; see the problems)",
            errors.len(),
            if errors.len() == 1 { "error" } else { "errors" }
        ),
        FormatError::SelfCheck(what) => format!(
            "not formatted: {what}; the file is left as it is (a bug in `charla fmt`, please report it)"
        ),
    }
}

/// The edits that turn the document into its canonical layout (none when it already is).
pub fn format(text: &str, name: &str, encoding: Encoding) -> Result<Vec<TextEdit>, FormatError> {
    let formatted = format_source(&SourceFile::new(name, text))?;
    Ok(edits(text, &formatted, encoding))
}

/// Line edits from `old` to `new`, positioned in `old`.
fn edits(old: &str, new: &str, encoding: Encoding) -> Vec<TextEdit> {
    if old == new {
        return Vec::new();
    }
    let index = LineIndex::new(old);
    let diff = similar::TextDiff::from_lines(old, new);
    let old_lines: Vec<&str> = diff.old_slices().to_vec();
    let new_lines: Vec<&str> = diff.new_slices().to_vec();
    // Byte offset where each old line starts (one past the last line: the end).
    let mut old_starts = Vec::with_capacity(old_lines.len() + 1);
    let mut at = 0;
    for line in &old_lines {
        old_starts.push(at);
        at += line.len();
    }
    old_starts.push(at);
    let mut out = Vec::new();
    for op in diff.ops() {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            continue;
        }
        let start = old_starts
            .get(old_range.start)
            .copied()
            .unwrap_or(old.len());
        let end = old_starts.get(old_range.end).copied().unwrap_or(old.len());
        let replacement: String = new_lines
            .get(new_range)
            .map(|lines| lines.concat())
            .unwrap_or_default();
        out.push(TextEdit {
            range: index.range(old, start, end, encoding),
            new_text: replacement,
        });
    }
    // A leading byte-order mark is not a line of its own: `similar` keeps it in the first
    // line, so the first line's edit removes it. Nothing else to do.
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies edits (non-overlapping, in order) to a text, as an editor does.
    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let index = LineIndex::new(text);
        let mut out = text.to_string();
        for edit in edits.iter().rev() {
            let start = index.offset(text, edit.range.start, Encoding::Utf16);
            let end = index.offset(text, edit.range.end, Encoding::Utf16);
            out.replace_range(start..end, &edit.new_text);
        }
        out
    }

    #[test]
    fn edits_rebuild_the_formatted_text() {
        let text = "bot \"B\" {\n    business   fitness\n  start m\n}\n\n\n\nmenu m {\n say \"ação 👋\"\n option \"A\" -> handoff\n}";
        let formatted = format_source(&SourceFile::new("a", text)).unwrap();
        let edits = format(text, "a", Encoding::Utf16).unwrap();
        assert!(!edits.is_empty());
        assert_eq!(apply(text, &edits), formatted);
        assert!(format(&formatted, "a", Encoding::Utf16).unwrap().is_empty());
    }

    #[test]
    fn a_file_that_does_not_parse_is_refused() {
        let error = format("menu m {\n  option \"A\" ->\n}\n", "a", Encoding::Utf16).unwrap_err();
        assert!(refusal(&error).contains("does not parse"));
    }
}
