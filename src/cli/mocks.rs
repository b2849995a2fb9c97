//! `--mock FILE` for `charla chat`: `mock` lines as in tests, answering `call`s.

use crate::model::{Mock, Model};
use crate::runtime::turn::Inbound;
use std::path::Path;

/// Reads a file of `mock METHOD "url" returns [STATUS] """body"""` / `mock ... fails` lines.
pub fn read(path: &Path, model: &Model) -> Result<Vec<Mock>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    // The lines are parsed as the body of a test, by the same parser as bots.
    let wrapped = format!("test \"mocks\" {{\n{text}\n}}\n");
    let source = crate::source::SourceFile::new(path.display().to_string(), wrapped);
    let (file, errors) = crate::syntax::parse_file(crate::source::FileId(0), &source);
    if let Some(error) = errors.first() {
        let d = error.to_diagnostic();
        let (line, _) = source.line_col(d.primary.span.start as usize);
        return Err(format!(
            "`{}` line {}: {}",
            path.display(),
            line.saturating_sub(1),
            d.message
        ));
    }
    let api = model.bot.apis.first().cloned().unwrap_or_default();
    let mut mocks = Vec::new();
    for item in &file.items {
        let crate::ast::Item::Test(test) = &item.kind else {
            continue;
        };
        for node in &test.body.stmts {
            if let crate::ast::TestStmt::Mock(m) = &node.kind {
                let url =
                    if m.url.value.starts_with("http://") || m.url.value.starts_with("https://") {
                        m.url.value.clone()
                    } else {
                        format!(
                            "{}/{}",
                            api.trim_end_matches('/'),
                            m.url.value.trim_start_matches('/')
                        )
                    };
                let (status, body) = match &m.answer {
                    crate::ast::MockAnswer::Returns { status, body } => (
                        Some(status.map_or(200, |(s, _)| s)),
                        body.as_ref().map(|b| b.value.clone()).unwrap_or_default(),
                    ),
                    crate::ast::MockAnswer::Fails => (None, String::new()),
                };
                mocks.push(Mock {
                    method: m.method,
                    url,
                    status,
                    body,
                    src: crate::model::Src(0, 0),
                });
            }
        }
    }
    Ok(mocks)
}

/// The answer to a call: the first matching mock, or a failure.
pub fn answer(mocks: &[Mock], method: &str, url: &str) -> Inbound {
    match mocks
        .iter()
        .find(|m| m.method.as_str() == method && crate::runtime::testing::same_url(&m.url, url))
    {
        Some(Mock {
            status: Some(status),
            body,
            ..
        }) => Inbound::CallAnswered {
            status: *status,
            body: body.clone(),
        },
        Some(_) => Inbound::CallFailed {
            reason: "the mock fails".to_string(),
        },
        None => Inbound::CallFailed {
            reason: format!("no mock for {method} {url}; real calls are made by `charla serve`"),
        },
    }
}
