//! Reading a bundle back: the format version and the content hash are checked before anything
//! in it is trusted.

use crate::emit::bundle::{verify, FORMAT};
use crate::model::Model;
use serde::Deserialize;

#[derive(Deserialize)]
struct Bundle {
    format: u32,
    files: Vec<String>,
    #[serde(flatten)]
    model: Model,
}

/// The model in a bundle, and its files (for the source map). Refuses a bundle of another
/// format version, a damaged or edited one, and anything that is not a bundle.
pub fn load(bytes: &[u8]) -> Result<(Model, Vec<String>), String> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("not a charla bundle (not JSON: {e})"))?;
    match value.get("format").and_then(serde_json::Value::as_u64) {
        Some(f) if f == u64::from(FORMAT) => {}
        Some(f) => return Err(format!("a bundle of format {f}; this charla reads format {FORMAT}: rebuild it with this charla")),
        None => return Err("not a charla bundle (no `format`)".to_string()),
    }
    verify(bytes)?;
    let bundle: Bundle =
        serde_json::from_value(value).map_err(|e| format!("the bundle is not valid: {e}"))?;
    debug_assert_eq!(bundle.format, FORMAT);
    Ok((bundle.model, bundle.files))
}
