//! A pest error turned into a `SyntaxError`: an unclosed string, the place where the missing
//! token belongs, and what was found there.

use super::Lower;
use crate::source::Span;
use crate::syntax::error::{Found, SyntaxError};
use crate::syntax::parser::Rule;

impl<'a, 'e> Lower<'a, 'e> {
    pub(super) fn syntax_error(
        &self,
        err: &pest::error::Error<Rule>,
        chunk: std::ops::Range<usize>,
    ) -> SyntaxError {
        let pos = match err.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((p, _)) => p,
        };
        let expected = match &err.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
            pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
        };
        let mut at = chunk.start + pos;
        let rest = &self.text[at..];
        // An opening quote with no closing one on its line: say so, not "expected a text".
        if let Some(after) = rest.strip_prefix("\"\"\"") {
            if !after.contains("\"\"\"") {
                let line = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
                return SyntaxError::UnclosedString {
                    span: Span::new(self.file, at, at + line.len()),
                };
            }
        } else if let Some(body) = rest.strip_prefix('"') {
            let line = body.split('\n').next().unwrap_or("").trim_end_matches('\r');
            if !closes(line) {
                return SyntaxError::UnclosedString {
                    span: Span::new(self.file, at, at + 1 + line.len()),
                };
            }
        }
        // Only blank lines and comments left in the item: report at the end of the last line
        // with content, where the missing token belongs.
        let tail = self.text.get(at..chunk.end).unwrap_or("");
        if tail
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            if let Some(end) = last_content_end(&self.text[chunk.start..chunk.end]) {
                at = at.min(chunk.start + end);
            }
        }
        let rest = &self.text[at..];
        let nothing_after = self.text[at..]
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        let (found, len) = if nothing_after {
            (Found::EndOfFile, 0)
        } else if rest.starts_with('\n')
            || rest.starts_with("\r\n")
            || rest.starts_with(" #")
            || at >= chunk.end
        {
            (Found::EndOfLine, 0)
        } else {
            let token = found_token(rest);
            let len = token.len();
            (Found::Text(token), len)
        };
        SyntaxError::Unexpected {
            span: Span::new(self.file, at, at + len),
            expected,
            found,
        }
    }
}

/// Whether a one-line string body (after its opening quote) has a closing quote.
fn closes(body: &str) -> bool {
    let mut escaped = false;
    for c in body.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

/// Byte offset of the end of the last line holding something other than a comment.
pub(super) fn last_content_end(text: &str) -> Option<usize> {
    let mut end = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let code = content.split(" #").next().unwrap_or(content).trim_end();
        if !code.trim().is_empty() && !code.trim_start().starts_with('#') {
            end = Some(offset + code.len());
        }
        offset += line.len();
    }
    end
}

/// The word or character where the parser stopped, for "found `...`".
fn found_token(rest: &str) -> String {
    let line = rest.split(['\n', '\r']).next().unwrap_or("");
    let word: String = line
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .take(30)
        .collect();
    if !word.is_empty() {
        return word;
    }
    if line.starts_with("->") {
        return "->".to_string();
    }
    line.chars().next().map(String::from).unwrap_or_default()
}
