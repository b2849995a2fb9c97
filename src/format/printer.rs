//! The `Printer`: the output being written, its indentation, and the comments of the source
//! with which of them have been written.
//!
//! Comments come from two places. The tree attaches most of them (leading comments, block end
//! comments, file end comments); the printer also finds comments by position in the source,
//! for the places the tree has no slot for: the end of a line that the layout keeps (after a
//! comma in a list that goes on, after an entry of a `with { }` on several lines) and the end of
//! a statement's last line. Every comment is written once: the printer remembers which ones it
//! wrote, and the tree's copy of a comment already written is skipped.

use crate::ast::{Block, Comment, Node, Str};
use crate::source::Span;

/// Spaces per level of indentation.
const INDENT: usize = 2;

pub(super) struct Printer<'a> {
    /// The source text (after a byte-order mark).
    src: &'a str,
    /// Every comment of the source, in order (from the pre-scan).
    comments: &'a [Comment],
    /// Which of `comments` have been written.
    written: Vec<bool>,
    /// No comment before this index is left unwritten (a cursor, moved on lazily).
    unwritten: usize,
    out: String,
    /// The indentation level of the statement being written.
    pub(super) depth: usize,
    /// Where the statement being written starts in the source: a `"""` string keeps its lines
    /// where they stood relative to it.
    stmt_start: usize,
}

impl<'a> Printer<'a> {
    pub(super) fn new(src: &'a str, comments: &'a [Comment]) -> Printer<'a> {
        Printer {
            src,
            comments,
            written: vec![false; comments.len()],
            unwritten: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            depth: 0,
            stmt_start: 0,
        }
    }

    /// The output, and whether every comment of the source was written.
    pub(super) fn finish(self) -> (String, bool) {
        let all = self.written.iter().all(|w| *w);
        (self.out, all)
    }

    // ---- source ------------------------------------------------------------------------------

    /// The source text of a span, exactly as written (empty if the span does not fit).
    pub(super) fn text(&self, span: Span) -> &'a str {
        self.src.get(span.range()).unwrap_or("")
    }

    /// The source text between two offsets (empty if they do not fit).
    pub(super) fn between(&self, from: usize, to: usize) -> &'a str {
        self.src.get(from..to).unwrap_or("")
    }

    /// Whether the source has a blank line between the line of `from` and the line of `to`: the
    /// author's paragraphs are kept (several blank lines become one).
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let text = self.between(from, to);
        let lines: Vec<&str> = text.split('\n').collect();
        lines.len() >= 3
            && lines
                .get(1..lines.len() - 1)
                .is_some_and(|middle| middle.iter().any(|l| l.trim().is_empty()))
    }

    /// Where a node's code ends. A rule that ends with an optional part (`start X for A?`,
    /// `option ... sets audience A?`) has a span that runs on over the spaces and the comment
    /// the parser skipped while looking for that part; the code ends before them.
    pub(super) fn code_end(&self, span: Span) -> usize {
        let (start, end) = (span.start as usize, span.end as usize);
        let index = self
            .comments
            .partition_point(|c| (c.span.start as usize) < end);
        // The last comment starting in the span ends it if only spaces follow it there (a
        // comment followed by code is inside one of the node's blocks).
        let skipped = index
            .checked_sub(1)
            .and_then(|i| self.comments.get(i))
            .filter(|c| c.span.start as usize >= start)
            .filter(|c| self.between(c.span.end as usize, end).trim().is_empty());
        let code = skipped.map_or(end, |c| c.span.start as usize);
        start + self.between(start, code).trim_end().len()
    }

    /// The length of the source text.
    pub(super) fn text_len(&self) -> usize {
        self.src.len()
    }

    // ---- output ------------------------------------------------------------------------------

    /// Exactly one line end at the end of the output.
    pub(super) fn trim_end(&mut self) {
        let kept = self.out.trim_end().len();
        self.out.truncate(kept);
        self.out.push('\n');
    }

    pub(super) fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// Starts a line at the current depth plus `extra` levels.
    pub(super) fn indent(&mut self, extra: usize) {
        let width = (self.depth + extra) * INDENT;
        self.out.extend(std::iter::repeat_n(' ', width));
    }

    /// Ends the line: first the comment that follows source offset `after` on its line, if any.
    pub(super) fn end_line(&mut self, after: usize) {
        if let Some(text) = self.take_trailing(after) {
            self.out.push_str(" #");
            self.out.push_str(&text);
        }
        self.out.push('\n');
    }

    /// One empty line, never two in a row and never at the start of the file.
    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Notes where the statement about to be written starts in the source.
    pub(super) fn statement_at(&mut self, start: usize) {
        self.stmt_start = start;
    }

    // ---- comments ----------------------------------------------------------------------------

    fn index_of(&self, comment: &Comment) -> Option<usize> {
        self.comments
            .binary_search_by_key(&comment.span.start, |c| c.span.start)
            .ok()
    }

    fn mark(&mut self, index: usize) {
        if let Some(w) = self.written.get_mut(index) {
            *w = true;
        }
    }

    /// The text of the first comment after `after` if only spaces and commas stand between
    /// them (the same line, nothing left to write) and it is not written yet; it is then marked
    /// written.
    fn take_trailing(&mut self, after: usize) -> Option<String> {
        let index = self
            .comments
            .partition_point(|c| (c.span.start as usize) < after);
        let comment = self.comments.get(index)?;
        // Comments are written in source order: one that the tree places further on (a comment
        // between `}` and `else` goes into the `else` block) holds back those after it.
        while self.written.get(self.unwritten).copied() == Some(true) {
            self.unwritten += 1;
        }
        if self.unwritten < index {
            return None;
        }
        let written = self.written.get(index).copied().unwrap_or(true);
        let gap = self.between(after, comment.span.start as usize);
        if written || !gap.chars().all(|c| c == ' ' || c == '\t' || c == ',') {
            return None;
        }
        self.mark(index);
        Some(clean(&comment.text).to_string())
    }

    /// The span of the first comment that starts between two source offsets.
    pub(super) fn first_comment_between(&self, from: usize, to: usize) -> Option<Span> {
        let first = self
            .comments
            .partition_point(|c| (c.span.start as usize) < from);
        self.comments
            .get(first)
            .filter(|c| (c.span.start as usize) < to)
            .map(|c| c.span)
    }

    /// The indexes of the comments that start between two source offsets.
    fn comment_range(&self, from: usize, to: usize) -> std::ops::Range<usize> {
        let starts_before = |at: usize| {
            self.comments
                .partition_point(|c| (c.span.start as usize) < at)
        };
        starts_before(from)..starts_before(to)
    }

    /// The comments that start between two source offsets.
    pub(super) fn comments_in(&self, from: usize, to: usize) -> Vec<Comment> {
        let range = self.comment_range(from, to);
        self.comments.get(range).unwrap_or_default().to_vec()
    }

    /// Writes, each on its own line at the current depth plus `extra`, the comments not yet
    /// written that start between `from` and `to` in the source.
    pub(super) fn comments_between(&mut self, from: usize, to: usize, extra: usize) {
        for index in self.comment_range(from, to) {
            if self.written.get(index).copied().unwrap_or(true) {
                continue;
            }
            let Some(comment) = self.comments.get(index) else {
                continue;
            };
            self.mark(index);
            self.indent(extra);
            self.out.push('#');
            self.out.push_str(clean(&comment.text));
            self.out.push('\n');
        }
    }

    /// Writes a group of comment lines at the current depth: the `attached` comments (the tree's
    /// leading or end comments of what follows) and any other comment not yet written that
    /// starts between `from` and `next` (where what follows starts), in source order. The blank
    /// lines the source has between them and before `next` are kept; `previous` is where what
    /// came before ends (`None` at the start of a block or file, where no blank line goes);
    /// `blank_before` asks for a blank line before the group whatever the source has.
    pub(super) fn comment_group(
        &mut self,
        attached: &[Comment],
        from: usize,
        next: usize,
        previous: Option<usize>,
        blank_before: bool,
    ) {
        let mut pending: Vec<usize> = attached.iter().filter_map(|c| self.index_of(c)).collect();
        let first = self
            .comments
            .partition_point(|c| (c.span.start as usize) < from);
        let last = self
            .comments
            .partition_point(|c| (c.span.start as usize) < next);
        pending.extend(first..last.max(first));
        pending.sort_unstable();
        pending.dedup();
        pending.retain(|&i| !self.written.get(i).copied().unwrap_or(true));
        let start_of =
            |p: &Self, i: usize| p.comments.get(i).map_or(next, |c| c.span.start as usize);
        let group_start = pending.first().map_or(next, |&i| start_of(self, i));
        match previous {
            Some(end) if blank_before || self.blank_between(end, group_start) => self.blank_line(),
            _ => {}
        }
        let mut last_end = None;
        for index in pending {
            let Some(comment) = self.comments.get(index) else {
                continue;
            };
            let (start, end) = (comment.span.start as usize, comment.span.end as usize);
            if last_end.is_some_and(|e| self.blank_between(e, start)) {
                self.blank_line();
            }
            self.mark(index);
            self.indent(0);
            self.out.push('#');
            self.out.push_str(clean(&comment.text));
            self.out.push('\n');
            last_end = Some(end);
        }
        if let Some(end) = last_end {
            if self.blank_between(end, next) {
                self.blank_line();
            }
        }
    }

    // ---- blocks ------------------------------------------------------------------------------

    /// A block's body, after its header has been written up to its `{`: the comment after the
    /// `{`, one statement a line one level deeper (with their comments and the author's blank
    /// lines between them), the comments before the `}` (and `extra_end` comments, which go
    /// there too), then the `}`; the caller ends that line.
    pub(super) fn block<T>(
        &mut self,
        block: &Block<T>,
        extra_end: &[Comment],
        mut statement: impl FnMut(&mut Self, &Node<T>),
    ) {
        self.end_line(block.span.start as usize + 1);
        self.depth += 1;
        let open = block.span.start as usize + 1;
        let mut previous = None;
        for node in &block.stmts {
            let start = node.span.start as usize;
            let from = previous.unwrap_or(open);
            self.comment_group(&node.trivia.leading, from, start, previous, false);
            self.indent(0);
            self.statement_at(start);
            statement(self, node);
            let end = self.code_end(node.span);
            self.end_line(end);
            previous = Some(end);
        }
        let close = (block.span.end as usize).saturating_sub(1);
        let mut end: Vec<Comment> = block.end_comments.clone();
        end.extend(extra_end.iter().cloned());
        self.comment_group(&end, previous.unwrap_or(open), close, previous, false);
        self.trim_blank_before_close();
        self.depth -= 1;
        self.indent(0);
        self.push("}");
    }

    /// No blank line right before a `}`.
    fn trim_blank_before_close(&mut self) {
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
    }

    // ---- literals ----------------------------------------------------------------------------

    /// A string as written: escapes and quotes untouched. A `"""` string over several lines
    /// moves its lines with its statement when that keeps its value (see `raw_string.rs`).
    pub(super) fn literal(&mut self, string: &Str) {
        let written = self.text(string.span);
        if !string.raw || !written.contains('\n') {
            self.push(written);
            return;
        }
        let written = written.replace("\r\n", "\n");
        let line_start = self
            .between(0, self.stmt_start)
            .rfind('\n')
            .map_or(0, |p| p + 1);
        let old = self.between(line_start, self.stmt_start);
        let shifted = if old.bytes().all(|b| b == b' ') {
            let delta = (self.depth * INDENT) as isize - old.len() as isize;
            super::raw_string::reindent(&written, delta)
        } else {
            None
        };
        let text = shifted.unwrap_or(written);
        self.push(&text);
    }
}

/// A comment's text without the spaces at its end.
fn clean(text: &str) -> &str {
    text.trim_end()
}
