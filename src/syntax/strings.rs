//! Decoding string literals: escapes of `"..."` and the dedent of `"""..."""`
//! (LANGUAGE.md section 2).

/// An escape that is not one of `\" \\ \n \t \u{...}`: byte range inside the body.
#[derive(Debug, Clone, PartialEq)]
pub struct BadEscape {
    pub start: usize,
    pub end: usize,
}

/// Decodes the body of a one-line string. Unknown escapes are kept as written and reported.
pub fn decode_escapes(body: &str) -> (String, Vec<BadEscape>) {
    if !body.contains('\\') {
        return (body.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(body.len());
    let mut bad = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((j, 'u')) => match unicode_escape(&body[j + 1..]) {
                Some((ch, len)) => {
                    out.push(ch);
                    for _ in 0..len {
                        chars.next();
                    }
                }
                None => {
                    bad.push(BadEscape {
                        start: i,
                        end: j + 1,
                    });
                    out.push_str("\\u");
                }
            },
            Some((j, other)) => {
                bad.push(BadEscape {
                    start: i,
                    end: j + other.len_utf8(),
                });
                out.push('\\');
                out.push(other);
            }
            None => bad.push(BadEscape {
                start: i,
                end: i + 1,
            }),
        }
    }
    (out, bad)
}

/// `{1F44B}` after `\u`: the character and how many bytes the braces took.
fn unicode_escape(rest: &str) -> Option<(char, usize)> {
    let inner = rest.strip_prefix('{')?;
    let close = inner.find('}')?;
    let hex = &inner[..close];
    if hex.is_empty() || hex.len() > 6 {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((ch, close + 2))
}

/// The value of a `"""` string: the line break after an opening `"""` that ends its line is
/// dropped, so is the line break (and indentation) before a closing `"""` alone on its line,
/// then the longest common leading whitespace of the non-blank lines is removed.
pub fn dedent_raw(body: &str) -> String {
    let body = body.replace("\r\n", "\n");
    let mut text = body.as_str();
    if let Some(pos) = text.find('\n') {
        if text[..pos].trim().is_empty() {
            text = &text[pos + 1..];
        }
    }
    if let Some(pos) = text.rfind('\n') {
        if text[pos + 1..].chars().all(|c| c == ' ' || c == '\t') {
            text = &text[..pos];
        }
    }
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| {
            l.get(indent..)
                .unwrap_or_else(|| l.trim_start_matches([' ', '\t']))
        })
        .collect();
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_escapes() {
        let (s, bad) = decode_escapes(r#"a\"b\\c\nd\te\u{1F44B}"#);
        assert_eq!(s, "a\"b\\c\nd\te\u{1F44B}");
        assert!(bad.is_empty());
    }

    #[test]
    fn reports_unknown_escapes() {
        let (_, bad) = decode_escapes(r"a\qb\u{zz}");
        assert_eq!(
            bad,
            vec![
                BadEscape { start: 1, end: 3 },
                BadEscape { start: 4, end: 6 }
            ]
        );
    }

    #[test]
    fn dedents_raw_strings() {
        assert_eq!(dedent_raw("\n    Olá\n      mundo\n    "), "Olá\n  mundo");
        assert_eq!(dedent_raw("{\"a\": 1}"), "{\"a\": 1}");
        assert_eq!(dedent_raw("\r\n  a\r\n  b\r\n  "), "a\nb");
    }
}
