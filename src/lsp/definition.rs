//! Go to definition and find references, for menus, intents, audiences and templates.

use super::analysis::Analysis;
use super::index::Occurrence;
use super::position::Encoding;
use lsp_types::{Location, Position, Uri};

/// The name under the cursor.
pub fn occurrence_at<'a>(
    analysis: &'a Analysis,
    uri: &Uri,
    position: Position,
    encoding: Encoding,
) -> Option<&'a Occurrence> {
    let id = analysis.file_id(uri)?;
    let offset = analysis.file(id)?.offset(position, encoding);
    analysis.index.at(id, offset)
}

/// Where the name under the cursor is declared (itself, on a declaration).
pub fn definition(
    analysis: &Analysis,
    uri: &Uri,
    position: Position,
    encoding: Encoding,
) -> Option<Location> {
    let at = occurrence_at(analysis, uri, position, encoding)?;
    let declaration = analysis.index.declaration(at.space, &at.name)?;
    analysis.location(declaration.span, encoding)
}

/// Every place the name under the cursor is written, in file and source order; the
/// declaration only if asked for.
pub fn references(
    analysis: &Analysis,
    uri: &Uri,
    position: Position,
    include_declaration: bool,
    encoding: Encoding,
) -> Vec<Location> {
    let Some(at) = occurrence_at(analysis, uri, position, encoding) else {
        return Vec::new();
    };
    analysis
        .index
        .all(at.space, &at.name)
        .filter(|o| include_declaration || o.declares.is_none())
        .filter_map(|o| analysis.location(o.span, encoding))
        .collect()
}
