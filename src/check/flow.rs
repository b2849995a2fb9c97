//! Flow checks: what is reachable from `start`, options whose target the chooser can never
//! reach, intents whose examples collide, `goto` cycles that never wait, and `call`s to hosts
//! not declared with `api`. (Variables are checked in `variables`.)

use super::context::{Context, Flow};
use super::error::FlowError;
use super::names::intent_examples;
use super::walk::{block_steps, each_step, else_steps, top_steps};
use crate::ast::{self, AudienceRef, MenuStmt, Setting, Step, Target, TemplateStmt};
use crate::diagnostic::Diagnostic;
use crate::fold::fold;
use crate::source::Span;
use std::collections::{HashMap, HashSet};

/// What can happen in a conversation: the menus and intents it can reach, and whether it can
/// reach a human.
#[derive(Debug, Default)]
pub struct Reach<'a> {
    pub flows: HashSet<&'a str>,
    pub handoff: bool,
}

/// Reachable: the `start` targets, template button targets, intents with examples, and every
/// target of an option or `goto` in a reachable menu or intent.
pub fn reach<'a>(cx: &Context<'a>) -> Reach<'a> {
    let mut reach = Reach::default();
    let mut queue: Vec<&'a str> = Vec::new();
    let visit = |target: &'a Target, reach: &mut Reach<'a>, queue: &mut Vec<&'a str>| match target {
        Target::Named(n) => {
            if let Some((name, _)) = cx.flows.get_key_value(n.text.as_str()) {
                if reach.flows.insert(name) {
                    queue.push(name);
                }
            }
        }
        Target::Handoff(_) => reach.handoff = true,
        Target::End(_) => {}
    };
    if let Some(bot) = cx.bot {
        for node in &bot.settings.stmts {
            if let Setting::Start { target, .. } = &node.kind {
                visit(target, &mut reach, &mut queue);
            }
        }
    }
    for template in cx.templates.values() {
        for node in &template.body.stmts {
            if let TemplateStmt::Button {
                target: Some(t), ..
            } = &node.kind
            {
                visit(t, &mut reach, &mut queue);
            }
        }
    }
    for (name, flow) in &cx.flows {
        if let Flow::Intent(intent) = flow {
            if intent_examples(intent).next().is_some() && reach.flows.insert(name) {
                queue.push(name);
            }
        }
    }
    while let Some(name) = queue.pop() {
        let Some(flow) = cx.flows.get(name) else {
            continue;
        };
        if let Flow::Menu(menu) = flow {
            for node in &menu.body.stmts {
                if let MenuStmt::Option(o) = &node.kind {
                    visit(&o.target, &mut reach, &mut queue);
                }
            }
        }
        each_step(&top_steps(*flow), &mut |step, _| match step {
            Step::Goto(t) => visit(t, &mut reach, &mut queue),
            Step::Handoff(_) => reach.handoff = true,
            _ => {}
        });
    }
    reach
}

pub fn check(cx: &Context, reach: &Reach, out: &mut Vec<Diagnostic>) {
    if !cx.incomplete && cx.bot.is_some() {
        for (name, flow) in &cx.flows {
            if !reach.flows.contains(name) {
                out.push(
                    FlowError::Unreachable {
                        kind: flow.kind(),
                        name: name.to_string(),
                        span: flow.name().span,
                    }
                    .to_diagnostic(),
                );
            }
        }
    }
    start_audiences(cx, out);
    for flow in cx.flows.values() {
        if let Flow::Menu(menu) = flow {
            option_audiences(cx, menu, out);
        }
        each_step(&top_steps(*flow), &mut |step, _| {
            if let Step::Call(call) = step {
                call_host(cx, &call.url, out);
            }
        });
    }
    colliding_examples(cx, out);
    goto_cycles(cx, out);
}

/// E0403: an option whose target is restricted to audiences its chooser can never be in.
fn option_audiences(cx: &Context, menu: &ast::Menu, out: &mut Vec<Diagnostic>) {
    for node in &menu.body.stmts {
        let MenuStmt::Option(option) = &node.kind else {
            continue;
        };
        let Target::Named(target) = &option.target else {
            continue;
        };
        let Some(flow) = cx.flows.get(target.text.as_str()) else {
            continue;
        };
        if flow.audiences().is_empty() {
            continue;
        }
        let allowed: Vec<&str> = flow.audiences().iter().map(|a| a.text.as_str()).collect();
        let (chooser, because): (Vec<&str>, Span) = match &option.sets_audience {
            Some(AudienceRef::Named(a)) => (vec![a.text.as_str()], a.span),
            Some(AudienceRef::None(span)) => (vec![], *span),
            None if !menu.audiences.is_empty() => (
                menu.audiences.iter().map(|a| a.text.as_str()).collect(),
                menu.name.span,
            ),
            None => continue,
        };
        let undefined = |a: &&str| !cx.audiences.contains_key(*a);
        if chooser.iter().any(|a| allowed.contains(a))
            || chooser.iter().any(undefined)
            || allowed.iter().any(undefined)
        {
            continue;
        }
        out.push(
            FlowError::ChooserCannotReach {
                kind: flow.kind(),
                target: target.text.clone(),
                allowed: owned(&allowed),
                chooser: owned(&chooser),
                span: target.span,
                because,
            }
            .to_diagnostic(),
        );
    }
}

/// E0403 for `start` lines: the plain `start` serves contacts with no audience, so it cannot
/// lead to a restricted target; `start X for A` must lead to a target `A` may reach.
fn start_audiences(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(bot) = cx.bot else { return };
    for node in &bot.settings.stmts {
        let Setting::Start {
            target: Target::Named(target),
            audiences,
        } = &node.kind
        else {
            continue;
        };
        let Some(flow) = cx.flows.get(target.text.as_str()) else {
            continue;
        };
        let allowed: Vec<&str> = flow.audiences().iter().map(|a| a.text.as_str()).collect();
        if allowed.is_empty() || allowed.iter().any(|a| !cx.audiences.contains_key(*a)) {
            continue;
        }
        let starters: Vec<&str> = audiences.iter().map(|a| a.text.as_str()).collect();
        let blocked: Vec<&str> = starters
            .iter()
            .copied()
            .filter(|a| !allowed.contains(a))
            .collect();
        if !starters.is_empty()
            && (blocked.is_empty() || blocked.iter().any(|a| !cx.audiences.contains_key(*a)))
        {
            continue;
        }
        out.push(
            FlowError::CannotStart {
                kind: flow.kind(),
                target: target.text.clone(),
                allowed: owned(&allowed),
                blocked: owned(&blocked),
                span: target.span,
                restricted: flow.name().span,
            }
            .to_diagnostic(),
        );
    }
}

/// E0402: a `call` to a host not declared with `api`.
fn call_host(cx: &Context, url: &ast::Str, out: &mut Vec<Diagnostic>) {
    let apis: Vec<&str> = cx
        .bot
        .map(|b| {
            b.settings
                .stmts
                .iter()
                .filter_map(|n| match &n.kind {
                    Setting::Api(s) => Some(s.value.as_str()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let absolute = url.value.starts_with("http://") || url.value.starts_with("https://");
    if absolute {
        if apis.iter().any(|api| under_api(&url.value, api)) {
            return;
        }
        out.push(
            FlowError::UndeclaredHost {
                url: url.value.clone(),
                span: url.span,
            }
            .to_diagnostic(),
        );
    } else if apis.is_empty() && cx.bot.is_some() {
        out.push(FlowError::RelativeWithoutApi { span: url.span }.to_diagnostic());
    }
}

/// Whether `url` starts with `api` at a path boundary.
pub fn under_api(url: &str, api: &str) -> bool {
    let api = api.trim_end_matches('/');
    url.strip_prefix(api)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
}

/// E0404: one audience can reach two intents that share a folded example.
/// W0402: two such examples differ only in filler words and word order, so the matcher cannot
/// tell them apart and sends one of them to the other intent.
fn colliding_examples(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, Vec<(&ast::Intent, Span)>> = HashMap::new();
    let mut by_words: HashMap<Vec<String>, Vec<(&ast::Intent, &ast::Str)>> = HashMap::new();
    for flow in cx.flows.values() {
        let Flow::Intent(intent) = flow else { continue };
        for example in intent_examples(intent) {
            let folded = fold(&example.value);
            let earlier = seen.entry(folded.clone()).or_default();
            let clash = |other: &ast::Intent| {
                other.name.text != intent.name.text && overlap(&other.audiences, &intent.audiences)
            };
            if let Some((other, first)) = earlier.iter().find(|(other, _)| clash(other)) {
                out.push(
                    FlowError::SameExample {
                        example: example.value.clone(),
                        intent: other.name.text.clone(),
                        span: example.span,
                        first: *first,
                    }
                    .to_diagnostic(),
                );
            } else {
                let words = crate::matching::content_words_of_folded(&folded);
                let similar = by_words.entry(words.clone()).or_default();
                if let Some((other, first)) = similar
                    .iter()
                    .find(|(other, s)| clash(other) && fold(&s.value) != folded)
                {
                    if !words.is_empty() {
                        out.push(
                            FlowError::SimilarExample {
                                example: example.value.clone(),
                                other: first.value.clone(),
                                intent: other.name.text.clone(),
                                span: example.span,
                                first: first.span,
                            }
                            .to_diagnostic(),
                        );
                    }
                }
                similar.push((intent, example));
            }
            earlier.push((intent, example.span));
        }
    }
}

/// Names as owned strings, for an error to hold.
fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// Whether some contact can reach both (no `for` means everyone).
fn overlap(a: &[ast::Name], b: &[ast::Name]) -> bool {
    a.is_empty() || b.is_empty() || a.iter().any(|x| b.iter().any(|y| x.text == y.text))
}

/// E0405: intents that `goto` each other without an `ask`, menu or `call` in between would
/// loop forever in one turn.
fn goto_cycles(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut edges: HashMap<&str, Vec<(&str, Span)>> = HashMap::new();
    for (name, flow) in &cx.flows {
        if let Flow::Intent(_) = flow {
            let mut found = Vec::new();
            immediate_gotos(&top_steps(*flow), false, &mut found);
            let list = found
                .into_iter()
                .filter(|(target, _)| matches!(cx.flows.get(*target), Some(Flow::Intent(_))))
                .collect();
            edges.insert(name, list);
        }
    }
    // Depth-first search; a back edge closes a cycle.
    let mut state: HashMap<&str, u8> = HashMap::new();
    let mut reported: HashSet<&str> = HashSet::new();
    let names: Vec<&str> = cx.flows.keys().copied().collect();
    for start in names {
        if state.contains_key(start) || !edges.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        state.insert(start, 1);
        while let Some((node, index)) = stack.last().copied() {
            let next = edges.get(node).and_then(|list| list.get(index)).copied();
            match next {
                Some((target, span)) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    match state.get(target) {
                        None => {
                            state.insert(target, 1);
                            stack.push((target, 0));
                        }
                        Some(1) if reported.insert(target) => {
                            let path = stack
                                .iter()
                                .map(|(n, _)| *n)
                                .skip_while(|n| *n != target)
                                .map(str::to_string)
                                .collect();
                            out.push(
                                FlowError::GotoLoop {
                                    target: target.to_string(),
                                    path,
                                    span,
                                }
                                .to_diagnostic(),
                            );
                        }
                        _ => {}
                    }
                }
                None => {
                    state.insert(node, 2);
                    stack.pop();
                }
            }
        }
    }
}

/// `goto`s reached without passing an `ask` or `call`; returns whether this sequence waits.
fn immediate_gotos<'a>(
    steps: &[(&'a Step, Span)],
    mut waits: bool,
    out: &mut Vec<(&'a str, Span)>,
) -> bool {
    for &(step, span) in steps {
        match step {
            Step::Ask { .. } | Step::Call(_) => waits = true,
            Step::Goto(Target::Named(n)) if !waits => out.push((&n.text, span)),
            Step::If(i) => {
                let then_waits = immediate_gotos(&block_steps(&i.then.stmts), waits, out);
                let else_waits = match &i.otherwise {
                    Some(e) => immediate_gotos(&else_steps(e), waits, out),
                    None => waits,
                };
                waits = then_waits && else_waits;
            }
            _ => {}
        }
    }
    waits
}
