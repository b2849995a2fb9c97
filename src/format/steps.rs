//! Steps: `say`, `ask`, `call`, `set`, `if` / `else`, `goto`, `handoff`, `end`.

use super::lists::Entry;
use super::printer::Printer;
use crate::ast::{AskType, Call, Else, If, Node, Step};
use crate::source::Span;

impl Printer<'_> {
    /// One step; `span` is the whole step's (the type after `ask ... as` is read from it).
    pub(super) fn step(&mut self, step: &Step, span: Span) {
        match step {
            Step::Say(text) => {
                self.push("say ");
                self.literal(text);
            }
            Step::Ask { name, question, ty } => {
                self.push("ask ");
                self.name(name);
                self.push(" ");
                self.literal(question);
                let end = self.code_end(span);
                self.ask_type(ty, question.span.end as usize, end);
            }
            Step::Call(call) => self.call(call),
            Step::SetAudience(audience) => {
                self.push("set audience ");
                self.audience_ref(audience);
            }
            Step::SetOptIn => self.push("set opt_in"),
            Step::SetOptOut => self.push("set opt_out"),
            Step::SetVar { name, value } => {
                self.push("set ");
                self.name(name);
                self.push(" = ");
                self.literal(value);
            }
            Step::If(branch) => self.if_step(branch),
            Step::Goto(target) => {
                self.push("goto ");
                self.target(target);
            }
            Step::Handoff(team) => {
                self.push("handoff");
                if let Some(team) = team {
                    self.push(" ");
                    self.literal(team);
                }
            }
            Step::End => self.push("end"),
        }
    }

    /// ` as TYPE` after an `ask`'s question. The tree keeps the type but not everything about
    /// how it was written, so the words between the question and the end of the step are read:
    /// an explicit `as text` stays, and so does the count of `digits N` as written (`08`).
    fn ask_type(&mut self, ty: &AskType, from: usize, to: usize) {
        let words: Vec<&str> = self.between(from, to).split_whitespace().collect();
        let simple = match ty {
            AskType::Text if words.contains(&"as") => "text",
            AskType::Text => return,
            AskType::Number => "number",
            AskType::Date => "date",
            AskType::Email => "email",
            AskType::Phone => "phone",
            AskType::Rating => "rating",
            AskType::YesNo => "yes_no",
            AskType::Digits(count) => {
                self.push(" as digits");
                if count.is_some() {
                    let written = words
                        .iter()
                        .skip_while(|w| **w != "digits")
                        .nth(1)
                        .map(|w| w.to_string())
                        .or_else(|| count.map(|n| n.to_string()))
                        .unwrap_or_default();
                    self.push(" ");
                    self.push(&written);
                }
                return;
            }
            AskType::Choice(labels) => {
                self.push(" as choice ");
                let spans: Vec<Span> = labels.iter().map(|s| s.span).collect();
                self.comma_list(&spans, 1);
                return;
            }
        };
        self.push(" as ");
        self.push(simple);
    }

    fn call(&mut self, call: &Call) {
        self.push("call ");
        self.push(call.method.as_str());
        self.push(" ");
        self.literal(&call.url);
        let url_end = call.url.span.end as usize;
        let bind_start = call.bind.span.start as usize;
        let middle = self.between(url_end, bind_start);
        if middle.trim_start().starts_with("with") {
            // Only `with`, spaces and the entries stand between the url and `as`, so the first
            // `{` after the url and the last `}` before `as` are the braces of `with`.
            let open = middle.find('{').map_or(url_end, |p| url_end + p + 1);
            let close = middle.rfind('}').map_or(bind_start, |p| url_end + p);
            let entries: Vec<Entry> = call
                .with
                .iter()
                .map(|entry| Entry {
                    text: format!(
                        "{}: {}",
                        self.text(entry.key_span),
                        self.text(entry.value.span)
                    ),
                    start: entry.key_span.start as usize,
                    end: entry.value.span.end as usize,
                })
                .collect();
            self.push(" with ");
            self.braced(&entries, open, close, true);
        }
        self.push(" as ");
        self.name(&call.bind);
        if let Some(otherwise) = &call.otherwise {
            self.push(" else {");
            self.block(otherwise, &[], |p, node| p.step(&node.kind, node.span));
        }
    }

    /// `if COND { ... }`, then `} else { ... }` or `} else if ...` on the `}` line.
    fn if_step(&mut self, branch: &If) {
        self.push("if ");
        self.push(&branch.condition.text);
        self.push(" {");
        // Comments between `}` and `else` have no place on the `} else {` line: they end the
        // block they follow.
        let else_at = match &branch.otherwise {
            Some(Else::Block(block)) => Some(block.span.start as usize),
            Some(Else::If(node)) => Some(node.span.start as usize),
            None => None,
        };
        let before_else = match else_at {
            Some(at) => self.comments_in(branch.then.span.end as usize, at),
            None => Vec::new(),
        };
        self.block(&branch.then, &before_else, |p, node| {
            p.step(&node.kind, node.span)
        });
        match &branch.otherwise {
            None => {}
            Some(Else::Block(block)) => {
                self.push(" else {");
                self.block(block, &[], |p, node| p.step(&node.kind, node.span));
            }
            Some(Else::If(node)) => {
                self.push(" else ");
                self.else_if(node);
            }
        }
    }

    fn else_if(&mut self, node: &Node<Step>) {
        match &node.kind {
            Step::If(branch) => self.if_step(branch),
            // Lowering only puts an `if` after `else`; were it anything else, the output would
            // not parse and the self-check of `format_source` would refuse it.
            other => self.step(other, node.span),
        }
    }
}
