//! Variables: every name a placeholder or `if` uses must be bound by `ask`, `call` or `set` on
//! every path before it, in the same menu or intent (`contact` is always there); a bound name
//! nobody uses is a warning. This walk also checks every text's placeholders.

use super::context::Context;
use super::error::{Unbound, VariableError};
use super::text::{check_text, expression_variables, Expressions, TextKind};
use super::walk::{block_steps, else_steps, top_steps};
use crate::ast::{Setting, Step, Str, TemplateStmt};
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::source::Span;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Names that are always defined: the contact, and minijinja's own globals.
const GLOBALS: &[&str] = &[
    "contact",
    "range",
    "dict",
    "namespace",
    "debug",
    "loop",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let env = Expressions::default();
    if let Some(bot) = cx.bot {
        for node in &bot.settings.stmts {
            if let Setting::Fallback(s) | Setting::HandoffMessage(s) = &node.kind {
                let mut walk = Walk {
                    env: &env,
                    out: &mut *out,
                    used: HashSet::new(),
                    defs: Vec::new(),
                    binders: Vec::new(),
                    stored_by: &HashMap::new(),
                    sources: cx.sources,
                };
                walk.text(s, &BTreeSet::new());
            }
        }
    }
    let all: Vec<Vec<(String, Span)>> =
        cx.flows.values().map(|f| binders(&top_steps(*f))).collect();
    // How many menus and intents store each name (each counted once).
    let mut stored_by: HashMap<String, usize> = HashMap::new();
    for list in &all {
        let names: HashSet<&String> = list.iter().map(|(n, _)| n).collect();
        for name in names {
            *stored_by.entry(name.clone()).or_default() += 1;
        }
    }
    for (index, flow) in cx.flows.values().enumerate() {
        let mut walk = Walk {
            env: &env,
            out: &mut *out,
            used: HashSet::new(),
            defs: Vec::new(),
            binders: all.get(index).cloned().unwrap_or_default(),
            stored_by: &stored_by,
            sources: cx.sources,
        };
        walk.steps(&top_steps(*flow), BTreeSet::new());
        let Walk { used, defs, .. } = walk;
        for (name, span) in defs {
            if !used.contains(&name) && !name.starts_with('_') {
                out.push(VariableError::NeverUsed { name, span }.to_diagnostic());
            }
        }
    }
    for template in cx.templates.values() {
        for node in &template.body.stmts {
            if let TemplateStmt::Header(s) | TemplateStmt::Body(s) = &node.kind {
                check_text(&env, s, TextKind::Numbered, out);
            }
        }
    }
}

struct Walk<'e, 'o> {
    env: &'e Expressions,
    out: &'o mut Vec<Diagnostic>,
    used: HashSet<String>,
    defs: Vec<(String, Span)>,
    /// Every name this menu or intent stores, wherever: to explain a use before the store.
    binders: Vec<(String, Span)>,
    /// How many menus and intents store each name.
    stored_by: &'e HashMap<String, usize>,
    sources: &'e [crate::source::SourceFile],
}

/// The names a menu or intent stores, with where.
fn binders(steps: &[(&Step, Span)]) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    super::walk::each_step(steps, &mut |step, _| match step {
        Step::Ask { name, .. } | Step::SetVar { name, .. } => {
            out.push((name.text.clone(), name.span))
        }
        Step::Call(c) => out.push((c.bind.text.clone(), c.bind.span)),
        _ => {}
    });
    out
}

impl Walk<'_, '_> {
    /// Whether another menu or intent stores `name`.
    fn stored_elsewhere(&self, name: &str) -> bool {
        let here = usize::from(self.binders.iter().any(|(n, _)| n == name));
        self.stored_by.get(name).copied().unwrap_or(0) > here
    }

    fn line_of(&self, span: Span) -> usize {
        self.sources
            .get(span.file.0 as usize)
            .map_or(0, |s| s.line(span.start as usize))
    }

    /// Walks a sequence; returns the names bound at its end, or `None` when every path leaves
    /// (`goto`, `end`, `handoff`).
    fn steps(
        &mut self,
        steps: &[(&Step, Span)],
        mut bound: BTreeSet<String>,
    ) -> Option<BTreeSet<String>> {
        for &(step, _) in steps {
            match step {
                Step::Say(s) => self.text(s, &bound),
                Step::Ask { name, question, .. } => {
                    self.text(question, &bound);
                    self.defs.push((name.text.clone(), name.span));
                    bound.insert(name.text.clone());
                }
                Step::Call(call) => {
                    self.text(&call.url, &bound);
                    for entry in &call.with {
                        self.text(&entry.value, &bound);
                    }
                    self.defs.push((call.bind.text.clone(), call.bind.span));
                    let mut success = bound.clone();
                    success.insert(call.bind.text.clone());
                    bound = match &call.otherwise {
                        // After a failed call and its `else`, the steps below run too.
                        Some(block) => match self.steps(&block_steps(&block.stmts), bound) {
                            Some(failure) => success.intersection(&failure).cloned().collect(),
                            None => success,
                        },
                        None => success,
                    };
                }
                Step::SetVar { name, value } => {
                    self.text(value, &bound);
                    self.defs.push((name.text.clone(), name.span));
                    bound.insert(name.text.clone());
                }
                Step::If(branch) => {
                    let names = expression_variables(
                        self.env,
                        &branch.condition.text,
                        branch.condition.span,
                        self.out,
                    );
                    self.uses(names, &bound);
                    let then = self.steps(&block_steps(&branch.then.stmts), bound.clone());
                    let otherwise = match &branch.otherwise {
                        Some(e) => self.steps(&else_steps(e), bound.clone()),
                        None => Some(bound.clone()),
                    };
                    bound = match (then, otherwise) {
                        (Some(a), Some(b)) => a.intersection(&b).cloned().collect(),
                        (Some(a), None) | (None, Some(a)) => a,
                        (None, None) => return None,
                    };
                }
                Step::Goto(_) | Step::End | Step::Handoff(_) => return None,
                Step::SetAudience(_) | Step::SetOptIn | Step::SetOptOut => {}
            }
        }
        Some(bound)
    }

    fn text(&mut self, s: &Str, bound: &BTreeSet<String>) {
        let names = check_text(self.env, s, TextKind::Dynamic, self.out);
        self.uses(names, bound);
    }

    fn uses(&mut self, names: Vec<(String, Span)>, bound: &BTreeSet<String>) {
        for (name, span) in names {
            if GLOBALS.contains(&name.as_str()) {
                continue;
            }
            if !bound.contains(&name) {
                let known_somewhere = self.defs.iter().any(|(d, _)| *d == name);
                let later = self
                    .binders
                    .iter()
                    .find(|(d, s)| *d == name && s.start > span.start)
                    .map(|(_, s)| *s);
                let why = if let Some(at) = later {
                    Unbound::StoredLater {
                        line: self.line_of(at),
                    }
                } else if !known_somewhere && self.stored_elsewhere(&name) {
                    Unbound::StoredElsewhere
                } else if known_somewhere {
                    Unbound::SomePathsOnly
                } else {
                    let candidates = bound.iter().map(String::as_str).chain(["contact"]);
                    Unbound::Unknown {
                        suggestion: did_you_mean(&name, candidates).map(str::to_string),
                    }
                };
                self.out.push(
                    VariableError::Unbound {
                        name: name.clone(),
                        span,
                        why,
                    }
                    .to_diagnostic(),
                );
            }
            self.used.insert(name);
        }
    }
}
