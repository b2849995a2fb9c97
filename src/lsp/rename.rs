//! Rename a menu, intent, audience or template everywhere it is written, in every file of the
//! bot. The edit is checked before it is offered: the renamed bot is compiled, and a rename
//! that would add an error (a use the name index missed, a template name WhatsApp refuses) is
//! refused with that error instead of breaking the bot.

use super::analysis::Analysis;
use super::definition::occurrence_at;
use super::documents::BotFile;
use super::index::{Declares, Occurrence};
use super::position::Encoding;
use lsp_types::{Position, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};
use std::collections::HashMap;
use std::sync::Arc;

/// The name under the cursor and its range, when it is one that can be renamed.
pub fn prepare(
    analysis: &Analysis,
    uri: &Uri,
    position: Position,
    encoding: Encoding,
) -> Option<PrepareRenameResponse> {
    let at = occurrence_at(analysis, uri, position, encoding)?;
    let range = analysis.file(at.span.file)?.range(at.span, encoding);
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range,
        placeholder: at.name.clone(),
    })
}

/// The edits that rename the name under the cursor to `new_name`, or why it cannot be done
/// (said to the author as it is).
// `WorkspaceEdit::changes` is lsp-types' map keyed by `Uri`, whose lazily parsed parts make
// clippy call it mutable; its hash and equality are those of the text, which never changes.
#[allow(clippy::mutable_key_type)]
pub fn rename(
    analysis: &Analysis,
    uri: &Uri,
    position: Position,
    new_name: &str,
    encoding: Encoding,
) -> Result<WorkspaceEdit, String> {
    let at = occurrence_at(analysis, uri, position, encoding).ok_or(
        "nothing to rename here: put the cursor on the name of a menu, intent, audience or \
         template",
    )?;
    let new_name = new_name.trim();
    let what = analysis
        .index
        .declaration(at.space, &at.name)
        .and_then(|d| d.declares)
        .map_or("name", Declares::word);
    if new_name == at.name {
        return Ok(WorkspaceEdit::default());
    }
    if !crate::syntax::is_name(new_name) {
        return Err(format!(
            "`{new_name}` cannot be a {what} name: names are a letter or `_` followed by \
             letters, digits and `_`, and not a keyword"
        ));
    }
    if let Some(taken) = analysis.index.declaration(at.space, new_name) {
        let kind = taken.declares.map_or("name", Declares::word);
        return Err(format!(
            "there is already a {kind} named `{new_name}`{}",
            line_of(analysis, taken)
        ));
    }
    // A file that does not parse is only partly indexed: uses inside its broken items would
    // keep the old name.
    if let Some(file) = analysis
        .compilation
        .files
        .iter()
        .find(|f| !f.broken.is_empty())
    {
        let name = analysis
            .source(file.id)
            .map_or("a file", |s| file_name(&s.name));
        return Err(format!(
            "{name} has syntax errors: fix them first, so that no use of `{}` is missed",
            at.name
        ));
    }
    let places: Vec<&Occurrence> = analysis.index.all(at.space, &at.name).collect();
    verify(analysis, &places, new_name)?;
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for place in places {
        if let Some(file) = analysis.file(place.span.file) {
            changes
                .entry(file.uri.clone())
                .or_default()
                .push(TextEdit::new(
                    file.range(place.span, encoding),
                    new_name.to_string(),
                ));
        }
    }
    Ok(WorkspaceEdit::new(changes))
}

/// Compiles the bot as the rename leaves it; an error it did not have before refuses it.
fn verify(analysis: &Analysis, places: &[&Occurrence], new_name: &str) -> Result<(), String> {
    let files: Vec<BotFile> = analysis
        .sources
        .iter()
        .enumerate()
        .map(|(i, source)| {
            let mut text = source.text.clone();
            // Back to front, so earlier offsets stay valid.
            for place in places.iter().rev().filter(|p| p.span.file.0 as usize == i) {
                text.replace_range(place.span.start as usize..place.span.end as usize, new_name);
            }
            BotFile {
                uri: analysis.files[i].uri.clone(),
                text: Arc::new(text),
                version: None,
                invalid_utf8_at: source.invalid_utf8_at,
            }
        })
        .collect();
    let after = Analysis::of_files(
        analysis.key.clone(),
        analysis.generation,
        analysis.dir.clone(),
        &files,
    );
    // Errors are compared by how many of each code there are: their messages name names, and
    // an error the bot already had (say, `greet` defined twice) is the same error after the
    // rename with the new name in it.
    let count = |a: &Analysis, code: &str| {
        a.compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.code == code)
            .count()
    };
    let new = after
        .compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .find(|d| count(&after, d.code) > count(analysis, d.code));
    match new {
        None => Ok(()),
        Some(error) => Err(format!(
            "not renamed: the bot would then have an error it does not have now: {} {}",
            error.code, error.message
        )),
    }
}

/// ` (file:line)` of an occurrence, for messages.
fn line_of(analysis: &Analysis, place: &Occurrence) -> String {
    let Some(source) = analysis.source(place.span.file) else {
        return String::new();
    };
    let line = source.text[..place.span.start as usize]
        .matches('\n')
        .count()
        + 1;
    format!(" ({}:{line})", file_name(&source.name))
}

/// `member.charla` of `/path/to/bot/member.charla`.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
