//! Source files, spans and line/column lookup.
//!
//! Spans are byte ranges into one file's text (after a leading BOM is removed); everything that
//! reaches a person or a machine (diagnostics, the bundle's source map) goes through
//! [`SourceFile::line_col`], which counts columns in characters.

use serde::Serialize;

/// Index of a file in the list handed to [`crate::compile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span holding both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// An empty span at this span's end (where a missing token was expected).
    pub fn at_end(self) -> Span {
        Span {
            file: self.file,
            start: self.end,
            end: self.end,
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One `.charla` file: its name as shown to people and its text (UTF-8, BOM removed).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// Where the bytes were not valid UTF-8 (byte offset in the original file), if anywhere.
    pub invalid_utf8_at: Option<usize>,
}

impl SourceFile {
    /// A file from text already known to be UTF-8. A leading BOM is dropped.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let mut text = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..3);
        }
        let line_starts = line_starts(&text);
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            invalid_utf8_at: None,
        }
    }

    /// A file from raw bytes. Invalid UTF-8 is replaced (so the rest can still be shown) and the
    /// first bad byte's offset is kept for the diagnostic.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> SourceFile {
        match String::from_utf8(bytes) {
            Ok(text) => SourceFile::new(name, text),
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                let mut file = SourceFile::new(name, text);
                file.invalid_utf8_at = Some(at);
                file
            }
        }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts.partition_point(|&start| start <= offset)
    }

    /// The text of a span (empty if the span does not fit the file).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1),
    );
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_after_bom() {
        let file = SourceFile::new("a", "\u{feff}ação x\r\nb");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col("ação ".len()), (1, 6));
        assert_eq!(file.line_col(file.text.len()), (2, 2));
    }

    #[test]
    fn invalid_utf8_keeps_the_offset() {
        let file = SourceFile::from_bytes("a", b"ok \xff rest".to_vec());
        assert_eq!(file.invalid_utf8_at, Some(3));
    }
}
