//! Answers made of digits: `number`, `digits [N]`, `phone` and `rating`.

use super::{digit_value, is_edge, is_format, strip_edges};
use crate::fold::fold;
use serde_json::{Number, Value};

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// Digits with an optional sign (`+`, `-` or `−`) and at most one decimal separator (`,` or
/// `.`, both read as the decimal point: `1.000` is 1.0, `3,5` is 3.5). Surrounding spaces and
/// punctuation are dropped (`42.` and `"42"!` are 42). Without a separator the value is an
/// integer if it fits an `i64`; otherwise (or with a separator) an `f64`, which must be finite
/// (10,000 nines are too many). `-0` and `-0.0` are stored as 0.
pub(super) fn read_number(text: &str) -> Option<Value> {
    let written = text
        .trim_start_matches(|c: char| is_edge(c) && !matches!(c, '+' | '-' | '.' | ','))
        .trim_end_matches(is_edge);
    let mut chars = written.chars().peekable();
    let mut number = String::with_capacity(written.len() + 1);
    match chars.peek() {
        Some('+') => {
            chars.next();
        }
        Some('-' | '\u{2212}') => {
            chars.next();
            number.push('-');
        }
        _ => {}
    }
    let (mut digits, mut fraction) = (0usize, false);
    for c in chars {
        if let Some(d) = digit_value(c) {
            digits += 1;
            number.push(char::from(b'0' + d));
        } else if matches!(c, '.' | ',') && !fraction {
            fraction = true;
            if digits == 0 {
                number.push('0');
            }
            number.push('.');
        } else {
            return None;
        }
    }
    if digits == 0 {
        return None;
    }
    if !fraction {
        if let Ok(integer) = number.parse::<i64>() {
            return Some(Value::from(integer));
        }
    }
    let float: f64 = number.parse().ok()?;
    let float = if float == 0.0 { 0.0 } else { float };
    Number::from_f64(float).map(Value::Number)
}

/// Digits only, spaces and dashes ignored (and surrounding punctuation), exactly `count` of
/// them when given; returned as ASCII digits with leading zeros kept.
pub(super) fn read_digits(text: &str, count: Option<u32>) -> Option<String> {
    let mut digits = String::new();
    for c in strip_edges(text, |_| false).chars() {
        if let Some(d) = digit_value(c) {
            digits.push(char::from(b'0' + d));
        } else if !(c.is_whitespace() || is_dash(c) || is_format(c)) {
            return None;
        }
    }
    let fits = match count {
        Some(n) => u32::try_from(digits.len()) == Ok(n),
        None => true,
    };
    (fits && !digits.is_empty()).then_some(digits)
}

/// 8 to 15 digits once spaces, dots, dashes and parentheses are removed, with an optional
/// leading `+` (kept in the value: `+55 (11) 98765-4321` is `+5511987654321`).
pub(super) fn read_phone(text: &str) -> Option<String> {
    let written = strip_edges(text, |c| c == '+');
    let (plus, rest) = match written.strip_prefix(['+', '＋']) {
        Some(rest) => (true, rest),
        None => (false, written),
    };
    let mut phone = String::from(if plus { "+" } else { "" });
    let mut digits = 0usize;
    for c in rest.chars() {
        if let Some(d) = digit_value(c) {
            digits += 1;
            phone.push(char::from(b'0' + d));
        } else if !(c.is_whitespace() || is_dash(c) || is_format(c) || matches!(c, '.' | '(' | ')'))
        {
            return None;
        }
    }
    (8..=15).contains(&digits).then_some(phone)
}

/// 1 to 5 as one digit (`4`, `4.`, the keycap `4️⃣`), or 1 to 5 stars (`⭐` or `★`, spaces
/// between them allowed).
pub(super) fn read_rating(text: &str) -> Option<i64> {
    let folded: Vec<char> = fold(text)
        .chars()
        .filter(|c| !c.is_whitespace() && !is_format(*c))
        .collect();
    let rating = match folded.as_slice() {
        [c] if digit_value(*c).is_some() => i64::from(digit_value(*c)?),
        stars if stars.iter().all(|c| matches!(c, '⭐' | '★')) => stars.len() as i64,
        _ => return None,
    };
    (1..=5).contains(&rating).then_some(rating)
}

#[cfg(test)]
mod tests {
    use super::super::tests::cx;
    use super::super::{read_answer, Hint};
    use crate::model::AskType;
    use serde_json::{json, Value};

    fn number(text: &str) -> Result<Value, Hint> {
        read_answer(&AskType::Number, text, &cx("pt-BR"))
    }

    #[test]
    fn numbers() {
        assert_eq!(number("42"), Ok(json!(42)));
        assert_eq!(number(" 42. "), Ok(json!(42)));
        assert_eq!(number("+7"), Ok(json!(7)));
        assert_eq!(number("-15"), Ok(json!(-15)));
        assert_eq!(number("−15"), Ok(json!(-15)));
        assert_eq!(number("007"), Ok(json!(7)));
        assert_eq!(number("3,5"), Ok(json!(3.5)));
        assert_eq!(number("3.5"), Ok(json!(3.5)));
        assert_eq!(number("-0,25"), Ok(json!(-0.25)));
        assert_eq!(number(",5"), Ok(json!(0.5)));
        assert_eq!(number("1.000"), Ok(json!(1.0)));
        assert_eq!(number("2.0"), Ok(json!(2.0)));
        assert_eq!(number("-0"), Ok(json!(0)));
        assert_eq!(number("-0.0"), Ok(json!(0.0)));
        assert_eq!(number("٤٢"), Ok(json!(42)));
        assert_eq!(number("9223372036854775807"), Ok(json!(i64::MAX)));
        assert_eq!(number("99999999999999999999999"), Ok(json!(1e23)));
        assert_eq!(number("-99999999999999999999999,5"), Ok(json!(-1e23)));
        for bad in [
            "", "-", "+", ".", ",", "--5", "+-5", "- 5", "1.000,50", "1,2,3", "1 000", "dez",
            "ten", "5 reais", "R$ 5", "1e5", "0x1F", "inf", "NaN", "½",
        ] {
            assert_eq!(number(bad), Err(Hint::Number), "{bad}");
        }
        assert_eq!(number(&"9".repeat(400)), Err(Hint::Number));
        assert_eq!(
            number(&format!("0.{}", "1".repeat(10_000))),
            Ok(json!(0.1111111111111111))
        );
    }

    #[test]
    fn digits() {
        let en = cx("en");
        let any = AskType::Digits { count: None };
        let eleven = AskType::Digits { count: Some(11) };
        assert_eq!(read_answer(&any, "00123", &en), Ok(json!("00123")));
        assert_eq!(read_answer(&any, " 001-23 45.", &en), Ok(json!("0012345")));
        assert_eq!(
            read_answer(&eleven, "123.456.789-09", &en),
            Err(Hint::Digits { count: Some(11) })
        );
        assert_eq!(
            read_answer(&eleven, "123 456 789-09", &en),
            Ok(json!("12345678909"))
        );
        assert_eq!(
            read_answer(&eleven, "123456789099", &en),
            Err(Hint::Digits { count: Some(11) })
        );
        assert_eq!(
            read_answer(&eleven, "1234567890", &en),
            Err(Hint::Digits { count: Some(11) })
        );
        assert_eq!(
            read_answer(&AskType::Digits { count: Some(4) }, "１２３４", &en),
            Ok(json!("1234"))
        );
        for bad in ["", " - ", "12a4", "12,4", "1+23", "½", "⑤"] {
            assert_eq!(
                read_answer(&any, bad, &en),
                Err(Hint::Digits { count: None }),
                "{bad}"
            );
        }
        assert!(read_answer(&AskType::Digits { count: Some(0) }, "", &en).is_err());
    }

    #[test]
    fn phones() {
        let es = cx("es");
        let ok = |t: &str, expected: &str| {
            assert_eq!(
                read_answer(&AskType::Phone, t, &es),
                Ok(json!(expected)),
                "{t}"
            )
        };
        ok("+55 (11) 98765-4321", "+5511987654321");
        ok("(11) 98765-4321", "11987654321");
        ok("612.345.678", "612345678");
        ok("12345678", "12345678");
        ok("+123456789012345", "+123456789012345");
        ok("\u{202a}+34 612 34 56 78\u{202c}", "+34612345678");
        ok("(+44) 20 7946 0958.", "+442079460958");
        for bad in [
            "",
            "1234567",
            "1234567890123456",
            "+",
            "++5511987654321",
            "55+11987654321",
            "11987654321+",
            "tel 11987654321",
            "11 98765 4321 ou 11 91234 5678",
            "11/98765-4321",
        ] {
            assert_eq!(
                read_answer(&AskType::Phone, bad, &es),
                Err(Hint::Phone),
                "{bad}"
            );
        }
    }

    #[test]
    fn ratings() {
        let en = cx("en");
        let ok = |t: &str, expected: i64| {
            assert_eq!(
                read_answer(&AskType::Rating, t, &en),
                Ok(json!(expected)),
                "{t}"
            )
        };
        ok("1", 1);
        ok(" 5! ", 5);
        ok("⭐", 1);
        ok("⭐⭐⭐", 3);
        ok("⭐️⭐️⭐️⭐️", 4);
        ok("★★★★★", 5);
        ok("⭐ ★ ⭐", 3);
        ok("4️⃣", 4);
        for bad in [
            "",
            "0",
            "6",
            "10",
            "⭐⭐⭐⭐⭐⭐",
            "3 stars",
            "três",
            "3⭐",
            "4.5",
            "👍",
        ] {
            assert_eq!(
                read_answer(&AskType::Rating, bad, &en),
                Err(Hint::Rating),
                "{bad}"
            );
        }
    }
}
