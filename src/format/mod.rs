//! `charla fmt`: one canonical layout for a `.charla` file (docs/fmt.md).
//!
//! The file is parsed by the compiler's own parser and written back from the syntax tree, with
//! the source text where the tree does not keep how something was written: string literals
//! (escapes and quotes untouched), names, and blank lines between paragraphs. Comments stay where
//! they were. A file that does not parse is refused, and so is, as a last guard, an output
//! that would not parse again or would not carry the same comments in the same order.
//!
//! ```text
//! SourceFile ──syntax::parse_file──▶ ast::File ──Printer (items, steps, test_items, lists)──▶ text
//!                                              ──self-check: parses, same comments──▶ Ok(text)
//! ```
//! Pure: no files, no terminal (`cli/fmt.rs` reads, diffs and writes).

mod items;
mod lists;
mod printer;
mod raw_string;
mod steps;
mod test_items;

use crate::ast::Comment;
use crate::source::{FileId, SourceFile};
use crate::syntax::{parse_file, scan, SyntaxError};
use printer::Printer;

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq)]
pub enum FormatError {
    /// The file does not parse: these are its syntax errors (with spans in the file).
    Syntax(Vec<SyntaxError>),
    /// The formatter's output failed its self-check; the file is left as it is. This is a bug
    /// in the formatter, never in the file.
    SelfCheck(SelfCheck),
}

/// What the self-check found wrong with an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfCheck {
    /// A comment of the source was not written.
    CommentLost,
    /// The output does not parse.
    OutputDoesNotParse,
    /// The output's comments differ from the source's (text or order).
    CommentsDiffer,
}

impl std::fmt::Display for SelfCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SelfCheck::CommentLost => "a comment would be lost",
            SelfCheck::OutputDoesNotParse => "the formatted text would not parse",
            SelfCheck::CommentsDiffer => "the comments would change",
        })
    }
}

/// The file in canonical layout (no byte-order mark, one line end at the end, the line ends
/// of its first line).
pub fn format_source(source: &SourceFile) -> Result<String, FormatError> {
    let id = FileId(0);
    let (file, errors) = parse_file(id, source);
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    let scanned = scan::scan(id, &source.text);
    let mut printer = Printer::new(&source.text, &scanned.comments);
    printer.file(&file);
    let (out, every_comment) = printer.finish();
    if !every_comment {
        return Err(FormatError::SelfCheck(SelfCheck::CommentLost));
    }
    self_check(&scanned.comments, &out).map_err(FormatError::SelfCheck)?;
    Ok(if uses_crlf(&source.text) {
        out.replace('\n', "\r\n")
    } else {
        out
    })
}

/// A file keeps its kind of line end, decided by its first line: a Windows editor, or git
/// with `core.autocrlf`, writes CRLF, and `fmt --check` must not fail on every line there.
fn uses_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|at| text.get(..at).is_some_and(|line| line.ends_with('\r')))
}

/// The output must parse and hold the source's comments, in the same order.
fn self_check(comments: &[Comment], out: &str) -> Result<(), SelfCheck> {
    let formatted = SourceFile::new("formatted", out);
    let (_, errors) = parse_file(FileId(0), &formatted);
    if !errors.is_empty() {
        return Err(SelfCheck::OutputDoesNotParse);
    }
    let after = scan::scan(FileId(0), out).comments;
    let same = after.len() == comments.len()
        && after
            .iter()
            .zip(comments)
            .all(|(a, b)| a.text.trim_end() == b.text.trim_end());
    if same {
        Ok(())
    } else {
        Err(SelfCheck::CommentsDiffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(text: &str) -> String {
        match format_source(&SourceFile::new("t.charla", text)) {
            Ok(out) => out,
            Err(err) => panic!("not formatted: {err:?}"),
        }
    }

    #[test]
    fn indentation_and_blank_lines_become_canonical() {
        let text = "bot \"B\" {\n\n    business retail\n\tstart home\n\n\n    support \"a@b.example\"\n\n}\nmenu home {\nsay \"Hi\"\n      option \"A\" -> handoff\n}\n\n\n";
        assert_eq!(
            format(text),
            "bot \"B\" {\n  business retail\n  start home\n\n  support \"a@b.example\"\n}\n\nmenu home {\n  say \"Hi\"\n  option \"A\" -> handoff\n}\n"
        );
    }

    #[test]
    fn else_joins_the_closing_brace_and_comments_stay() {
        let text = "menu m {\n  if a {   # open\n    say \"x\"\n  }\n  else {\n    say \"y\"  # t\n  # end\n  }\n}\n";
        assert_eq!(
            format(text),
            "menu m {\n  if a { # open\n    say \"x\"\n  } else {\n    say \"y\" # t\n    # end\n  }\n}\n"
        );
    }

    #[test]
    fn with_on_several_lines_takes_one_entry_a_line() {
        let text = "intent i {\n  call POST \"/x\" with { a: \"1\", # one\n  \"b\": \"2\"\n  c: \"3\" } as r\n}\n";
        assert_eq!(
            format(text),
            "intent i {\n  call POST \"/x\" with {\n    a: \"1\", # one\n    \"b\": \"2\",\n    c: \"3\"\n  } as r\n}\n"
        );
    }

    #[test]
    fn a_file_that_does_not_parse_is_refused() {
        let source = SourceFile::new("t.charla", "menu m {\n  option \"A\" handoff\n}\n");
        assert!(matches!(
            format_source(&source),
            Err(FormatError::Syntax(errors)) if !errors.is_empty()
        ));
    }
}
