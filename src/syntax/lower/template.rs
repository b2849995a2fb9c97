//! The `template` item and its statements (category, language, header, body, footer, buttons).

use super::{is_noise, Lower};
use crate::ast::{Template, TemplateStmt};
use crate::syntax::parser::Rule;
use pest::iterators::Pair;

impl<'a, 'e> Lower<'a, 'e> {
    pub(super) fn template(&mut self, pair: Pair<'a, Rule>) -> Template {
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
}
