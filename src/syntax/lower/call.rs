//! The `call` step: method, url, `with` entries, the bound name and its `else` block.

use super::{is_noise, Lower};
use crate::ast::{Call, Method, WithEntry};
use crate::fold::nfc;
use crate::syntax::parser::Rule;
use pest::iterators::Pair;

impl<'a, 'e> Lower<'a, 'e> {
    pub(super) fn call(&mut self, pair: Pair<'a, Rule>) -> Option<Call> {
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
}
