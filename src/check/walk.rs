//! Walking steps: the top-level steps of a menu or intent, and every step inside them.

use crate::ast::{Else, IntentStmt, MenuStmt, Node, Step};
use crate::check::context::Flow;
use crate::source::Span;

/// The top-level steps of a menu or intent, with their spans.
pub fn top_steps<'a>(flow: Flow<'a>) -> Vec<(&'a Step, Span)> {
    match flow {
        Flow::Menu(m) => m
            .body
            .stmts
            .iter()
            .filter_map(|n| match &n.kind {
                MenuStmt::Step(s) => Some((s, n.span)),
                MenuStmt::Option(_) => None,
            })
            .collect(),
        Flow::Intent(i) => i
            .body
            .stmts
            .iter()
            .filter_map(|n| match &n.kind {
                IntentStmt::Step(s) => Some((s, n.span)),
                _ => None,
            })
            .collect(),
    }
}

/// The steps of a nested block.
pub fn block_steps(stmts: &[Node<Step>]) -> Vec<(&Step, Span)> {
    stmts.iter().map(|n| (&n.kind, n.span)).collect()
}

/// The steps of an `else` branch.
pub fn else_steps(otherwise: &Else) -> Vec<(&Step, Span)> {
    match otherwise {
        Else::Block(b) => block_steps(&b.stmts),
        Else::If(node) => vec![(&node.kind, node.span)],
    }
}

/// Calls `f` on every step, nested ones included, in source order.
pub fn each_step<'a>(steps: &[(&'a Step, Span)], f: &mut dyn FnMut(&'a Step, Span)) {
    for &(step, span) in steps {
        f(step, span);
        match step {
            Step::If(i) => {
                each_step(&block_steps(&i.then.stmts), f);
                if let Some(otherwise) = &i.otherwise {
                    each_step(&else_steps(otherwise), f);
                }
            }
            Step::Call(c) => {
                if let Some(b) = &c.otherwise {
                    each_step(&block_steps(&b.stmts), f);
                }
            }
            _ => {}
        }
    }
}
