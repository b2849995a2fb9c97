//! The bundle: the contract between compiler and runtime (schema/bundle.schema.json).
//!
//! Deterministic: the model keeps declaration order, file names are relative to the bot's
//! folder, and nothing depends on time or place. Compact JSON on one line (a 10,000-menu bot's
//! bundle is a third the size of pretty JSON; `jq .` shows it readably), ending with a line
//! break. Its last member is `"hash":"sha256:<hex>"`: the SHA-256 of the bundle's own bytes as
//! written up to that member, with `}` in its place, so a runtime can tell a damaged or edited
//! bundle.

use crate::model::Model;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The bundle format version. Bump it when a runtime could misread an older or newer bundle.
pub const FORMAT: u32 = 1;

#[derive(Serialize)]
struct Bundle<'a> {
    format: u32,
    compiler: &'a str,
    /// The bot's files; every `src` is `[index into files, line]`.
    files: &'a [String],
    #[serde(flatten)]
    model: &'a Model,
}

/// The bundle's bytes for a model whose source files are `files` (names relative to the bot).
pub fn emit(model: &Model, files: &[String]) -> Vec<u8> {
    let compiler = concat!("charla ", env!("CARGO_PKG_VERSION"));
    let bundle = Bundle {
        format: FORMAT,
        compiler,
        files,
        model,
    };
    // Serializing plain data with string keys cannot fail.
    let mut bytes = serde_json::to_vec(&bundle).unwrap_or_default();
    let hash = Sha256::digest(&bytes);
    // Replace the closing "}" with the hash member.
    if bytes.ends_with(b"}") {
        bytes.pop();
    }
    bytes.extend_from_slice(format!(",{HASH_MEMBER}{}\"}}\n", hex(&hash)).as_bytes());
    bytes
}

/// What precedes the hex digest in a bundle.
const HASH_MEMBER: &str = "\"hash\":\"sha256:";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Recomputes a bundle's hash: `Ok(())` when it matches the one written in it.
pub fn verify(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the bundle is not UTF-8".to_string())?;
    let marker = format!(",{HASH_MEMBER}");
    let at = text.rfind(&marker).ok_or("the bundle has no hash")?;
    let written = text[at + marker.len()..]
        .trim_end()
        .trim_end_matches('}')
        .trim_end_matches('"');
    let mut body = text[..at].to_string();
    body.push('}');
    if hex(&Sha256::digest(body.as_bytes())) == written {
        Ok(())
    } else {
        Err("the bundle's hash does not match its content: it was damaged or edited".to_string())
    }
}
