//! Positions: LSP's `(line, character)` against byte offsets in a document.
//!
//! LSP counts `character` in UTF-16 code units unless client and server agree on another
//! encoding at `initialize` (we take UTF-8 when offered, as it needs no counting, then UTF-32).
//! Lines end at `\n`, `\r\n` or a lone `\r`, as the protocol says, even though charla itself
//! only breaks lines at `\n` (a lone `\r` is an error there): the editor's idea of a line is the
//! one positions must follow.

use lsp_types::{Position, PositionEncodingKind, Range};

/// How `Position::character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The encoding to use among those a client offers (UTF-16 when it says nothing).
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or_default();
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn units(self, c: char) -> u32 {
        match self {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf32 => 1,
        }
    }
}

/// Where each line of a text starts, to turn offsets into positions and back.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The position of a byte offset (clamped to the text, moved back to a character boundary).
    pub fn position(&self, text: &str, offset: usize, encoding: Encoding) -> Position {
        let offset = floor_boundary(text, offset.min(text.len()));
        let line = self
            .starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0).min(offset);
        let character = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(|c| encoding.units(c)).sum());
        Position::new(line as u32, character)
    }

    pub fn range(&self, text: &str, start: usize, end: usize, encoding: Encoding) -> Range {
        Range::new(
            self.position(text, start, encoding),
            self.position(text, end.max(start), encoding),
        )
    }

    /// The byte offset of a position. A line past the end gives the end of the text; a
    /// character past the end of its line gives the line's end; a character inside a
    /// character (half of a surrogate pair) gives that character's start.
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self.line_end(text, position.line as usize);
        let line = text.get(start..end).unwrap_or("");
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            let next = units + encoding.units(c);
            if next > position.character {
                return start + i;
            }
            units = next;
        }
        end
    }

    /// The byte offset where a line's text ends (before its line break).
    fn line_end(&self, text: &str, line: usize) -> usize {
        let next = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let body = text.get(..next).unwrap_or(text);
        let trimmed = body
            .strip_suffix("\r\n")
            .or_else(|| body.strip_suffix('\n'))
            .or_else(|| body.strip_suffix('\r'));
        match (trimmed, self.starts.get(line + 1)) {
            (Some(t), Some(_)) => t.len(),
            _ => next,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// The largest character boundary at or before `offset`.
fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "say \"ação 👋 ok\"\r\nx\ry\nz";

    #[test]
    fn utf16_counts_surrogate_pairs_as_two() {
        let index = LineIndex::new(TEXT);
        let ok = TEXT.find("ok").unwrap_or(0);
        // `say "ação ` is 10 UTF-16 units, the emoji 2, then a space.
        assert_eq!(
            index.position(TEXT, ok, Encoding::Utf16),
            Position::new(0, 13)
        );
        assert_eq!(
            index.position(TEXT, ok, Encoding::Utf32),
            Position::new(0, 12)
        );
        assert_eq!(
            index.position(TEXT, ok, Encoding::Utf8),
            Position::new(0, ok as u32)
        );
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let p = index.position(TEXT, ok, encoding);
            assert_eq!(index.offset(TEXT, p, encoding), ok);
        }
    }

    #[test]
    fn every_line_break_counts() {
        let index = LineIndex::new(TEXT);
        assert_eq!(index.line_count(), 4);
        let y = TEXT.find("\ry").unwrap_or(0) + 1;
        assert_eq!(
            index.position(TEXT, y, Encoding::Utf16),
            Position::new(2, 0)
        );
        // Past the end of line 1 (`x`): the end of that line, not the next one.
        assert_eq!(
            index.offset(TEXT, Position::new(1, 99), Encoding::Utf16),
            y - 1
        );
        assert_eq!(
            index.offset(TEXT, Position::new(9, 0), Encoding::Utf16),
            TEXT.len()
        );
        assert_eq!(
            index.offset(TEXT, Position::new(3, 5), Encoding::Utf16),
            TEXT.len()
        );
    }

    #[test]
    fn the_middle_of_a_character_rounds_down() {
        let index = LineIndex::new(TEXT);
        let emoji = TEXT.find('👋').unwrap_or(0);
        // Character 11 is the second half of the surrogate pair.
        assert_eq!(
            index.offset(TEXT, Position::new(0, 11), Encoding::Utf16),
            emoji
        );
        assert_eq!(
            index.position(TEXT, emoji + 1, Encoding::Utf16),
            Position::new(0, 10)
        );
    }
}
