//! `file:` URIs to paths and back. A bot is a folder on disk, so the server needs the path of
//! an open document to find its siblings, and a URI for each sibling it reports on.

use lsp_types::Uri;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What stays as it is in a path: RFC 3986 unreserved characters and `/` (as VS Code does).
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// The path of a `file:` URI (`None` for `untitled:` and other schemes).
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///p` (empty authority) or `file://localhost/p`; other hosts are not local files.
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i)
            if rest
                .get(..i)
                .is_some_and(|h| h.eq_ignore_ascii_case("localhost")) =>
        {
            rest.get(i..)?
        }
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    // `/C:/dir` on Windows is `C:/dir`.
    let windows_drive =
        matches!(decoded.as_bytes(), [b'/', drive, b':', ..] if drive.is_ascii_alphabetic());
    let decoded = match decoded.strip_prefix('/') {
        Some(rest) if cfg!(windows) && windows_drive => rest,
        _ => &decoded,
    };
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of a path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    Uri::from_str(&format!("file://{}", utf8_percent_encode(&text, PATH))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_spaces_round_trip() {
        let path = Path::new("/tmp/meu bot/menú.charla");
        let uri = from_path(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/meu%20bot/men%C3%BA.charla");
        assert_eq!(to_path(&uri).as_deref(), Some(path));
    }

    #[test]
    fn other_schemes_have_no_path() {
        let uri = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(to_path(&uri), None);
        let local = Uri::from_str("file://localhost/x/y.charla").unwrap();
        assert_eq!(to_path(&local), Some(PathBuf::from("/x/y.charla")));
    }
}
