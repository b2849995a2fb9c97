//! Lowering pest pairs into the syntax tree: one function per grammar rule, comments attached
//! from the pre-scan's list as nodes are built in source order.

use super::error::{Found, SyntaxError};
use super::parser::{CharlaParser, Rule};
use super::scan::Scan;
use super::strings::{decode_escapes, dedent_raw};
use crate::ast::*;
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

/// Rules that only shape the syntax; lowering skips them when it walks a rule's parts.
fn is_noise(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        line_end
            | kw_as
            | kw_ask
            | kw_audience
            | kw_bot
            | kw_call
            | kw_category
            | kw_contact
            | kw_contains
            | kw_else
            | kw_end
            | kw_examples
            | kw_expect
            | kw_fails
            | kw_for
            | kw_goto
            | kw_handoff
            | kw_if
            | kw_intent
            | kw_menu
            | kw_mock
            | kw_none
            | kw_opt_in
            | kw_opt_out
            | kw_option
            | kw_returns
            | kw_say
            | kw_set
            | kw_sets
            | kw_start
            | kw_template
            | kw_test
            | kw_user
            | kw_with
            | p_arrow
            | p_colon
            | p_comma
            | p_equals
            | p_lbrace
            | p_rbrace
            | w_agent
            | w_api
            | w_approval
            | w_body
            | w_business
            | w_button
            | w_choice
            | w_digits
            | w_fallback
            | w_footer
            | w_handoff_message
            | w_header
            | w_language
            | w_list_button
            | w_name
            | w_phone
            | w_policy
            | w_releases
            | w_session
            | w_support
            | w_timezone
    )
}

impl<'a, 'e> Lower<'a, 'e> {
    // ---- positions, comments, errors ----------------------------------------------------------

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

    fn syntax_error(
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

    // ---- leaves --------------------------------------------------------------------------------

    fn name(&self, pair: &Pair<Rule>) -> Name {
        Name {
            text: nfc(pair.as_str()),
            span: self.span(pair),
        }
    }

    /// `string` (one line, escapes) or `text` (either form).
    fn string(&mut self, pair: Pair<Rule>) -> Str {
        let span = self.span(&pair);
        let inner = match pair.as_rule() {
            Rule::text => match pair.into_inner().next() {
                Some(p) => p,
                None => {
                    return Str {
                        value: String::new(),
                        raw: false,
                        span,
                    }
                }
            },
            _ => pair,
        };
        let raw = inner.as_rule() == Rule::raw_string;
        let Some(body) = inner.into_inner().next() else {
            return Str {
                value: String::new(),
                raw,
                span,
            };
        };
        if raw {
            return Str {
                value: dedent_raw(body.as_str()),
                raw,
                span,
            };
        }
        let body_start = self.base + body.as_span().start();
        let (value, bad) = decode_escapes(body.as_str());
        for b in bad {
            let escape = body.as_str()[b.start..b.end].to_string();
            self.errors.push(SyntaxError::UnknownEscape {
                span: Span::new(self.file, body_start + b.start, body_start + b.end),
                escape,
            });
        }
        Str { value, raw, span }
    }

    fn tag(&self, pair: &Pair<Rule>) -> Tag {
        Tag {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn target(&self, pair: Pair<Rule>) -> Target {
        let span = self.span(&pair);
        match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::kw_handoff => Target::Handoff(span),
            Some(p) if p.as_rule() == Rule::kw_end => Target::End(span),
            Some(p) => Target::Named(self.name(&p)),
            None => Target::End(span),
        }
    }

    fn audience_ref(&self, pair: Pair<Rule>) -> AudienceRef {
        let span = self.span(&pair);
        match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::name => AudienceRef::Named(self.name(&p)),
            _ => AudienceRef::None(span),
        }
    }

    fn names(&self, pair: Pair<Rule>) -> Vec<Name> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::name)
            .map(|p| self.name(&p))
            .collect()
    }

    fn strings(&mut self, pair: Pair<Rule>) -> Vec<Str> {
        pair.into_inner()
            .filter(|p| matches!(p.as_rule(), Rule::string | Rule::text))
            .map(|p| self.string(p))
            .collect()
    }

    // ---- blocks ----------------------------------------------------------------------------------

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

    // ---- items -----------------------------------------------------------------------------------

    fn item(&mut self, pair: Pair<'a, Rule>) -> Node<Item> {
        let span = self.span(&pair);
        let leading = self.comments_before(span.start as usize);
        let kind = match pair.as_rule() {
            Rule::bot => Item::Bot(self.bot(pair)),
            Rule::audience => Item::Audience(self.audience(pair)),
            Rule::menu => Item::Menu(self.menu(pair)),
            Rule::intent => Item::Intent(self.intent(pair)),
            Rule::template => Item::Template(self.template(pair)),
            _ => Item::Test(self.test(pair)),
        };
        let trailing = self.comment_after(span.end as usize);
        Node {
            kind,
            span,
            trivia: Trivia { leading, trailing },
        }
    }

    fn bot(&mut self, pair: Pair<'a, Rule>) -> Bot {
        let span = self.span(&pair);
        let mut parts = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::kw_bot)
            .peekable();
        let name = self.title(span, &mut parts);
        let settings = self.block(span, parts, Self::setting);
        Bot { name, settings }
    }

    /// The quoted title after `bot` or `test` (empty if the parser let it be missing).
    fn title(
        &mut self,
        span: Span,
        parts: &mut std::iter::Peekable<impl Iterator<Item = Pair<'a, Rule>>>,
    ) -> Str {
        match parts.next_if(|p| p.as_rule() == Rule::string) {
            Some(p) => self.string(p),
            None => Str {
                value: String::new(),
                raw: false,
                span,
            },
        }
    }

    fn setting(&mut self, pair: Pair<'a, Rule>) -> Option<Setting> {
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().filter(|p| !is_noise(p.as_rule()));
        let first = parts.next()?;
        Some(match rule {
            Rule::set_business => Setting::Business(self.name(&first)),
            Rule::set_language => Setting::Language(self.tag(&first)),
            Rule::set_policy => match first.as_rule() {
                Rule::name => Setting::Policy(PolicyRef::Builtin(self.name(&first))),
                _ => Setting::Policy(PolicyRef::File(self.string(first))),
            },
            Rule::set_start => {
                let target = self.target(first);
                let audiences = parts.next().map(|p| self.names(p)).unwrap_or_default();
                Setting::Start { target, audiences }
            }
            Rule::set_fallback => Setting::Fallback(self.string(first)),
            Rule::set_handoff_message => Setting::HandoffMessage(self.string(first)),
            Rule::set_api => Setting::Api(self.string(first)),
            Rule::set_support => Setting::Support(self.string(first)),
            Rule::set_opt_out => {
                let mut words = vec![self.string(first)];
                words.extend(parts.map(|p| self.string(p)));
                Setting::OptOut(words)
            }
            Rule::set_list_button => Setting::ListButton(self.string(first)),
            Rule::set_timezone => Setting::Timezone(self.string(first)),
            Rule::set_session => Setting::Session(self.duration(&first)),
            _ => Setting::Approval(self.string(first)),
        })
    }

    fn duration(&self, pair: &Pair<Rule>) -> Duration {
        let mut seconds: u64 = 0;
        let mut number: u64 = 0;
        for c in pair.as_str().chars() {
            match c.to_digit(10) {
                Some(d) => number = number.saturating_mul(10).saturating_add(u64::from(d)),
                None => {
                    let unit = match c {
                        'd' => 86_400,
                        'h' => 3_600,
                        'm' => 60,
                        _ => 1,
                    };
                    seconds = seconds.saturating_add(number.saturating_mul(unit));
                    number = 0;
                }
            }
        }
        Duration {
            text: pair.as_str().to_string(),
            seconds,
            span: self.span(pair),
        }
    }

    fn audience(&mut self, pair: Pair<'a, Rule>) -> Audience {
        let mut parts = pair.into_inner().filter(|p| !is_noise(p.as_rule()));
        let name = parts.next().map(|p| self.name(&p)).unwrap_or_else(|| Name {
            text: String::new(),
            span: Span::default(),
        });
        let label = parts.next().map(|p| self.string(p));
        Audience { name, label }
    }

    /// Name and `for` audiences at the head of a menu or intent; the rest are the block's parts.
    fn head(&mut self, pair: Pair<'a, Rule>) -> (Name, Vec<Name>, Span, Vec<Pair<'a, Rule>>) {
        let span = self.span(&pair);
        let mut name = Name {
            text: String::new(),
            span,
        };
        let mut audiences = Vec::new();
        let mut rest = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::name if rest.is_empty() => name = self.name(&part),
                Rule::for_clause if rest.is_empty() => audiences = self.names(part),
                Rule::kw_menu | Rule::kw_intent | Rule::kw_template if rest.is_empty() => {}
                _ => rest.push(part),
            }
        }
        (name, audiences, span, rest)
    }

    fn menu(&mut self, pair: Pair<'a, Rule>) -> Menu {
        let (name, audiences, span, rest) = self.head(pair);
        let body = self.block(span, rest.into_iter(), |this, p| match p.as_rule() {
            Rule::option => Some(MenuStmt::Option(this.option(p))),
            _ => this.step(p).map(MenuStmt::Step),
        });
        Menu {
            name,
            audiences,
            body,
        }
    }

    fn option(&mut self, pair: Pair<'a, Rule>) -> MenuOption {
        let span = self.span(&pair);
        let mut label = None;
        let mut description = None;
        let mut target = Target::End(span);
        let mut sets_audience = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string if label.is_none() => label = Some(self.string(part)),
                Rule::string => description = Some(self.string(part)),
                Rule::target => target = self.target(part),
                Rule::sets_audience => {
                    sets_audience = part
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::audience_ref)
                        .map(|p| self.audience_ref(p));
                }
                _ => {}
            }
        }
        let label = label.unwrap_or(Str {
            value: String::new(),
            raw: false,
            span,
        });
        MenuOption {
            label,
            description,
            target,
            sets_audience,
        }
    }

    fn intent(&mut self, pair: Pair<'a, Rule>) -> Intent {
        let (name, audiences, span, rest) = self.head(pair);
        let body = self.block(span, rest.into_iter(), |this, p| match p.as_rule() {
            Rule::examples => Some(IntentStmt::Examples(this.strings(p))),
            Rule::category => p
                .into_inner()
                .find(|p| p.as_rule() == Rule::name)
                .map(|n| IntentStmt::Category(this.name(&n))),
            _ => this.step(p).map(IntentStmt::Step),
        });
        Intent {
            name,
            audiences,
            body,
        }
    }

    fn template(&mut self, pair: Pair<'a, Rule>) -> Template {
        let (name, _, span, rest) = self.head(pair);
        let body = self.block(span, rest.into_iter(), Self::template_stmt);
        Template { name, body }
    }

    fn template_stmt(&mut self, pair: Pair<'a, Rule>) -> Option<TemplateStmt> {
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().filter(|p| !is_noise(p.as_rule()));
        let first = parts.next()?;
        Some(match rule {
            Rule::category => TemplateStmt::Category(self.name(&first)),
            Rule::t_language => TemplateStmt::Language(self.tag(&first)),
            Rule::t_header => TemplateStmt::Header(self.string(first)),
            Rule::t_body => TemplateStmt::Body(self.string(first)),
            Rule::t_footer => TemplateStmt::Footer(self.string(first)),
            _ => {
                let label = self.string(first);
                let target = parts.next().map(|p| self.target(p));
                TemplateStmt::Button { label, target }
            }
        })
    }

    fn test(&mut self, pair: Pair<'a, Rule>) -> Test {
        let span = self.span(&pair);
        let mut parts = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::kw_test)
            .peekable();
        let name = self.title(span, &mut parts);
        let body = self.block(span, parts, Self::test_stmt);
        Test { name, body }
    }

    fn test_stmt(&mut self, pair: Pair<'a, Rule>) -> Option<TestStmt> {
        Some(match pair.as_rule() {
            Rule::contact => TestStmt::Contact(
                pair.into_inner()
                    .filter(|p| !is_noise(p.as_rule()))
                    .filter_map(|field| {
                        let rule = field.as_rule();
                        let value = field.into_inner().find(|p| !is_noise(p.as_rule()))?;
                        Some(match rule {
                            Rule::c_name => ContactField::Name(self.string(value)),
                            Rule::c_phone => ContactField::Phone(self.string(value)),
                            Rule::c_audience => ContactField::Audience(self.audience_ref(value)),
                            _ => ContactField::Language(self.tag(&value)),
                        })
                    })
                    .collect(),
            ),
            Rule::mock => TestStmt::Mock(self.mock(pair)?),
            Rule::user => {
                TestStmt::User(self.string(pair.into_inner().find(|p| p.as_rule() == Rule::text)?))
            }
            Rule::expect => {
                let what = pair.into_inner().find(|p| !is_noise(p.as_rule()))?;
                let rule = what.as_rule();
                let value = what.into_inner().find(|p| !is_noise(p.as_rule()));
                TestStmt::Expect(match (rule, value) {
                    (Rule::e_menu, Some(v)) => Expect::Menu(self.name(&v)),
                    (Rule::e_intent, Some(v)) => Expect::Intent(self.name(&v)),
                    (Rule::e_audience, Some(v)) => Expect::Audience(self.audience_ref(v)),
                    (Rule::e_handoff, _) => Expect::Handoff,
                    (Rule::e_end, _) => Expect::End,
                    (Rule::e_opt_in, _) => Expect::OptIn,
                    (Rule::e_opt_out, _) => Expect::OptOut,
                    _ => Expect::Fallback,
                })
            }
            Rule::bot_says => {
                let contains = pair
                    .clone()
                    .into_inner()
                    .any(|p| p.as_rule() == Rule::kw_contains);
                let text = self.string(pair.into_inner().find(|p| p.as_rule() == Rule::text)?);
                TestStmt::Bot { contains, text }
            }
            _ => TestStmt::AgentReleases,
        })
    }

    fn mock(&mut self, pair: Pair<'a, Rule>) -> Option<Mock> {
        let mut parts = pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::kw_mock));
        let method = Method::parse(parts.next()?.as_str())?;
        let url = self.string(parts.next()?);
        let answer = match parts.next()? {
            p if p.as_rule() == Rule::mock_returns => {
                let mut status = None;
                let mut body = None;
                for part in p.into_inner() {
                    match part.as_rule() {
                        Rule::integer => {
                            let span = self.span(&part);
                            // An out-of-range status is kept as 0 and reported by check.
                            status = Some((part.as_str().parse::<u16>().unwrap_or(0), span));
                        }
                        Rule::text => body = Some(self.string(part)),
                        _ => {}
                    }
                }
                MockAnswer::Returns { status, body }
            }
            _ => MockAnswer::Fails,
        };
        Some(Mock {
            method,
            url,
            answer,
        })
    }

    // ---- steps -----------------------------------------------------------------------------------

    fn step(&mut self, pair: Pair<'a, Rule>) -> Option<Step> {
        let rule = pair.as_rule();
        Some(match rule {
            Rule::say => {
                Step::Say(self.string(pair.into_inner().find(|p| p.as_rule() == Rule::text)?))
            }
            Rule::ask => {
                let mut name = None;
                let mut question = None;
                let mut ty = AskType::Text;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::name => name = Some(self.name(&part)),
                        Rule::text => question = Some(self.string(part)),
                        Rule::t_simple => ty = simple_type(part.as_str()),
                        Rule::t_digits => {
                            let n = part.into_inner().find(|p| p.as_rule() == Rule::integer);
                            ty = AskType::Digits(
                                n.map(|n| n.as_str().parse::<u32>().unwrap_or(u32::MAX)),
                            );
                        }
                        Rule::t_choice => ty = AskType::Choice(self.strings(part)),
                        _ => {}
                    }
                }
                Step::Ask {
                    name: name?,
                    question: question?,
                    ty,
                }
            }
            Rule::call => Step::Call(self.call(pair)?),
            Rule::set_audience => Step::SetAudience(
                self.audience_ref(
                    pair.into_inner()
                        .find(|p| p.as_rule() == Rule::audience_ref)?,
                ),
            ),
            Rule::set_opt_in => Step::SetOptIn,
            Rule::set_opt_out_step => Step::SetOptOut,
            Rule::set_var => {
                let mut parts = pair.into_inner().filter(|p| !is_noise(p.as_rule()));
                let name = self.name(&parts.next()?);
                let value = self.string(parts.next()?);
                Step::SetVar { name, value }
            }
            Rule::if_step => Step::If(self.if_step(pair)?),
            Rule::goto => {
                Step::Goto(self.target(pair.into_inner().find(|p| p.as_rule() == Rule::target)?))
            }
            Rule::handoff => Step::Handoff(
                pair.into_inner()
                    .find(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p)),
            ),
            _ => Step::End,
        })
    }

    fn call(&mut self, pair: Pair<'a, Rule>) -> Option<Call> {
        let mut method = None;
        let mut url = None;
        let mut with = Vec::new();
        let mut bind = None;
        let mut otherwise = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::method => method = Some((Method::parse(part.as_str())?, self.span(&part))),
                Rule::string => url = Some(self.string(part)),
                Rule::call_with => {
                    for entry in part
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::with_entry)
                    {
                        let mut kv = entry.into_inner().filter(|p| !is_noise(p.as_rule()));
                        let key = kv.next()?;
                        let key_span = self.span(&key);
                        let quoted_key = key.as_rule() == Rule::string;
                        let key_text = if quoted_key {
                            self.string(key).value
                        } else {
                            nfc(key.as_str())
                        };
                        let value = self.string(kv.next()?);
                        with.push(WithEntry {
                            key: key_text,
                            key_span,
                            quoted_key,
                            value,
                        });
                    }
                }
                Rule::name => bind = Some(self.name(&part)),
                Rule::call_else => {
                    let span = self.span(&part);
                    let block = part.into_inner().find(|p| p.as_rule() == Rule::block)?;
                    otherwise = Some(self.step_block(span, block));
                }
                _ => {}
            }
        }
        let (method, method_span) = method?;
        Some(Call {
            method,
            method_span,
            url: url?,
            with,
            bind: bind?,
            otherwise,
        })
    }

    fn step_block(&mut self, outer: Span, block: Pair<'a, Rule>) -> Block<Step> {
        self.block(outer, block.into_inner(), Self::step)
    }

    fn if_step(&mut self, pair: Pair<'a, Rule>) -> Option<If> {
        let span = self.span(&pair);
        let mut condition = None;
        let mut then = None;
        let mut otherwise = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::condition => {
                    let s = self.span(&part);
                    let raw = part.as_str();
                    let text = raw.trim();
                    let lead = raw.len() - raw.trim_start().len();
                    let start = s.start as usize + lead;
                    condition = Some(Expr {
                        text: text.to_string(),
                        span: Span::new(self.file, start, start + text.len()),
                    });
                }
                Rule::block => then = Some(self.step_block(span, part)),
                Rule::else_part => {
                    let inner = part
                        .into_inner()
                        .find(|p| matches!(p.as_rule(), Rule::block | Rule::if_step))?;
                    otherwise = Some(match inner.as_rule() {
                        Rule::block => Else::Block(self.step_block(span, inner)),
                        _ => Else::If(Box::new(self.node(inner, Self::step)?)),
                    });
                }
                _ => {}
            }
        }
        Some(If {
            condition: condition?,
            then: then?,
            otherwise,
        })
    }
}

fn simple_type(text: &str) -> AskType {
    match text {
        "number" => AskType::Number,
        "date" => AskType::Date,
        "email" => AskType::Email,
        "phone" => AskType::Phone,
        "rating" => AskType::Rating,
        "yes_no" => AskType::YesNo,
        _ => AskType::Text,
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
fn last_content_end(text: &str) -> Option<usize> {
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
