//! Every diagnostic code charla can report, with its severity and a one-line summary.
//! The long explanation of each (`charla explain CODE`) lives in `docs/codes/CODE.md`.
//!
//! Codes are stable: never reuse or renumber one. Ranges: E00xx source and syntax, E01xx names
//! and structure, E02xx WhatsApp limits, E03xx policy, E04xx flow; W.... the same for warnings.

use super::Severity;

/// A diagnostic code and what is known about it.
#[derive(Debug, Clone, Copy)]
pub struct Code {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($code:literal $sev:ident $summary:literal,)*) => {
        /// All codes, in order.
        pub const CODES: &[Code] = &[
            $(Code {
                code: $code,
                severity: Severity::$sev,
                summary: $summary,
                explanation: include_str!(concat!("../../docs/codes/", $code, ".md")),
            },)*
        ];
    };
}

codes! {
    "E0001" Error "the file is not valid UTF-8",
    "E0002" Error "a control character in the source",
    "E0003" Error "nesting too deep",
    "E0004" Error "syntax error",
    "E0005" Error "unknown escape in a string",
    "E0006" Error "a `{% %}` tag in a text",
    "E0007" Error "a placeholder that is not a valid expression",
    "E0008" Error "a numbered placeholder outside a template, or a named one inside",
    "E0009" Error "an empty file",
    "E0101" Error "a name defined twice",
    "E0102" Error "no `bot` block",
    "E0103" Error "a second `bot` block",
    "E0104" Error "no plain `start`",
    "E0105" Error "an undefined menu or intent",
    "E0106" Error "an undefined audience",
    "E0107" Error "a step that is not allowed here",
    "E0108" Error "a setting given twice",
    "E0109" Error "a required setting is missing",
    "E0110" Error "a setting with an invalid value",
    "E0111" Error "a menu path that sends no `say`",
    "E0112" Error "a menu with no options",
    "E0113" Error "the policy cannot be loaded",
    "E0114" Error "an undefined template or test target",
    "E0201" Error "too many options",
    "E0202" Error "a button title that is too long",
    "E0203" Error "a list row title that is too long",
    "E0204" Error "a list row description that is too long",
    "E0205" Error "a message body that is too long",
    "E0206" Error "a text that is too long",
    "E0207" Error "a header or footer that is too long",
    "E0208" Error "two options with the same label",
    "E0209" Error "an invalid template name",
    "E0210" Error "a template body that is missing, empty or too long",
    "E0211" Error "template placeholders with a gap",
    "E0212" Error "invalid template buttons",
    "E0213" Error "a template header or footer with placeholders it may not have",
    "E0214" Error "an empty text or label",
    "E0215" Error "an invalid `choice`",
    "E0301" Error "a prohibited business category",
    "E0302" Error "an unknown business category",
    "E0303" Error "a prohibited message category",
    "E0304" Error "an unknown message category",
    "E0305" Error "a government bot without approval",
    "E0306" Error "no human escalation path",
    "E0307" Error "a template without a category",
    "E0401" Error "a variable that is not bound on every path",
    "E0402" Error "a call to a host not declared with `api`",
    "E0403" Error "an option whose target its chooser can never reach",
    "E0404" Error "the same example in two intents",
    "E0405" Error "a `goto` cycle that never waits",
    "W0101" Warning "a step after `goto`, `end` or `handoff`",
    "W0201" Warning "a description on a button menu",
    "W0202" Warning "a text over Twilio's 1600 characters",
    "W0203" Warning "a placeholder at the edge of a template body, or two adjacent",
    "W0301" Warning "a government bot",
    "W0302" Warning "a prompt that asks for sensitive numbers",
    "W0303" Warning "templates but no `set opt_in`",
    "W0304" Warning "promotional wording in a non-marketing template",
    "W0305" Warning "an intent category other than `customer_care`",
    "W0401" Warning "an unreachable menu or intent",
    "W0402" Warning "an example the matcher sends to another intent",
    "W0403" Warning "an unused variable",
}

/// Looks a code up, ignoring case (`charla explain e0105`).
pub fn find(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}
