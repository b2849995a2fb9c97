//! Steps: `say`, `ask` (and its answer types), `set`, `goto`, `handoff`, `end`, blocks of
//! steps and `if` / `else`.

use super::{is_noise, Lower};
use crate::ast::{AskType, Block, Else, Expr, If, Step};
use crate::source::Span;
use crate::syntax::parser::Rule;
use pest::iterators::Pair;

impl<'a, 'e> Lower<'a, 'e> {
    pub(super) fn step(&mut self, pair: Pair<'a, Rule>) -> Option<Step> {
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

    pub(super) fn step_block(&mut self, outer: Span, block: Pair<'a, Rule>) -> Block<Step> {
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
