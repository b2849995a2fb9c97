//! Moving the lines of a `"""` string with its statement.
//!
//! The lines after the first of a `"""` string are text, but their common indentation is not
//! (LANGUAGE.md section 2 removes it), so when the formatter moves a statement left or right the
//! string's lines can move by the same amount and keep the string's value. Whether they do is
//! not argued but checked: the value before and after must be equal, or the string is kept
//! exactly as written.

use crate::syntax::strings::dedent_raw;

/// The literal (quotes included) with its lines after the first moved right by `delta` spaces
/// (left when negative), or `None` when that would change its value or there is nothing to do.
pub(super) fn reindent(literal: &str, delta: isize) -> Option<String> {
    if delta == 0 {
        return None;
    }
    let mut lines = literal.split('\n');
    let mut out = String::with_capacity(literal.len() + 64);
    out.push_str(lines.next()?);
    for line in lines {
        out.push('\n');
        if line.is_empty() {
            continue;
        }
        if delta > 0 {
            out.extend(std::iter::repeat_n(' ', delta.unsigned_abs()));
            out.push_str(line);
        } else {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            let cut = spaces.min(delta.unsigned_abs());
            out.push_str(line.get(cut..).unwrap_or(line));
        }
    }
    (value(literal)? == value(&out)?).then_some(out)
}

/// The value of a `"""` literal.
fn value(literal: &str) -> Option<String> {
    let body = literal.strip_prefix("\"\"\"")?.strip_suffix("\"\"\"")?;
    Some(dedent_raw(body))
}

#[cfg(test)]
mod tests {
    use super::reindent;

    #[test]
    fn lines_move_with_their_statement() {
        let literal = "\"\"\"\n    Hello\n      there\n    \"\"\"";
        assert_eq!(
            reindent(literal, -2).as_deref(),
            Some("\"\"\"\n  Hello\n    there\n  \"\"\"")
        );
        assert_eq!(
            reindent(literal, 2).as_deref(),
            Some("\"\"\"\n      Hello\n        there\n      \"\"\"")
        );
    }

    #[test]
    fn text_on_the_first_line_pins_the_others() {
        // The first line has no indentation, so the others' indentation is text.
        let literal = "\"\"\"Monday\n  Tuesday\"\"\"";
        assert_eq!(reindent(literal, 2), None);
    }
}
