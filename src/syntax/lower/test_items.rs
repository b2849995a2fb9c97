//! The `test` item and its statements: contact, mocks, user lines and expectations.

use super::{is_noise, Lower};
use crate::ast::{ContactField, Expect, Method, Mock, MockAnswer, Test, TestStmt};
use crate::syntax::parser::Rule;
use pest::iterators::Pair;

impl<'a, 'e> Lower<'a, 'e> {
    pub(super) fn test(&mut self, pair: Pair<'a, Rule>) -> Test {
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
}
