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

/// Whether a folded word is one of the filler words `content_words` drops.
pub fn is_filler(word: &str) -> bool {
    FILLER.contains(&word)
}

/// More small words that say little about what a person wants (folded): pronouns,
/// demonstratives, auxiliary and modal verbs, adverbs like "already" and "here" in pt, es and en.
/// Question words (`quando`, `onde`, `where`, `how`) are not here: they tell questions apart.
/// Used by the run-time matcher on top of the filler words; `content_words` does not use them.
#[rustfmt::skip]
const MINOR: &[&str] = &[
    // pt
    "ele", "ela", "eles", "elas", "seu", "sua", "seus", "suas", "nosso", "nossa", "te", "lhe",
    "mim", "esse", "essa", "esses", "essas", "desse", "dessa", "deste", "desta", "este", "esta",
    "estes", "estas", "isso", "isto", "aquele", "aquela", "aqui", "ai", "ali", "la", "ja", "so",
    "tambem", "mas", "ou", "entao", "ne", "pois", "sou", "ser", "estou", "to", "ta", "estao",
    "foi", "era", "tem", "ter", "tenho", "vai", "vou", "posso", "pode", "podem", "poder",
    "consigo", "preciso", "precisava", "favor", "tudo", "ainda",
    // es
    "este", "esto", "estos", "ese", "esa", "eso", "esos", "esas", "aca", "alla", "ahi", "ya",
    "es", "son", "soy", "estoy", "estan", "tiene", "tienen", "tengo", "hay", "su", "sus", "tu",
    "tus", "nos", "les", "muy", "pero", "puedo", "puede", "pueden", "podre", "podria",
    "necesito", "sea", "usted", "ustedes",
    // en
    "is", "are", "was", "were", "be", "been", "am", "have", "has", "had", "does", "did", "will",
    "shall", "should", "may", "might", "must", "this", "that", "these", "those", "there", "here",
    "its", "your", "our", "their", "his", "her", "him", "them", "they", "we", "us", "he", "she",
    "yet", "just", "so", "also", "too", "need", "get", "got", "let", "know", "some", "any",
];

/// Whether a folded word is a filler word or another small word that says little (`MINOR`).
pub fn is_minor(word: &str) -> bool {
    is_filler(word) || MINOR.contains(&word)
}

/// Words people abbreviate when they type on a phone, by language (folded, as typed -> as
/// meant). The meaning may be several words (`pfv` -> `por favor`); it is folded text, so it
/// goes through the filler words and `stem` like anything else. Languages are the two-letter
/// prefix of the bot's language; a bot in another language gets only the `""` row.
#[rustfmt::skip]
const CHAT_WORDS: &[(&str, &[(&str, &str)])] = &[
    (
        "pt",
        &[
            ("vc", "voce"), ("vcs", "voces"), ("q", "que"), ("oq", "o que"), ("pq", "porque"),
            ("tb", "tambem"), ("tbm", "tambem"), ("hj", "hoje"), ("qd", "quando"),
            ("qdo", "quando"), ("qnd", "quando"), ("qndo", "quando"), ("qto", "quanto"),
            ("qtos", "quantos"), ("qta", "quanta"), ("qtas", "quantas"), ("pf", "por favor"),
            ("pfv", "por favor"), ("pfvr", "por favor"), ("pls", "por favor"),
            ("obg", "obrigado"), ("obgd", "obrigado"), ("obgda", "obrigada"), ("vlw", "valeu"),
            ("msg", "mensagem"), ("td", "tudo"), ("tds", "todos"), ("mt", "muito"),
            ("mto", "muito"), ("n", "nao"), ("naum", "nao"), ("c", "com"),
            ("p", "para"), ("d", "de"), ("eh", "e"), ("qro", "quero"), ("kd", "cade"),
            ("add", "adicionar"), ("whats", "whatsapp"), ("zap", "whatsapp"),
            ("wpp", "whatsapp"), ("zapzap", "whatsapp"), ("tmb", "tambem"), ("ngm", "ninguem"),
            ("agr", "agora"), ("cmg", "comigo"), ("blz", "beleza"),
        ],
    ),
    (
        "es",
        &[
            ("q", "que"), ("k", "que"), ("ke", "que"), ("xq", "porque"), ("pq", "porque"),
            ("x", "por"), ("tb", "tambien"), ("tmb", "tambien"), ("porfa", "por favor"),
            ("xfa", "por favor"), ("xfavor", "por favor"), ("pf", "por favor"),
            ("pls", "por favor"), ("kiero", "quiero"), ("qiero", "quiero"), ("dnd", "donde"),
            ("cdo", "cuando"), ("msj", "mensaje"), ("bn", "bien"), ("grax", "gracias"),
            ("d", "de"), ("toy", "estoy"), ("n", "no"), ("whats", "whatsapp"),
            ("wasap", "whatsapp"), ("wsp", "whatsapp"), ("hrs", "horas"), ("hr", "hora"),
        ],
    ),
    (
        "en",
        &[
            ("u", "you"), ("ur", "your"), ("r", "are"), ("pls", "please"), ("plz", "please"),
            ("pl0x", "please"), ("thx", "thanks"), ("thnx", "thanks"), ("ty", "thank you"),
            ("im", "i am"), ("ive", "i have"), ("ill", "i will"), ("cant", "can not"),
            ("dont", "do not"), ("wont", "will not"), ("wanna", "want to"),
            ("gonna", "going to"), ("msg", "message"), ("acct", "account"), ("svc", "service"),
            ("cust", "customer"), ("pkg", "package"), ("wheres", "where is"),
            ("whats", "what is"), ("hows", "how is"), ("b4", "before"), ("2day", "today"),
            ("2morrow", "tomorrow"), ("tmrw", "tomorrow"), ("info", "information"),
            // what is left of contractions once the apostrophe is folded away
            ("m", "am"), ("s", "is"), ("t", "not"), ("re", "are"), ("ve", "have"), ("ll", "will"),
            ("d", "would"),
        ],
    ),
];

/// The meaning of a word typed in chat shorthand in the given language (`pt-BR`, `es`, `en`),
/// or `None` when it is not shorthand.
pub fn chat_word(word: &str, language: &str) -> Option<&'static str> {
    let lang = language.get(..2).unwrap_or(language);
    CHAT_WORDS
        .iter()
        .find(|(l, _)| *l == lang)
        .and_then(|(_, words)| words.iter().find(|(short, _)| *short == word))
        .map(|(_, long)| *long)
}

/// A light stem of a folded word, the same for the plural and singular and for the common verb
/// endings of pt, es and en: `academias`, `academia` -> `academi`; `cobrado`, `cobradas` ->
/// `cobr`; `shipped`, `shipping`, `ships` -> `ship`; `notificacoes`, `notificacao` ->
/// `notificaca`; `activated`, `active` -> `activ`. It is not a real stemmer: it only needs to
/// send two forms of a word to the same key. It takes off a plural ending, then one verb or noun
/// ending, and never leaves fewer than 3 letters. Words with other than the letters a-z (emoji)
/// and words of 3 letters or fewer are kept as they are.
pub fn stem(word: &str) -> String {
    if word.len() <= 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_string();
    }
    let mut w = word.to_string();
    // 1. Plurals: pt -oes/-aes -> -ao, es -ciones -> -cion, then -es or -s (not `ss`).
    let mut plural = false;
    for (many, one) in [("oes", "ao"), ("aes", "ao"), ("iones", "ion")] {
        if w.len() > many.len() + 2 && w.ends_with(many) {
            w.truncate(w.len() - many.len());
            w.push_str(one);
            plural = true;
            break;
        }
    }
    if !plural {
        for ending in ["es", "s"] {
            if w.len() >= ending.len() + 3 && w.ends_with(ending) && !w.ends_with("ss") {
                w.truncate(w.len() - ending.len());
                break;
            }
        }
    }
    // 2. One verb or noun ending.
    const SUFFIXES: &[&str] = &[
        "amente", "mente", "ation", "ated", "ando", "endo", "indo", "ado", "ada", "ido", "ida",
        "amos", "emos", "imos", "aron", "ieron", "ing", "ate", "ed", "ar", "er", "ir", "ei", "ou",
        "an", "en", "a", "e", "o",
    ];
    for suffix in SUFFIXES {
        if w.len() >= suffix.len() + 3 && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            break;
        }
    }
    // `shipp(ed)`, `shipp(ing)` -> `ship`
    let b = w.as_bytes();
    if b.len() > 3 && b[b.len() - 1] == b[b.len() - 2] && !b"aeiousl".contains(&b[b.len() - 1]) {
        w.pop();
    }
    w
}

#[cfg(test)]
mod tests {
    use super::{chat_word, content_words, stem};

    #[test]
    fn stems_meet_for_plurals_and_verb_endings() {
        let same = |a: &str, b: &str| assert_eq!(stem(a), stem(b), "{a} / {b}");
        same("academias", "academia");
        same("cobrado", "cobradas");
        same("cancela", "cancelar");
        same("shipped", "ships");
        same("shipping", "ship");
        same("notificacoes", "notificacao");
        same("notificaciones", "notificacion");
        same("notifications", "notification");
        same("activated", "active");
        same("examenes", "examen");
        same("class", "classes");
        assert_eq!(stem("mes"), "mes");
        assert_eq!(stem("👍"), "👍");
        assert_ne!(stem("aula"), stem("alerta"));
    }

    #[test]
    fn chat_shorthand_depends_on_the_language() {
        assert_eq!(chat_word("vc", "pt-BR"), Some("voce"));
        assert_eq!(chat_word("pls", "en"), Some("please"));
        assert_eq!(chat_word("q", "es"), Some("que"));
        assert_eq!(chat_word("vc", "en"), None);
        assert_eq!(chat_word("cita", "es"), None);
    }

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
