//! Reading the answer to an `ask` (LANGUAGE.md section 4, "ask types"): pure functions from the
//! text a person sent to the value a later step sees, or a [`Hint`] to ask again with.
//!
//! Answers are compared folded ([`crate::fold::fold`]: case, accents, surrounding punctuation
//! and repeated spaces ignored); the forms that carry punctuation (numbers, dates, emails,
//! phones) are read from the text with only its surrounding spaces and punctuation taken off.
//! Nothing here panics, whatever the text (empty, huge, emoji, right-to-left, control
//! characters, numbers past any integer type).
//!
//! Digits are ASCII `0-9`, plus the Arabic-Indic, extended Arabic-Indic, Devanagari and
//! full-width digits, read as their ASCII values (a stored number or digit text is ASCII).

mod date;
mod hint;
mod numeric;
mod words;

pub use date::Date;
pub use hint::Hint;

use crate::model::AskType;
use serde_json::Value;

/// What reading an answer depends on besides the text.
#[derive(Clone, Copy, Debug)]
pub struct AnswerContext<'a> {
    /// The bot's language tag (`pt-BR`, `es`, `en-US`): `en-US` reads dates month first.
    pub language: &'a str,
    /// Today in the bot's timezone (the caller converts the clock).
    pub today: Date,
}

/// Reads `text` as an answer of type `ty`.
///
/// | type | stored as |
/// | --- | --- |
/// | `text` | the text, trimmed (spaces, control and format characters at its ends) |
/// | `number` | a JSON integer (`i64`) without a decimal separator, else a float; too large for an `f64`: does not fit |
/// | `digits [N]` | a string of ASCII digits, leading zeros kept |
/// | `date` | an ISO date string (see `date::read_date` for the forms) |
/// | `email` | the address as written, without surrounding spaces, quotes, brackets or punctuation |
/// | `phone` | the digits, with a leading `+` if one was given |
/// | `rating` | an integer 1-5 |
/// | `yes_no` | a boolean |
/// | `choice` | the label as written in the bot |
///
/// `choice` compares, in this order: the text as sent (trimmed) with each label, the folded
/// text with each folded label, then the text as a 1-based option number. So a label that is
/// itself a number (`"2"`) wins over the option at that position.
pub fn read_answer(ty: &AskType, text: &str, cx: &AnswerContext) -> Result<Value, Hint> {
    let value = match ty {
        AskType::Text => read_text(text).map(|t| Value::String(t.to_string())),
        AskType::Number => numeric::read_number(text),
        AskType::Digits { count } => numeric::read_digits(text, *count).map(Value::String),
        AskType::Date => date::read_date(text, cx).map(|d| Value::String(d.iso())),
        AskType::Email => read_email(text).map(|t| Value::String(t.to_string())),
        AskType::Phone => numeric::read_phone(text).map(Value::String),
        AskType::Rating => numeric::read_rating(text).map(Value::from),
        AskType::YesNo => words::read_yes_no(text).map(Value::Bool),
        AskType::Choice { options, .. } => {
            words::read_choice(text, options).map(|label| Value::String(label.clone()))
        }
    };
    value.ok_or_else(|| Hint::for_type(ty))
}

fn read_text(text: &str) -> Option<&str> {
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c.is_control() || is_format(c));
    (!trimmed.is_empty()).then_some(trimmed)
}

/// One address `local@domain.tld`: no spaces, one `@`, a dot in the domain, and a top-level
/// domain of 2 or more letters. Quotes, brackets and sentence punctuation around it are dropped.
fn read_email(text: &str) -> Option<&str> {
    let address = text.trim_matches(|c: char| {
        c.is_whitespace()
            || c.is_control()
            || is_format(c)
            || "\"'<>()[]{}«»“”‘’¡¿!?.,;:".contains(c)
    });
    let (local, domain) = address.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = address.len() <= 254
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
    (local_ok && domain_ok).then_some(address)
}

/// Invisible formatting characters that chat apps and copy-paste put around text: zero-width
/// spaces and joiners, direction marks and embeddings (WhatsApp wraps copied phone numbers in
/// them), the byte-order mark, soft hyphens and emoji variation selectors.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{61c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{fe0e}'
            | '\u{fe0f}'
            | '\u{feff}'
    )
}

/// What may surround an answer without changing it: spaces, control and format characters,
/// and punctuation.
fn is_edge(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_format(c)
        || c.is_ascii_punctuation()
        || matches!(
            c,
            '¡' | '¿'
                | '«'
                | '»'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '‚'
                | '„'
                | '‹'
                | '›'
                | '…'
                | '–'
                | '—'
                | '·'
                | '。'
                | '，'
                | '！'
                | '？'
        )
}

/// `text` without the [edge](is_edge) characters at its ends, except those `keep` keeps.
fn strip_edges(text: &str, keep: impl Fn(char) -> bool) -> &str {
    text.trim_matches(|c: char| is_edge(c) && !keep(c))
}

/// The value of a decimal digit (see the module docs for which digits count).
fn digit_value(c: char) -> Option<u8> {
    let zero = match c {
        '0'..='9' => '0',
        '\u{660}'..='\u{669}' => '\u{660}',
        '\u{6f0}'..='\u{6f9}' => '\u{6f0}',
        '\u{966}'..='\u{96f}' => '\u{966}',
        '\u{ff10}'..='\u{ff19}' => '\u{ff10}',
        _ => return None,
    };
    Some((c as u32 - zero as u32) as u8)
}

/// `text` with every digit written as its ASCII digit; other characters unchanged.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| digit_value(c).map_or(c, |d| char::from(b'0' + d)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Presentation;
    use proptest::prelude::*;
    use serde_json::json;

    pub(super) fn cx(language: &str) -> AnswerContext<'_> {
        AnswerContext {
            language,
            today: Date::new(2026, 6, 10).unwrap(),
        }
    }

    pub(super) fn choice(labels: &[&str]) -> AskType {
        AskType::Choice {
            options: labels.iter().map(|s| s.to_string()).collect(),
            presentation: Presentation::Buttons,
        }
    }

    fn all_types() -> Vec<AskType> {
        vec![
            AskType::Text,
            AskType::Number,
            AskType::Digits { count: None },
            AskType::Digits { count: Some(0) },
            AskType::Digits { count: Some(5) },
            AskType::Digits {
                count: Some(u32::MAX),
            },
            AskType::Date,
            AskType::Email,
            AskType::Phone,
            AskType::Rating,
            AskType::YesNo,
            choice(&["Manhã", "Tarde", "Noite", "2"]),
            choice(&[]),
            choice(&["", "..."]),
        ]
    }

    #[test]
    fn text_is_any_non_empty_text_trimmed() {
        let en = cx("en");
        assert_eq!(
            read_answer(&AskType::Text, "  Olá, mundo!  ", &en),
            Ok(json!("Olá, mundo!"))
        );
        assert_eq!(read_answer(&AskType::Text, "?", &en), Ok(json!("?")));
        assert_eq!(read_answer(&AskType::Text, "👍", &en), Ok(json!("👍")));
        assert_eq!(
            read_answer(&AskType::Text, "مرحبا", &en),
            Ok(json!("مرحبا"))
        );
        assert_eq!(read_answer(&AskType::Text, "", &en), Err(Hint::Text));
        assert_eq!(
            read_answer(&AskType::Text, " \t\n\u{200b}\u{7} ", &en),
            Err(Hint::Text)
        );
    }

    #[test]
    fn email() {
        let en = cx("en");
        let ok = |t: &str, expected: &str| {
            assert_eq!(
                read_answer(&AskType::Email, t, &en),
                Ok(json!(expected)),
                "{t}"
            )
        };
        ok("ana@example.com", "ana@example.com");
        ok(
            "  Ana.Souza+care@Mail.Example.com.br. ",
            "Ana.Souza+care@Mail.Example.com.br",
        );
        ok("<joão@exemplo.com>", "joão@exemplo.com");
        ok("o'neil@x-y.io", "o'neil@x-y.io");
        ok("(.ana@example.com)", "ana@example.com");
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@example.c",
            "ana@example.c0m",
            "ana@@example.com",
            "ana@b@example.com",
            "ana maria@example.com",
            "ana@exa mple.com",
            "ana@example..com",
            "ana@.example.com",
            "ana@-x.com",
            "ana..b@example.com",
            "ana,b@example.com",
            "ana@example.com e bia@example.com",
        ] {
            assert_eq!(
                read_answer(&AskType::Email, bad, &en),
                Err(Hint::Email),
                "{bad}"
            );
        }
    }

    #[test]
    fn hints_follow_the_type() {
        let pt = cx("pt-BR");
        assert_eq!(
            read_answer(&AskType::Digits { count: Some(11) }, "123", &pt),
            Err(Hint::Digits { count: Some(11) })
        );
        let err = read_answer(&choice(&["Sim", "Talvez"]), "xyz", &pt).unwrap_err();
        assert_eq!(
            err.text("pt-BR"),
            "Por favor, escolha uma das opções: Sim ou Talvez."
        );
        let err = read_answer(&AskType::Date, "ontem", &pt).unwrap_err();
        assert_eq!(
            err.text("pt-BR"),
            "Por favor, responda com uma data, como 25/12."
        );
        for ty in all_types() {
            assert_eq!(read_answer(&ty, "\u{0}", &pt), Err(Hint::for_type(&ty)));
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(strip_edges("  ¿«25/12»?! ", |_| false), "25/12");
        assert_eq!(
            strip_edges("\u{202a}+55 11\u{202c}", |c| c == '+'),
            "+55 11"
        );
        assert_eq!(ascii_digits("٢٠٢٦-۱۲-２５"), "2026-12-25");
        assert_eq!(digit_value('a'), None);
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let en_us = cx("en-US");
        let long_digits = "9".repeat(10_000);
        let long_text = "ção⭐".repeat(3_000);
        let inputs = [
            long_digits.as_str(),
            long_text.as_str(),
            "99999999999999999999999",
            "-99999999999999999999999.5",
            "\u{202e}123\u{202c}",
            "\u{0}\u{1}\u{1b}[31m",
            "🏳️‍🌈👨‍👩‍👧",
            "99/99/9999",
            "9999-99-99",
            "0/0",
            "+",
            "-",
            ".",
            ",",
            "@",
            "@.",
        ];
        for ty in all_types() {
            for input in inputs {
                let _ = read_answer(&ty, input, &en_us);
            }
        }
        assert!(read_answer(&AskType::Number, &long_digits, &en_us).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn never_panics_on_any_text(text in any::<String>(), language in "(pt-BR|es|en-US|en|)") {
            let context = AnswerContext { language: &language, today: Date::new(2028, 2, 29).unwrap() };
            for ty in all_types() {
                let _ = read_answer(&ty, &text, &context);
            }
        }

        #[test]
        fn never_panics_on_answer_like_text(
            text in "[0-9٣/+\\-.,() @a-zçãé⭐★\u{fe0f}\u{202a}]{0,24}",
            year in -3000i32..12000,
            days in any::<i64>(),
        ) {
            for today in [Date::new(year, 2, 28).unwrap_or(Date { year, month: 2, day: 28 }), Date::from_unix_days(days)] {
                let context = AnswerContext { language: "en-US", today };
                for ty in all_types() {
                    let _ = read_answer(&ty, &text, &context);
                }
                let context = AnswerContext { language: "pt-BR", today };
                let _ = read_answer(&AskType::Date, &text, &context);
            }
        }

        #[test]
        fn digits_keep_every_digit_given(digits in "[0-9]{1,20}") {
            let spaced: String = digits.chars().flat_map(|c| [c, ' ']).collect();
            let count = Some(digits.len() as u32);
            prop_assert_eq!(
                read_answer(&AskType::Digits { count }, &spaced, &cx("en")),
                Ok(Value::String(digits))
            );
        }
    }
}
