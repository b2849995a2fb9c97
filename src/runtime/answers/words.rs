//! Answers read as words: `yes_no` and `choice`.

use super::{ascii_digits, is_format};
use crate::fold::fold;

/// yes: `sim s yes y si sí claro ok`; no: `não nao n no` (folded, so `Sim!` and `NÃO` count).
pub(super) fn read_yes_no(text: &str) -> Option<bool> {
    match fold(text).as_str() {
        "sim" | "s" | "yes" | "y" | "si" | "claro" | "ok" => Some(true),
        "nao" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// The label the answer names: the text as sent (trimmed) equal to a label, else the folded
/// text equal to a folded label (an answer that folds to nothing matches no label this way),
/// else a 1-based option number (`2`, `2.`, `2️⃣`).
pub(super) fn read_choice<'a>(text: &str, options: &'a [String]) -> Option<&'a String> {
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c.is_control() || is_format(c));
    if !trimmed.is_empty() {
        if let Some(label) = options.iter().find(|label| label.trim() == trimmed) {
            return Some(label);
        }
    }
    let folded = fold(text);
    if folded.is_empty() {
        return None;
    }
    if let Some(label) = options.iter().find(|label| fold(label) == folded) {
        return Some(label);
    }
    let number = ascii_digits(&folded);
    if number.len() > 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let position: usize = number.parse().ok()?;
    options.get(position.checked_sub(1)?)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{choice, cx};
    use super::super::{read_answer, Hint};
    use crate::model::AskType;
    use serde_json::json;

    #[test]
    fn yes_no_in_every_language() {
        let pt = cx("pt-BR");
        for yes in [
            "sim", "Sim!", "S", "yes", "Y", "si", "sí", "Sí.", "claro", "OK", " ok ",
        ] {
            assert_eq!(
                read_answer(&AskType::YesNo, yes, &pt),
                Ok(json!(true)),
                "{yes}"
            );
        }
        for no in ["não", "NÃO", "nao", "n", "no", "No."] {
            assert_eq!(
                read_answer(&AskType::YesNo, no, &pt),
                Ok(json!(false)),
                "{no}"
            );
        }
        for bad in [
            "",
            "talvez",
            "sim não",
            "nope",
            "yes please",
            "👍",
            "1",
            "s i m",
        ] {
            assert_eq!(
                read_answer(&AskType::YesNo, bad, &pt),
                Err(Hint::YesNo),
                "{bad}"
            );
        }
    }

    #[test]
    fn choice_by_label_folded_or_number() {
        let es = cx("es");
        let ty = choice(&["Mañana", "Tarde", "Noche"]);
        let ok = |t: &str, expected: &str| {
            assert_eq!(read_answer(&ty, t, &es), Ok(json!(expected)), "{t}")
        };
        ok("Mañana", "Mañana");
        ok("manana", "Mañana");
        ok("  ¡TARDE!  ", "Tarde");
        ok("1", "Mañana");
        ok("3.", "Noche");
        ok("2️⃣", "Tarde");
        ok("٢", "Tarde");
        for bad in [
            "",
            "0",
            "4",
            "1000",
            "99999999999999999999",
            "mañana tarde",
            "?",
        ] {
            assert_eq!(
                read_answer(&ty, bad, &es),
                Err(Hint::Choice {
                    options: vec!["Mañana".into(), "Tarde".into(), "Noche".into()]
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn choice_labels_win_over_numbers() {
        let en = cx("en");
        let ty = choice(&["1", "2 people", "2"]);
        assert_eq!(read_answer(&ty, "2", &en), Ok(json!("2")));
        assert_eq!(read_answer(&ty, "1", &en), Ok(json!("1")));
        assert_eq!(read_answer(&ty, "3", &en), Ok(json!("2")));
        let emoji = choice(&["👍", "👎", "..."]);
        assert_eq!(read_answer(&emoji, "👎", &en), Ok(json!("👎")));
        assert_eq!(read_answer(&emoji, "...", &en), Ok(json!("...")));
        assert_eq!(read_answer(&emoji, "!!", &en).ok(), None);
        assert_eq!(read_answer(&emoji, "3", &en), Ok(json!("...")));
    }
}
