//! Lowering pest pairs into the syntax tree: one function per grammar rule, comments attached
//! from the pre-scan's list as nodes are built in source order.
//!
//! This file holds the entry point (a large file is lowered in two halves on two threads), the
//! `Lower` walker and what every rule's lowering uses: spans, comments, nodes and blocks. The
//! rules themselves are lowered in the files named after what they hold.

mod bot;
mod call;
mod items;
mod leaves;
mod noise;
mod steps;
mod syntax_error;
mod template;
mod test_items;

use self::noise::is_noise;
use self::syntax_error::last_content_end;
use super::error::SyntaxError;
use super::parser::{CharlaParser, Rule};
use super::scan::Scan;
use crate::ast::{Block, BrokenItem, Comment, File, Item, Node, Trivia};
use crate::fold::nfc;
use crate::source::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser;

pub fn lower_file(id: FileId, text: &str, scan: &Scan, errors: &mut Vec<SyntaxError>) -> File {
    let chunks = scan.chunks.as_slice();
    let Some((half, first_comment)) = split_point(text, scan) else {
        let part = lower_part(id, text, chunks, &scan.comments, errors);
        return File {
            id,
            items: part.items,
            end_comments: part.rest,
            broken: part.broken,
        };
    };
    // A large file is parsed in two halves on two cores. The halves meet where no comment
    // could belong to the other side, so the tree is the same as a sequential parse.
    let (first_chunks, second_chunks) = chunks.split_at(half);
    let (first_comments, second_comments) = scan.comments.split_at(first_comment);
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            let mut errors = Vec::new();
            let part = lower_part(id, text, first_chunks, first_comments, &mut errors);
            (part, errors)
        });
        let mut second_errors = Vec::new();
        let second = lower_part(id, text, second_chunks, second_comments, &mut second_errors);
        let first = first
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, (second, second_errors))
    });
    let ((mut part, first_errors), (second, second_errors)) = (first, second);
    errors.extend(first_errors);
    errors.extend(second_errors);
    part.items.extend(second.items);
    part.broken.extend(second.broken);
    File {
        id,
        items: part.items,
        end_comments: second.rest,
        broken: part.broken,
    }
}

/// Items of some chunks, the items that did not parse, and the comments left after them.
struct Part {
    items: Vec<Node<Item>>,
    broken: Vec<BrokenItem>,
    rest: Vec<Comment>,
}

fn lower_part(
    id: FileId,
    text: &str,
    chunks: &[std::ops::Range<usize>],
    comments: &[Comment],
    errors: &mut Vec<SyntaxError>,
) -> Part {
    let mut lower = Lower {
        file: id,
        base: 0,
        text,
        comments,
        next: 0,
        errors,
    };
    let mut items = Vec::with_capacity(chunks.len());
    let mut broken = Vec::new();
    for chunk in chunks {
        let chunk_text = &text[chunk.clone()];
        lower.base = chunk.start;
        match CharlaParser::parse(Rule::item, chunk_text) {
            Ok(mut pairs) => {
                let Some(item) = pairs.next().and_then(|p| p.into_inner().next()) else {
                    continue;
                };
                items.push(lower.item(item));
            }
            Err(err) => {
                lower.errors.push(lower.syntax_error(&err, chunk.clone()));
                broken.push(broken_item(id, chunk_text, chunk.start));
                lower.skip_comments_before(chunk.end);
            }
        }
    }
    let rest = lower.comments_before(usize::MAX);
    Part {
        items,
        broken,
        rest,
    }
}

/// Where to cut a large file in two: a chunk index near the middle whose previous chunk has no
/// comment after its last line of code (such a comment would lead the next item), and the
/// index of the first comment of the second half. `None` for files too small to be worth it.
fn split_point(text: &str, scan: &Scan) -> Option<(usize, usize)> {
    const WORTH_IT: usize = 512;
    let chunks = &scan.chunks;
    if chunks.len() < WORTH_IT {
        return None;
    }
    let middle = chunks.len() / 2;
    (0..middle / 2)
        .flat_map(|d| [middle + d, middle - d])
        .find_map(|k| {
            let previous = chunks.get(k - 1)?;
            let code_end = previous.start + last_content_end(text.get(previous.clone())?)?;
            let next_line = text[code_end..previous.end]
                .find('\n')
                .map_or(previous.end, |n| code_end + n);
            let first = scan
                .comments
                .partition_point(|c| (c.span.start as usize) < next_line);
            let clean = scan
                .comments
                .get(first)
                .is_none_or(|c| c.span.start as usize >= previous.end);
            clean.then(|| {
                (
                    k,
                    scan.comments
                        .partition_point(|c| (c.span.start as usize) < previous.end),
                )
            })
        })
}

/// Recognises `menu name` / `intent name` ... at the start of an item that did not parse.
fn broken_item(file: FileId, text: &str, base: usize) -> BrokenItem {
    let trimmed = text.trim_start();
    let offset = base + (text.len() - trimmed.len());
    let mut words = trimmed
        .split(|c: char| c.is_whitespace() || c == '{')
        .filter(|w| !w.is_empty());
    let keyword = words.next().unwrap_or("").to_string();
    let name = words.next().filter(|w| !w.starts_with('"')).map(nfc);
    let line_len = trimmed.find('\n').unwrap_or(trimmed.len());
    BrokenItem {
        keyword,
        name,
        span: Span::new(file, offset, offset + line_len),
    }
}

struct Lower<'a, 'e> {
    file: FileId,
    /// Offset of the item being lowered in the file (pest positions are relative to it).
    base: usize,
    text: &'a str,
    comments: &'a [Comment],
    /// The first comment not yet attached.
    next: usize,
    errors: &'e mut Vec<SyntaxError>,
}

impl<'a, 'e> Lower<'a, 'e> {
    // ---- positions and comments ----------------------------------------------------------------

    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    /// Takes the comments that start before `offset`.
    fn comments_before(&mut self, offset: usize) -> Vec<Comment> {
        let start = self.next;
        while self.next < self.comments.len()
            && (self.comments[self.next].span.start as usize) < offset
        {
            self.next += 1;
        }
        self.comments[start..self.next].to_vec()
    }

    fn skip_comments_before(&mut self, offset: usize) {
        self.comments_before(offset);
    }

    /// Takes the comment on the same line after `offset`, if there is one.
    fn comment_after(&mut self, offset: usize) -> Option<Comment> {
        let comment = self.comments.get(self.next)?;
        let between = self.text.get(offset..comment.span.start as usize)?;
        if between.contains('\n') {
            return None;
        }
        self.next += 1;
        Some(comment.clone())
    }

    // ---- nodes and blocks ------------------------------------------------------------------------

    fn node<T>(
        &mut self,
        pair: Pair<'a, Rule>,
        lower: impl FnOnce(&mut Self, Pair<'a, Rule>) -> Option<T>,
    ) -> Option<Node<T>> {
        let span = self.span(&pair);
        let leading = self.comments_before(span.start as usize);
        let kind = lower(self, pair)?;
        let trailing = self.comment_after(span.end as usize);
        Some(Node {
            kind,
            span,
            trivia: Trivia { leading, trailing },
        })
    }

    /// The statements between `{` and `}` among `parts` (a rule's children in order).
    fn block<T>(
        &mut self,
        outer: Span,
        parts: impl Iterator<Item = Pair<'a, Rule>>,
        mut stmt: impl FnMut(&mut Self, Pair<'a, Rule>) -> Option<T>,
    ) -> Block<T> {
        let mut stmts = Vec::new();
        let mut open_comment = None;
        let mut start = outer.start;
        let mut end = outer.end;
        let mut end_comments = Vec::new();
        for part in parts {
            match part.as_rule() {
                Rule::p_lbrace => {
                    let s = self.span(&part);
                    start = s.start;
                    open_comment = self.comment_after(s.end as usize);
                }
                Rule::p_rbrace => {
                    let s = self.span(&part);
                    end = s.end;
                    end_comments = self.comments_before(s.start as usize);
                }
                _ if is_noise(part.as_rule()) => {}
                _ => stmts.extend(self.node(part, &mut stmt)),
            }
        }
        Block {
            stmts,
            end_comments,
            span: Span {
                file: self.file,
                start,
                end,
            },
            open_comment,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file big enough to be parsed in two halves, with comments between, inside and after
    /// items and a broken item, lowers to the same tree as a sequential parse.
    #[test]
    fn parsing_in_two_halves_gives_the_sequential_tree() {
        let mut text =
            String::from("# a bot\nbot \"b\" {\n  business retail\n  start m0 # first\n}\n");
        for i in 0..1200 {
            if i % 7 == 0 {
                text.push_str(&format!("# before m{i}\n\n"));
            }
            text.push_str(&format!("menu m{i} {{ # open\n  # lead\n  say \"hi {i}\" # trail\n  option \"Next\" -> m{}\n  # end of block\n}} # after\n", i + 1));
            if i == 600 {
                text.push_str(
                    "menu broken {\n  option \"x\" m1\n}\n# orphan after a broken item\n",
                );
            }
        }
        text.push_str("# the end\n");
        let scan = super::super::scan::scan(FileId(0), &text);
        assert!(
            split_point(&text, &scan).is_some(),
            "the file should be split"
        );
        let mut errors = Vec::new();
        let split = lower_file(FileId(0), &text, &scan, &mut errors);
        let mut sequential_errors = Vec::new();
        let part = lower_part(
            FileId(0),
            &text,
            &scan.chunks,
            &scan.comments,
            &mut sequential_errors,
        );
        let sequential = File {
            id: FileId(0),
            items: part.items,
            end_comments: part.rest,
            broken: part.broken,
        };
        assert_eq!(errors, sequential_errors);
        assert_eq!(split.items.len(), sequential.items.len());
        assert!(
            split == sequential,
            "the two halves disagree with the sequential parse"
        );
    }
}
