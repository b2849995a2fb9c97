//! Items: the dispatch over item kinds, `audience`, and the step-bodied `menu` (with its
//! options) and `intent`, and the head (name, `for` audiences) they share with `template`.

use super::{is_noise, Lower};
use crate::ast::{
    Audience, Intent, IntentStmt, Item, Menu, MenuOption, MenuStmt, Name, Node, Str, Target, Trivia,
};
use crate::source::Span;
use crate::syntax::parser::Rule;
use pest::iterators::Pair;

impl<'a, 'e> Lower<'a, 'e> {
    pub(super) fn item(&mut self, pair: Pair<'a, Rule>) -> Node<Item> {
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
    pub(super) fn head(
        &mut self,
        pair: Pair<'a, Rule>,
    ) -> (Name, Vec<Name>, Span, Vec<Pair<'a, Rule>>) {
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
}
