//! The standalone bot: the charla executable with a bundle appended. At start-up the
//! executable looks at its own end (see [`find_bundle`]); when a bundle is there, it is that bot
//! (`NAME info`, `NAME chat`) instead of the compiler. No Rust toolchain is needed to make one,
//! and it takes as long as copying a file.
//!
//! Layout: `[executable][bundle][bundle length: u64 little-endian][MAGIC]`.

/// The last bytes of a built bot.
pub const MAGIC: &[u8; 8] = b"CHARLA\x00\x01";

/// The size of what follows the bundle.
pub const FOOTER: usize = 16;

/// A bot executable: `runtime` (an executable without a bundle) with `bundle` appended.
pub fn append(runtime: &[u8], bundle: &[u8]) -> Vec<u8> {
    let runtime = match find_bundle_end(runtime) {
        // Building from a built bot: start from the runtime inside it.
        Some((start, _)) => &runtime[..start],
        None => runtime,
    };
    let mut out = Vec::with_capacity(runtime.len() + bundle.len() + FOOTER);
    out.extend_from_slice(runtime);
    out.extend_from_slice(bundle);
    out.extend_from_slice(&(bundle.len() as u64).to_le_bytes());
    out.extend_from_slice(MAGIC);
    out
}

/// The bundle at the end of an executable's bytes, if it has one.
pub fn find_bundle(executable: &[u8]) -> Option<&[u8]> {
    find_bundle_end(executable).map(|(start, end)| &executable[start..end])
}

/// Where the bundle is, from the footer: `(start, end)`.
fn find_bundle_end(executable: &[u8]) -> Option<(usize, usize)> {
    let footer_at = executable.len().checked_sub(FOOTER)?;
    let footer = &executable[footer_at..];
    if &footer[8..] != MAGIC {
        return None;
    }
    let mut length = [0u8; 8];
    length.copy_from_slice(&footer[..8]);
    let length = usize::try_from(u64::from_le_bytes(length)).ok()?;
    let start = footer_at.checked_sub(length)?;
    Some((start, footer_at))
}

/// Reads just the footer of a file's last 16 bytes: the bundle's length, if it is a built bot.
pub fn bundle_length(footer: &[u8; FOOTER]) -> Option<u64> {
    if &footer[8..] != MAGIC {
        return None;
    }
    let mut length = [0u8; 8];
    length.copy_from_slice(&footer[..8]);
    Some(u64::from_le_bytes(length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_appended_is_found_again() {
        let runtime = b"\x7fELF pretend executable".to_vec();
        assert_eq!(find_bundle(&runtime), None);
        let bot = append(&runtime, b"{\"format\":1}\n");
        assert_eq!(find_bundle(&bot), Some(&b"{\"format\":1}\n"[..]));
        // Rebuilding from a built bot replaces the bundle instead of stacking a second one.
        let again = append(&bot, b"{}");
        assert_eq!(again.len(), runtime.len() + 2 + FOOTER);
        assert_eq!(find_bundle(&again), Some(&b"{}"[..]));
        // A footer that lies about the length is not a bundle.
        let mut liar = runtime.clone();
        liar.extend_from_slice(&u64::MAX.to_le_bytes());
        liar.extend_from_slice(MAGIC);
        assert_eq!(find_bundle(&liar), None);
    }
}
