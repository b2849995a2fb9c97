//! The words that start a line in each kind of block (LANGUAGE.md sections 3 and 4): what
//! the editor offers there (`lsp::completion`), and, all together, the words a misspelt
//! statement may have meant (`syntax::error`). One list each, so the two never disagree.

/// The words that start an item (LANGUAGE.md section 3).
pub const ITEMS: &[&str] = &["bot", "audience", "menu", "intent", "template", "test"];
/// The settings of a `bot` block.
pub const SETTINGS: &[&str] = &[
    "business",
    "language",
    "policy",
    "start",
    "fallback",
    "handoff_message",
    "api",
    "support",
    "opt_out",
    "list_button",
    "timezone",
    "session",
    "approval",
];
/// The steps (LANGUAGE.md section 4).
pub const STEPS: &[&str] = &["say", "ask", "call", "set", "if", "goto", "handoff", "end"];
/// What a menu holds: options and the steps allowed in a menu.
pub const MENU: &[&str] = &["say", "option", "set", "call", "if"];
pub const INTENT_ONLY: &[&str] = &["examples", "category"];
pub const TEMPLATE: &[&str] = &["category", "language", "header", "body", "footer", "button"];
pub const TEST: &[&str] = &["contact", "mock", "user", "expect", "bot", "agent"];
pub const CONTACT: &[&str] = &["name", "phone", "audience", "language"];
/// What follows `expect` in a test.
pub const EXPECT: &[&str] = &[
    "menu", "intent", "audience", "handoff", "end", "opt_in", "opt_out", "fallback",
];

/// Every word that may start a statement somewhere (each once).
pub fn statement_words() -> impl Iterator<Item = &'static str> {
    let all = [
        STEPS,
        MENU,
        INTENT_ONLY,
        SETTINGS,
        TEMPLATE,
        TEST,
        ITEMS,
        CONTACT,
        EXPECT,
        &["else"],
    ];
    let mut seen = Vec::new();
    all.into_iter().flatten().copied().filter(move |word| {
        let new = !seen.contains(word);
        if new {
            seen.push(*word);
        }
        new
    })
}

#[cfg(test)]
mod tests {
    /// The words offered to start items and steps are the grammar's keywords
    /// (`syntax::KEYWORDS`): a keyword added to one list and not the other shows here.
    #[test]
    fn items_and_steps_are_keywords() {
        for word in super::ITEMS
            .iter()
            .chain(super::STEPS)
            .chain(super::MENU)
            .chain(super::INTENT_ONLY)
        {
            assert!(
                crate::syntax::KEYWORDS.contains(word),
                "`{word}` is offered but is not in syntax::KEYWORDS"
            );
        }
    }

    #[test]
    fn statement_words_are_each_list_once() {
        let words: Vec<&str> = super::statement_words().collect();
        for word in [
            "say", "option", "business", "header", "expect", "name", "opt_in", "else",
        ] {
            assert_eq!(words.iter().filter(|w| **w == word).count(), 1, "{word}");
        }
    }
}
