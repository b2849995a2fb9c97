//! Lists: names or strings after a comma (`for`, `examples`, `choice`, `opt_out`), and the
//! entries of `with { }` and `contact { }`.
//!
//! A list after commas keeps the line breaks its author put after commas (a long list of
//! examples reads better one phrase a line); its continuation lines are indented one level
//! deeper than the statement (two in an item's header, so they do not line up with the body).
//! Entries in braces follow the same idea per block: written on one line, they stay on one line;
//! written over several lines, they take one line each. Comments inside a list or braces stay
//! where they were: after the comma or entry they followed, or on their own line.

use super::printer::Printer;
use crate::source::Span;

/// One entry between braces: its text as it will be written and where it is in the source.
pub(super) struct Entry {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

impl Printer<'_> {
    /// Items (names or strings written as they are in the source) separated by `, `, with a line
    /// break after a comma where the source has one; `extra` levels of indentation for the
    /// continuation lines.
    pub(super) fn comma_list(&mut self, spans: &[Span], extra: usize) {
        let mut previous: Option<Span> = None;
        for span in spans {
            if let Some(before) = previous {
                self.push(",");
                let (end, start) = (before.end as usize, span.start as usize);
                if self.between(end, start).contains('\n') {
                    self.end_line(end);
                    self.comments_between(end, start, extra);
                    self.indent(extra);
                } else {
                    self.push(" ");
                }
            }
            let text = self.text(*span);
            self.push(text);
            previous = Some(*span);
        }
    }

    /// Entries between braces, the braces included. `open` is just after the `{` in the
    /// source and `close` at the `}`; `comma` separates entries with commas (`with`) rather
    /// than spaces (`contact`).
    pub(super) fn braced(&mut self, entries: &[Entry], open: usize, close: usize, comma: bool) {
        let inside = self.between(open, close);
        let has_comment = self.first_comment_between(open, close).is_some();
        let several_lines = inside.contains('\n') && (!entries.is_empty() || has_comment);
        if !several_lines {
            let separator = if comma { ", " } else { " " };
            let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
            if texts.is_empty() {
                self.push("{ }");
            } else {
                self.push("{ ");
                self.push(&texts.join(separator));
                self.push(" }");
            }
            return;
        }
        self.push("{");
        self.end_line(open);
        let mut previous = open;
        let count = entries.len();
        for (i, entry) in entries.iter().enumerate() {
            self.comments_between(previous, entry.start, 1);
            self.indent(1);
            self.push(&entry.text);
            if comma && i + 1 < count {
                self.push(",");
            }
            self.end_line(entry.end);
            previous = entry.end;
        }
        self.comments_between(previous, close, 1);
        self.indent(0);
        self.push("}");
    }
}
