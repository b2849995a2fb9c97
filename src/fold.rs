//! Folding: how charla compares what people type (LANGUAGE.md section 5).
//! Case, accents, punctuation and repeated spaces are ignored.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lowercase, accents removed, punctuation turned into spaces, spaces collapsed and trimmed.
/// `"  Ciclo de Cobrança!! "` folds to `"ciclo de cobranca"`.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return fold_ascii(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() || is_symbol_kept(c) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// The same for ASCII text, which has no accents to take off (most labels and names).
fn fold_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(char::from(b.to_ascii_lowercase()));
        } else {
            pending_space = true;
        }
    }
    out
}

/// Emoji and other symbols mean something in a chat (`⭐⭐⭐`); punctuation does not.
fn is_symbol_kept(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace() && !c.is_control() && !is_punctuation(c)
}

fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        '¡' | '¿' | '«' | '»' | '“' | '”' | '‘' | '’' | '…' | '–' | '—' | '·' | '\u{a0}'
    )
}

/// NFC normalisation, used for names.
pub fn nfc(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    text.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_case_accents_punctuation_and_spaces() {
        assert_eq!(fold("  Ciclo de Cobrança!! "), "ciclo de cobranca");
        assert_eq!(fold("¿Mañana?"), "manana");
        assert_eq!(fold("Falar  com\tatendente"), "falar com atendente");
        assert_eq!(fold("⭐⭐"), "⭐⭐");
        assert_eq!(fold(" Track MY order!? "), "track my order");
    }
}
