//! The `bot` item and its settings.

use super::{is_noise, Lower};
use crate::ast::{Bot, Duration, PolicyRef, Setting};
use crate::syntax::parser::Rule;
use pest::iterators::Pair;

impl<'a, 'e> Lower<'a, 'e> {
    pub(super) fn bot(&mut self, pair: Pair<'a, Rule>) -> Bot {
        let span = self.span(&pair);
        let mut parts = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::kw_bot)
            .peekable();
        let name = self.title(span, &mut parts);
        let settings = self.block(span, parts, Self::setting);
        Bot { name, settings }
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
}
