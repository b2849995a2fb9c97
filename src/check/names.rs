//! Name checks: every reference resolves (with a "did you mean" when it does not), and the bot
//! has its plain `start`. Duplicates and the `bot` block itself are found while collecting
//! (see `context`).

use super::context::{Context, Flow};
use super::error::NameError;
use super::walk::{each_step, top_steps};
use crate::ast::{
    self, AudienceRef, ContactField, Expect, IntentStmt, MenuStmt, Setting, Step, Target,
    TemplateStmt, TestStmt,
};
use crate::diagnostic::{did_you_mean, Diagnostic};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some(bot) = cx.bot {
        let mut plain_start = false;
        for node in &bot.settings.stmts {
            if let Setting::Start { target, audiences } = &node.kind {
                plain_start |= audiences.is_empty();
                target_exists(cx, target, out);
                audiences.iter().for_each(|a| audience_exists(cx, a, out));
            }
        }
        if !plain_start {
            out.push(NameError::NoPlainStart { span: cx.bot_span }.to_diagnostic());
        }
    }
    for flow in cx.flows.values() {
        flow.audiences()
            .iter()
            .for_each(|a| audience_exists(cx, a, out));
        if let Flow::Menu(menu) = flow {
            for node in &menu.body.stmts {
                if let MenuStmt::Option(option) = &node.kind {
                    target_exists(cx, &option.target, out);
                    if let Some(AudienceRef::Named(a)) = &option.sets_audience {
                        audience_exists(cx, a, out);
                    }
                }
            }
        }
        each_step(&top_steps(*flow), &mut |step, _| match step {
            Step::Goto(target) => target_exists(cx, target, out),
            Step::SetAudience(AudienceRef::Named(a)) => audience_exists(cx, a, out),
            _ => {}
        });
    }
    for template in cx.templates.values() {
        for node in &template.body.stmts {
            if let TemplateStmt::Button {
                target: Some(target),
                ..
            } = &node.kind
            {
                target_exists(cx, target, out);
            }
        }
    }
    for test in &cx.tests {
        for node in &test.body.stmts {
            match &node.kind {
                TestStmt::Contact(fields) => {
                    for field in fields {
                        if let ContactField::Audience(AudienceRef::Named(a)) = field {
                            audience_exists(cx, a, out);
                        }
                    }
                }
                TestStmt::Expect(Expect::Menu(name)) => expected_flow(cx, name, "menu", out),
                TestStmt::Expect(Expect::Intent(name)) => expected_flow(cx, name, "intent", out),
                TestStmt::Expect(Expect::Audience(AudienceRef::Named(a))) => {
                    audience_exists(cx, a, out)
                }
                _ => {}
            }
        }
    }
}

fn target_exists(cx: &Context, target: &Target, out: &mut Vec<Diagnostic>) {
    let Target::Named(name) = target else { return };
    if cx.is_known_flow(&name.text) {
        return;
    }
    let candidates = cx
        .flows
        .keys()
        .copied()
        .chain(cx.broken.iter().map(String::as_str));
    let suggestion = did_you_mean(&name.text, candidates).map(str::to_string);
    out.push(
        NameError::UnknownTarget {
            name: name.text.clone(),
            span: name.span,
            suggestion,
        }
        .to_diagnostic(),
    );
}

fn audience_exists(cx: &Context, name: &ast::Name, out: &mut Vec<Diagnostic>) {
    if cx.audiences.contains_key(name.text.as_str()) || cx.broken.contains(&name.text) {
        return;
    }
    let suggestion = did_you_mean(&name.text, cx.audiences.keys().copied()).map(str::to_string);
    out.push(
        NameError::UnknownAudience {
            name: name.text.clone(),
            span: name.span,
            suggestion,
        }
        .to_diagnostic(),
    );
}

/// `expect menu X` / `expect intent X` in a test.
fn expected_flow(cx: &Context, name: &ast::Name, kind: &'static str, out: &mut Vec<Diagnostic>) {
    match cx.flows.get(name.text.as_str()) {
        Some(flow) if flow.kind() == kind => {}
        Some(flow) => out.push(
            NameError::ExpectWrongKind {
                name: name.text.clone(),
                span: name.span,
                is: flow.kind(),
                expected: kind,
            }
            .to_diagnostic(),
        ),
        None if cx.broken.contains(&name.text) => {}
        None => {
            let names = cx
                .flows
                .iter()
                .filter(|(_, f)| f.kind() == kind)
                .map(|(n, _)| *n);
            let suggestion = did_you_mean(&name.text, names).map(str::to_string);
            out.push(
                NameError::ExpectUnknown {
                    name: name.text.clone(),
                    span: name.span,
                    kind,
                    suggestion,
                }
                .to_diagnostic(),
            );
        }
    }
}

/// An intent's `examples` lines, flattened.
pub fn intent_examples(intent: &ast::Intent) -> impl Iterator<Item = &ast::Str> {
    intent.body.stmts.iter().flat_map(|n| match &n.kind {
        IntentStmt::Examples(list) => list.as_slice(),
        _ => &[],
    })
}
