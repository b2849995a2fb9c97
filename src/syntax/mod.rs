//! Parsing: source text to the syntax tree ([`crate::ast`]).
//!
//! `scan` (control characters, nesting, comments, item boundaries) -> pest on each item ->
//! `lower` (pairs to our own tree, one function per rule). Syntax never calls check.

mod error;
mod expected;
mod lower;
pub mod parser;
pub mod scan;
pub mod strings;
pub mod words;

pub use error::{Found, SyntaxError};

use crate::ast::File;
use crate::source::{FileId, SourceFile, Span};

/// The keywords of LANGUAGE.md section 2: they cannot be names.
pub const KEYWORDS: &[&str] = &[
    "bot", "audience", "menu", "intent", "template", "test", "say", "ask", "call", "set", "if",
    "else", "goto", "handoff", "end", "option", "for", "sets", "as", "with", "examples",
    "category", "contact", "mock", "returns", "fails", "user", "expect", "contains", "opt_in",
    "opt_out", "none", "start",
];

/// Whether `text` is a name of LANGUAGE.md section 2 (of a menu, intent, audience, template,
/// variable), by the grammar's own rule: a letter or `_`, then letters, digits and `_`, and
/// not a keyword.
pub fn is_name(text: &str) -> bool {
    use pest::Parser as _;
    parser::CharlaParser::parse(parser::Rule::name, text)
        .is_ok_and(|mut pairs| pairs.next().is_some_and(|name| name.as_str() == text))
}

/// Parses one file. Returns the tree of the items that parsed and the syntax errors; an item
/// with an error is left out of the tree (and listed in `File::broken`).
pub fn parse_file(id: FileId, source: &SourceFile) -> (File, Vec<SyntaxError>) {
    let mut errors = Vec::new();
    let empty = File {
        id,
        items: Vec::new(),
        end_comments: Vec::new(),
        broken: Vec::new(),
    };
    if let Some(byte) = source.invalid_utf8_at {
        // The bad byte became U+FFFD in the text; point at it.
        let at = source.text.find('\u{fffd}').unwrap_or(0);
        errors.push(SyntaxError::InvalidUtf8 {
            span: Span::new(id, at, at + 3),
            byte,
        });
        return (empty, errors);
    }
    if source.text.trim().is_empty() {
        errors.push(SyntaxError::Empty {
            span: Span::new(id, 0, 0),
        });
        return (empty, errors);
    }
    let scanned = scan::scan(id, &source.text);
    match scanned.fatal {
        Some(scan::ScanError::ControlCharacter { span, code }) => {
            errors.push(SyntaxError::ControlCharacter { span, code });
            return (empty, errors);
        }
        Some(scan::ScanError::TooDeep { span }) => {
            errors.push(SyntaxError::TooDeep { span });
            return (empty, errors);
        }
        None => {}
    }
    let file = lower::lower_file(id, &source.text, &scanned, &mut errors);
    (file, errors)
}

#[cfg(test)]
mod tests {
    use super::is_name;

    #[test]
    fn is_name_follows_the_grammars_rule() {
        for name in ["billing", "_x", "menu2", "sou_usuário", "opt_in_2"] {
            assert!(is_name(name), "{name}");
        }
        for text in ["", "menu", "audience", "2x", "two words", "a-b", "x ", "é!"] {
            assert!(!is_name(text), "{text}");
        }
    }

    #[test]
    fn keywords_are_never_names_and_longer_words_are() {
        for keyword in super::KEYWORDS {
            assert!(!is_name(keyword), "`{keyword}` was taken for a name");
            let longer = format!("{keyword}s_x");
            assert!(is_name(&longer), "`{longer}` was refused as a name");
        }
        assert!(is_name("menú_principal"));
        assert!(is_name("settings"));
    }
}
