//! Replies as TwiML: one `<Message>` per message (more for a long one), menus as numbered text.

use crate::runtime::turn::Message;
use std::fmt::Write as _;

/// Twilio's limit on a message's `Body`.
pub const BODY_LIMIT: usize = 1600;

/// The `Content-Type` of a TwiML reply.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

const XML_HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// The TwiML that answers a Twilio webhook with `messages`, in order:
/// `<?xml …?><Response><Message>text</Message>…</Response>`, or `<Response/>` (nothing sent)
/// for no messages. Each message becomes its [`plain_text`], cut by [`split_body`] into bodies
/// Twilio takes; text is XML-escaped, and characters XML cannot carry (control characters
/// other than tab, line feed and carriage return) are left out. A message with no visible
/// text is left out too (Twilio refuses an empty body).
///
/// `language` is the contact's language (`pt`, `es-AR`, …). Numbered menus need no words of
/// their own today, so it changes nothing yet; it is here for wording that would.
pub fn twiml(messages: &[Message], language: &str) -> String {
    let _ = language;
    let mut out = String::from(XML_HEADER);
    let texts: Vec<String> = messages.iter().map(plain_text).collect();
    let bodies: Vec<&str> = texts
        .iter()
        .flat_map(|text| split_body(text, BODY_LIMIT))
        .collect();
    if bodies.is_empty() {
        out.push_str("<Response/>");
        return out;
    }
    out.push_str("<Response>");
    for body in bodies {
        out.push_str("<Message>");
        escape_into(&mut out, body);
        out.push_str("</Message>");
    }
    out.push_str("</Response>");
    out
}

/// A message as text a person reads and answers by typing: a text as it is; reply buttons and
/// lists as the body, a blank line, then one `1. Label` line per option (a list row's
/// description after ` - `), so the contact answers with the number (the engine takes an
/// option's number as well as its label); a template as its body. Characters XML cannot carry
/// are left out.
pub fn plain_text(message: &Message) -> String {
    let mut text = match message {
        Message::Text { text } => text.clone(),
        Message::Template { body, .. } => body.clone(),
        Message::Buttons { body, options } | Message::List { body, options, .. } => {
            let mut text = body.trim_end().to_string();
            for (i, option) in options.iter().enumerate() {
                text.push_str(match i {
                    0 if text.is_empty() => "",
                    0 => "\n\n",
                    _ => "\n",
                });
                let _ = write!(text, "{}. {}", i + 1, option.label.trim());
                if let Some(description) = option.description.as_deref().map(str::trim) {
                    if !description.is_empty() {
                        let _ = write!(text, " - {description}");
                    }
                }
            }
            text
        }
    };
    text.retain(xml_char);
    text
}

/// `text` trimmed and cut into pieces of at most `limit` UTF-16 code units (what Twilio
/// counts most strictly; never more than `limit` characters either): at the last line break
/// in the second half of a piece, else at its last white space, else (a word longer than a
/// piece) between two characters, though not inside a character sequence that shows as one
/// (a base and its combining marks, an emoji with its modifiers, joiners and selectors).
/// Pieces are trimmed; white space alone gives no piece.
pub fn split_body(text: &str, limit: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let mut units = 0;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                units += c.len_utf16();
                units > limit
            })
            .map(|(i, _)| i);
        let Some(end) = end else {
            pieces.push(rest);
            break;
        };
        let window = &rest[..end];
        let line_break = window.rfind('\n').filter(|&i| i >= window.len() / 2);
        let space = || {
            window
                .char_indices()
                .rev()
                .find(|&(i, c)| i > 0 && c.is_whitespace())
                .map(|(i, _)| i)
        };
        let cut = line_break
            .or_else(space)
            .unwrap_or_else(|| cluster_boundary(rest, end));
        // A first character wider than the limit still makes progress.
        let cut = if cut == 0 {
            rest.chars().next().map_or(rest.len(), char::len_utf8)
        } else {
            cut
        };
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece.trim_end());
        rest = tail.trim_start();
    }
    pieces
}

/// The last place at or before `end` (a character boundary of `text`) that does not split
/// what shows as one character; `end` itself when there is none after the start.
fn cluster_boundary(text: &str, end: usize) -> usize {
    let mut cut = end;
    while cut > 0 {
        let next = text[cut..].chars().next();
        let previous = text[..cut].chars().next_back();
        let inside = next.is_some_and(extends) || previous == Some('\u{200D}');
        if !inside {
            return cut;
        }
        cut -= previous.map_or(1, char::len_utf8);
    }
    end
}

/// Whether `c` belongs with the character before it.
fn extends(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
        || matches!(c,
            '\u{200C}' | '\u{200D}'              // zero-width non-joiner and joiner
            | '\u{FE00}'..='\u{FE0F}'            // variation selectors
            | '\u{1F3FB}'..='\u{1F3FF}'          // skin tones
            | '\u{E0020}'..='\u{E007F}'          // tag characters (flags of regions)
            | '\u{E0100}'..='\u{E01EF}') // variation selectors supplement
}

/// Whether XML 1.0 can carry `c` (Rust strings hold no surrogates).
fn xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A parser would read a raw carriage return as a line feed.
            '\r' => out.push_str("&#13;"),
            c if xml_char(c) => out.push(c),
            _ => {}
        }
    }
}
