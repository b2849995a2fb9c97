//! Leaves: names, strings (escapes decoded, raw strings dedented), tags, targets, audience
//! references, lists of names and strings, and the quoted title of `bot` and `test`.

use super::Lower;
use crate::ast::{AudienceRef, Name, Str, Tag, Target};
use crate::fold::nfc;
use crate::source::Span;
use crate::syntax::error::SyntaxError;
use crate::syntax::parser::Rule;
use crate::syntax::strings::{decode_escapes, dedent_raw};
use pest::iterators::Pair;

impl<'a, 'e> Lower<'a, 'e> {
    pub(super) fn name(&self, pair: &Pair<Rule>) -> Name {
        Name {
            text: nfc(pair.as_str()),
            span: self.span(pair),
        }
    }

    /// `string` (one line, escapes) or `text` (either form).
    pub(super) fn string(&mut self, pair: Pair<Rule>) -> Str {
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

    pub(super) fn tag(&self, pair: &Pair<Rule>) -> Tag {
        Tag {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    pub(super) fn target(&self, pair: Pair<Rule>) -> Target {
        let span = self.span(&pair);
        match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::kw_handoff => Target::Handoff(span),
            Some(p) if p.as_rule() == Rule::kw_end => Target::End(span),
            Some(p) => Target::Named(self.name(&p)),
            None => Target::End(span),
        }
    }

    pub(super) fn audience_ref(&self, pair: Pair<Rule>) -> AudienceRef {
        let span = self.span(&pair);
        match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::name => AudienceRef::Named(self.name(&p)),
            _ => AudienceRef::None(span),
        }
    }

    pub(super) fn names(&self, pair: Pair<Rule>) -> Vec<Name> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::name)
            .map(|p| self.name(&p))
            .collect()
    }

    pub(super) fn strings(&mut self, pair: Pair<Rule>) -> Vec<Str> {
        pair.into_inner()
            .filter(|p| matches!(p.as_rule(), Rule::string | Rule::text))
            .map(|p| self.string(p))
            .collect()
    }

    /// The quoted title after `bot` or `test` (empty if the parser let it be missing).
    pub(super) fn title(
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
}
