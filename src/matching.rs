//! How free text is compared with intent examples, shared by the compiler's checks and (later)
//! the run-time matcher: fold the text, drop small filler words of pt, es and en, and compare
//! the remaining words as a set, so word order and "a", "o", "de", "the", "please" matter little.

use crate::fold::fold;

/// Words that carry no meaning for choosing an intent (folded).
const FILLER: &[&str] = &[
    // pt
    "a", "o", "as", "os", "um", "uma", "de", "da", "do", "das", "dos", "em", "na", "no", "nas",
    "nos", "para", "pra", "por", "com", "e", "que", "eu", "meu", "minha", "meus", "minhas", "me",
    "quero", "gostaria", "queria", "favor", "ola", "oi", "se", "ao", "voce", "vc", // es
    "el", "la", "los", "las", "un", "una", "del", "al", "en", "y", "mi", "mis", "yo", "quiero",
    "quisiera", "por", "favor", "hola", "con", "lo", "le", // en
    "the", "an", "of", "to", "in", "on", "for", "and", "my", "i", "me", "want", "would", "like",
    "please", "hi", "hello", "can", "could", "you", "is", "it", "do",
];

/// The meaningful words of a text, folded, sorted and without repeats.
pub fn content_words(text: &str) -> Vec<String> {
    content_words_of_folded(&fold(text))
}

/// The same for a text already folded.
pub fn content_words_of_folded(folded: &str) -> Vec<String> {
    let mut words: Vec<String> = folded
        .split(' ')
        .filter(|w| !w.is_empty() && !FILLER.contains(w))
        .map(str::to_string)
        .collect();
    words.sort();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::content_words;

    #[test]
    fn order_and_filler_words_do_not_matter() {
        assert_eq!(
            content_words("Quero ver a minha fatura!"),
            content_words("fatura ver")
        );
        assert_eq!(
            content_words("cancel my class, please"),
            vec!["cancel", "class"]
        );
    }
}
