//! Checking: the syntax trees of one bot's files -> diagnostics and, when there are no
//! errors, the model. One file per family of checks; none of them reads files.

mod context;
mod error;
mod flow;
mod limits;
mod lower;
mod names;
mod policy;
mod structure;
pub mod text;
mod variables;
pub mod walk;

pub use context::{Context, Flow};
pub use flow::under_api;

use crate::ast::{self, PolicyRef, Setting};
use crate::diagnostic::Diagnostic;
use crate::model::Model;
use crate::source::SourceFile;
use crate::Options;
use error::PolicyError;

/// Checks a bot. `incomplete`: some file had a syntax error, so whole-bot checks that would
/// only repeat it (missing `bot`, unreachable items) are skipped.
pub fn check(
    sources: &[SourceFile],
    files: &[ast::File],
    incomplete: bool,
    options: &Options,
) -> (Option<Model>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let cx = Context::collect(sources, files, incomplete, &mut out);
    let policy = select_policy(&cx, options, &mut out);
    let reach = flow::reach(&cx);
    // Two cores, two halves: the policy checks and the lowering to the model (which needs only
    // the absence of errors, so it is dropped when a check finds one) run beside the name,
    // structure, limit, variable and flow checks. Diagnostics are sorted afterwards.
    let model = std::thread::scope(|scope| {
        let other_half = scope.spawn(|| {
            let mut found = Vec::new();
            policy::check(&cx, &policy, &reach, &mut found);
            let model = if incomplete {
                None
            } else {
                lower::lower(&cx, &policy, &reach)
            };
            (model, found)
        });
        names::check(&cx, &mut out);
        structure::check(&cx, &mut out);
        limits::check(&cx, &policy.limits, &mut out);
        variables::check(&cx, &mut out);
        flow::check(&cx, &reach, &mut out);
        let (model, found) = other_half
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        out.extend(found);
        model
    });
    let model = model.filter(|_| !out.iter().any(Diagnostic::is_error));
    (model, out)
}

/// `--policy` wins; then the bot's `policy` line; then `whatsapp`.
fn select_policy(
    cx: &Context,
    options: &Options,
    out: &mut Vec<Diagnostic>,
) -> crate::policy::Policy {
    if let Some(policy) = &options.policy {
        return policy.clone();
    }
    let setting = cx.bot.and_then(|b| {
        b.settings.stmts.iter().find_map(|n| match &n.kind {
            Setting::Policy(p) => Some(p),
            _ => None,
        })
    });
    match setting {
        Some(PolicyRef::Builtin(name)) => {
            crate::policy::builtin(&name.text).unwrap_or_else(crate::policy::whatsapp)
        }
        Some(PolicyRef::File(path)) => {
            let loaded = match &options.read_policy {
                Some(read) => read(&path.value).and_then(|text| {
                    crate::policy::parse_policy_file(&path.value, &text).map_err(|e| e.to_string())
                }),
                None => Err("policy files cannot be read here".to_string()),
            };
            loaded.unwrap_or_else(|reason| {
                out.push(
                    PolicyError::Unusable {
                        path: path.value.clone(),
                        reason,
                        span: path.span,
                    }
                    .to_diagnostic(),
                );
                crate::policy::whatsapp()
            })
        }
        None => crate::policy::whatsapp(),
    }
}
