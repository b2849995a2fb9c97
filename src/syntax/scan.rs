//! The lexical pre-scan: one linear pass over a file before pest sees it.
//!
//! It does what a PEG parser does badly or not deterministically:
//! - refuses control characters (NUL, binary junk) with their exact position;
//! - measures brace depth outside strings and comments and refuses nesting deeper than
//!   [`MAX_DEPTH`] (pest's own stack guard fails at positions that vary between builds, and the
//!   recursive code after the parser needs the same protection);
//! - collects comments with their spans, for lowering to attach to nodes;
//! - splits the file into top-level items, so that a syntax error stops only its own item.

use crate::ast::Comment;
use crate::source::{FileId, Span};

/// The deepest nesting of `{ }` blocks a file may have (LANGUAGE.md section 2).
pub const MAX_DEPTH: usize = 64;

/// Words that start a top-level item.
const ITEM_WORDS: [&str; 6] = ["bot", "audience", "menu", "intent", "template", "test"];

/// What the pre-scan found.
#[derive(Debug, Default)]
pub struct Scan {
    pub comments: Vec<Comment>,
    /// Byte ranges of the top-level items, in order.
    pub chunks: Vec<std::ops::Range<usize>>,
    /// A problem that stops the whole file.
    pub fatal: Option<ScanError>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScanError {
    ControlCharacter { span: Span, code: u32 },
    TooDeep { span: Span },
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Code,
    Str,
    RawStr,
}

/// Scans one file's text.
pub fn scan(file: FileId, text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut out = Scan::default();
    let mut state = State::Code;
    // The quote that ends the string being read (`"`, or `'` in a condition).
    let mut quote = b'"';
    let mut depth = 0usize;
    let mut chunk_start: Option<usize> = None;
    let mut line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if line_start && state == State::Code {
            line_start = false;
            if let Some(word_end) = starts_item(bytes, i, depth) {
                // A new item begins here: close the previous one.
                if let Some(start) = chunk_start.take() {
                    out.chunks.push(start..line_begin(bytes, i));
                }
                chunk_start = Some(line_begin(bytes, i));
                depth = 0;
                i = word_end;
                continue;
            }
        }
        if is_forbidden_control(bytes, i) {
            let ch = text[i..].chars().next().map_or(0, |c| c as u32);
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.fatal = Some(ScanError::ControlCharacter {
                span: Span::new(file, i, i + len),
                code: ch,
            });
            return out;
        }
        if state == State::Code && chunk_start.is_none() && b != b'#' && !b.is_ascii_whitespace() {
            // Text before the first item: parse it as an item so that it gets an error.
            chunk_start = Some(line_begin(bytes, i));
        }
        match state {
            State::Code => match b {
                b'#' => {
                    let end = memchr_newline(bytes, i);
                    if let Some(bad) = (i..end).find(|&j| is_forbidden_control(bytes, j)) {
                        let ch = text[bad..].chars().next().map_or(0, |c| c as u32);
                        let len = text[bad..].chars().next().map_or(1, char::len_utf8);
                        out.fatal = Some(ScanError::ControlCharacter {
                            span: Span::new(file, bad, bad + len),
                            code: ch,
                        });
                        return out;
                    }
                    let body = text[i + 1..end].trim_end_matches('\r');
                    out.comments.push(Comment {
                        text: body.to_string(),
                        span: Span::new(file, i, i + 1 + body.len()),
                    });
                    i = end;
                    continue;
                }
                b'"' => {
                    if bytes[i..].starts_with(b"\"\"\"") {
                        state = State::RawStr;
                        i += 3;
                        continue;
                    }
                    state = State::Str;
                    quote = b'"';
                }
                // A single-quoted string of an `if` condition (`tracking.status == '#'`): a
                // `#` or a brace inside it is text, not a comment or a block.
                b'\'' => {
                    state = State::Str;
                    quote = b'\'';
                }
                b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        out.fatal = Some(ScanError::TooDeep {
                            span: Span::new(file, i, i + 1),
                        });
                        return out;
                    }
                }
                b'}' => depth = depth.saturating_sub(1),
                b'\n' => line_start = true,
                _ => {}
            },
            State::Str => match b {
                b'\\' if i + 1 < bytes.len() && bytes[i + 1] != b'\n' && bytes[i + 1] != b'\r' => {
                    i += 1
                }
                _ if b == quote => state = State::Code,
                b'\n' => {
                    // An unterminated string ends at its line; the parser reports it.
                    state = State::Code;
                    line_start = true;
                }
                _ => {}
            },
            State::RawStr => {
                if bytes[i..].starts_with(b"\"\"\"") {
                    state = State::Code;
                    i += 3;
                    continue;
                }
            }
        }
        i += 1;
    }
    if let Some(start) = chunk_start {
        out.chunks.push(start..bytes.len());
    }
    out
}

/// Control characters other than tab and the line ends are errors (LANGUAGE.md section 2).
fn is_forbidden_control(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\t' | b'\n' => false,
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        b if b < 0x20 || b == 0x7f => true,
        // C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
        0xc2 => matches!(bytes.get(i + 1), Some(0x80..=0x9f)),
        _ => false,
    }
}

/// If an item starts at `i` (the first character of a line, possibly after indentation),
/// returns the end of its keyword. At depth 0 any item word starts an item; inside a block only
/// `menu`, `intent`, `template` or `test` lines that end with `{` do, because no statement can
/// begin that way: this recovers from a forgotten `}` at the next item instead of at the end
/// of the file.
fn starts_item(bytes: &[u8], i: usize, depth: usize) -> Option<usize> {
    let mut j = i;
    while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
        j += 1;
    }
    let word_end = j + bytes[j..]
        .iter()
        .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
        .count();
    let word = std::str::from_utf8(&bytes[j..word_end]).ok()?;
    if !ITEM_WORDS.contains(&word)
        || bytes
            .get(word_end)
            .is_some_and(|b| !matches!(b, b' ' | b'\t'))
    {
        return None;
    }
    if depth == 0 {
        return Some(word_end);
    }
    if word == "bot" || word == "audience" {
        return None;
    }
    let line_end = memchr_newline(bytes, word_end);
    let line = std::str::from_utf8(&bytes[word_end..line_end]).ok()?;
    let code = line.split('#').next().unwrap_or("").trim_end();
    (code.ends_with('{') && !code.contains('"')).then_some(word_end)
}

fn line_begin(bytes: &[u8], i: usize) -> usize {
    bytes[..i]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1)
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<&str> {
        scan(FileId(0), text)
            .chunks
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn splits_items_and_keeps_comments() {
        let text = "# a\nbot \"x\" {\n  start y # b\n}\nmenu y {\n  say \"# not a comment {\"\n}\n";
        let scan = scan(FileId(0), text);
        assert_eq!(scan.comments.len(), 2);
        assert_eq!(scan.comments[1].text, " b");
        assert_eq!(chunks(text).len(), 2);
    }

    #[test]
    fn a_hash_in_a_condition_string_is_no_comment() {
        let text = "menu a {\n  if x != '#}' {\n    say \"y\"\n  }\n}\nmenu b {\n  say \"z\"\n}\n";
        let scan = scan(FileId(0), text);
        assert!(scan.comments.is_empty());
        assert_eq!(chunks(text).len(), 2);
    }

    #[test]
    fn forgotten_brace_recovers_at_next_block_item() {
        let text = "menu a {\n  say \"x\"\nmenu b {\n  say \"y\"\n}\n";
        assert_eq!(
            chunks(text),
            vec!["menu a {\n  say \"x\"\n", "menu b {\n  say \"y\"\n}\n"]
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "{".repeat(100_000);
        assert!(matches!(
            scan(FileId(0), &text).fatal,
            Some(ScanError::TooDeep { .. })
        ));
    }

    #[test]
    fn nul_is_refused() {
        assert!(matches!(
            scan(FileId(0), "bot\0").fatal,
            Some(ScanError::ControlCharacter { code: 0, .. })
        ));
    }
}
