//! The short hint sent when an answer does not fit its `ask` type, in pt, es or en.

use crate::lang::Lang;
use crate::model::AskType;

/// Why an answer did not fit: one kind per `ask` type. [`Hint::text`] words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hint {
    Text,
    Number,
    Digits {
        count: Option<u32>,
    },
    /// The example is written month first for `en-US`, like the answers it accepts.
    Date,
    Email,
    Phone,
    Rating,
    YesNo,
    Choice {
        options: Vec<String>,
    },
}

impl Hint {
    /// The hint for an answer that does not fit `ty`.
    pub fn for_type(ty: &AskType) -> Hint {
        match ty {
            AskType::Text => Hint::Text,
            AskType::Number => Hint::Number,
            AskType::Digits { count } => Hint::Digits { count: *count },
            AskType::Date => Hint::Date,
            AskType::Email => Hint::Email,
            AskType::Phone => Hint::Phone,
            AskType::Rating => Hint::Rating,
            AskType::YesNo => Hint::YesNo,
            AskType::Choice { options, .. } => Hint::Choice {
                options: options.clone(),
            },
        }
    }

    /// The hint in the language of `language` (a BCP-47 tag): pt, es, or else en.
    /// `Por favor, responda com uma data, como 25/12.`
    pub fn text(&self, language: &str) -> String {
        let lang = Lang::of(language);
        let pick = |pt: &str, es: &str, en: &str| lang.pick(pt, es, en).to_string();
        match self {
            Hint::Text => pick(
                "Por favor, escreva sua resposta.",
                "Por favor, escribe tu respuesta.",
                "Please type your answer.",
            ),
            Hint::Number => pick(
                "Por favor, responda com um número, como 42 ou 3,5.",
                "Por favor, responde con un número, como 42 o 3,5.",
                "Please answer with a number, like 42 or 3.5.",
            ),
            Hint::Digits { count: None } => pick(
                "Por favor, responda só com dígitos.",
                "Por favor, responde solo con dígitos.",
                "Please answer with digits only.",
            ),
            Hint::Digits { count: Some(1) } => pick(
                "Por favor, responda com exatamente 1 dígito.",
                "Por favor, responde con exactamente 1 dígito.",
                "Please answer with exactly 1 digit.",
            ),
            Hint::Digits { count: Some(n) } => match lang {
                Lang::Pt => format!("Por favor, responda com exatamente {n} dígitos."),
                Lang::Es => format!("Por favor, responde con exactamente {n} dígitos."),
                Lang::En => format!("Please answer with exactly {n} digits."),
            },
            Hint::Date => {
                let example = if language.replace('_', "-").eq_ignore_ascii_case("en-US") {
                    "12/25"
                } else {
                    "25/12"
                };
                match lang {
                    Lang::Pt => format!("Por favor, responda com uma data, como {example}."),
                    Lang::Es => format!("Por favor, responde con una fecha, como {example}."),
                    Lang::En => format!("Please answer with a date, like {example}."),
                }
            }
            Hint::Email => pick(
                "Por favor, responda com um e-mail, como nome@exemplo.com.",
                "Por favor, responde con un correo electrónico, como nombre@ejemplo.com.",
                "Please answer with an email address, like name@example.com.",
            ),
            Hint::Phone => pick(
                "Por favor, responda com um número de telefone, como +55 11 98765-4321.",
                "Por favor, responde con un número de teléfono, como +34 612 345 678.",
                "Please answer with a phone number, like +1 415 555 0100.",
            ),
            Hint::Rating => pick(
                "Por favor, responda com uma nota de 1 a 5.",
                "Por favor, responde con una nota del 1 al 5.",
                "Please answer with a rating from 1 to 5.",
            ),
            Hint::YesNo => pick(
                "Por favor, responda sim ou não.",
                "Por favor, responde sí o no.",
                "Please answer yes or no.",
            ),
            Hint::Choice { options } => {
                let (lead, or) = match lang {
                    Lang::Pt => ("Por favor, escolha uma das opções", "ou"),
                    Lang::Es => ("Por favor, elige una de las opciones", "o"),
                    Lang::En => ("Please choose one of the options", "or"),
                };
                match options.split_last() {
                    None => format!("{lead}."),
                    Some((last, [])) => format!("{lead}: {last}."),
                    Some((last, rest)) => format!("{lead}: {} {or} {last}.", rest.join(", ")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_by_primary_subtag() {
        assert_eq!(
            Hint::Date.text("pt-BR"),
            "Por favor, responda com uma data, como 25/12."
        );
        assert_eq!(
            Hint::Date.text("PT"),
            "Por favor, responda com uma data, como 25/12."
        );
        assert_eq!(
            Hint::Date.text("es-MX"),
            "Por favor, responde con una fecha, como 25/12."
        );
        assert_eq!(
            Hint::Date.text("en"),
            "Please answer with a date, like 25/12."
        );
        assert_eq!(
            Hint::Date.text("en-US"),
            "Please answer with a date, like 12/25."
        );
        assert_eq!(
            Hint::Date.text("fr-FR"),
            "Please answer with a date, like 25/12."
        );
        assert_eq!(
            Hint::Date.text(""),
            "Please answer with a date, like 25/12."
        );
        assert_eq!(Hint::YesNo.text("pt_BR"), "Por favor, responda sim ou não.");
    }

    #[test]
    fn digits_mention_the_count() {
        let eleven = Hint::Digits { count: Some(11) };
        assert_eq!(
            eleven.text("pt-BR"),
            "Por favor, responda com exatamente 11 dígitos."
        );
        assert_eq!(
            eleven.text("es"),
            "Por favor, responde con exactamente 11 dígitos."
        );
        assert_eq!(eleven.text("en"), "Please answer with exactly 11 digits.");
        assert_eq!(
            Hint::Digits { count: Some(1) }.text("en"),
            "Please answer with exactly 1 digit."
        );
        assert_eq!(
            Hint::Digits { count: None }.text("es"),
            "Por favor, responde solo con dígitos."
        );
    }

    #[test]
    fn choice_lists_the_options() {
        let options = |labels: &[&str]| Hint::Choice {
            options: labels.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            options(&["Manhã", "Tarde", "Noite"]).text("pt-BR"),
            "Por favor, escolha uma das opções: Manhã, Tarde ou Noite."
        );
        assert_eq!(
            options(&["Sí", "No"]).text("es"),
            "Por favor, elige una de las opciones: Sí o No."
        );
        assert_eq!(
            options(&["Only"]).text("en"),
            "Please choose one of the options: Only."
        );
        assert_eq!(options(&[]).text("en"), "Please choose one of the options.");
    }

    #[test]
    fn every_hint_in_every_language_is_short_and_non_empty() {
        let hints = [
            Hint::Text,
            Hint::Number,
            Hint::Digits { count: None },
            Hint::Digits { count: Some(8) },
            Hint::Date,
            Hint::Email,
            Hint::Phone,
            Hint::Rating,
            Hint::YesNo,
            Hint::Choice {
                options: vec!["A".into(), "B".into()],
            },
        ];
        for hint in &hints {
            for language in ["pt-BR", "es", "en-US", "de"] {
                let text = hint.text(language);
                assert!(!text.is_empty() && text.chars().count() < 100, "{text}");
            }
        }
    }
}
