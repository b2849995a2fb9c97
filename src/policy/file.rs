//! Custom policy files (JSON, documented in docs/policy.md):
//!
//! ```json
//! { "extends": "whatsapp",
//!   "allow_business": ["gambling"], "deny_business": ["telecom"],
//!   "allow_message": [], "deny_message": ["notification"],
//!   "limits": { "text": 1000 } }
//! ```
//! Allowing moves a category to the allowed list; denying moves it to the prohibited list.
//! Limits may only be tightened (a larger number than the base policy's is an error).

use super::{builtin, Limits, Policy};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default = "default_base")]
    extends: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    allow_business: Vec<String>,
    #[serde(default)]
    deny_business: Vec<String>,
    #[serde(default)]
    allow_message: Vec<String>,
    #[serde(default)]
    deny_message: Vec<String>,
    #[serde(default)]
    limits: LimitsFile,
}

fn default_base() -> String {
    "whatsapp".to_string()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    max_options: Option<usize>,
    max_buttons: Option<usize>,
    button_title: Option<usize>,
    row_title: Option<usize>,
    row_description: Option<usize>,
    interactive_body: Option<usize>,
    text: Option<usize>,
    twilio_text: Option<usize>,
    header: Option<usize>,
    footer: Option<usize>,
    list_button: Option<usize>,
    template_body: Option<usize>,
    template_buttons: Option<usize>,
    template_button_label: Option<usize>,
}

/// Why a policy file could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyFileError {
    Invalid(String),
    UnknownBase(String),
    Loosened {
        limit: &'static str,
        base: usize,
        given: usize,
    },
}

impl std::fmt::Display for PolicyFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyFileError::Invalid(e) => write!(f, "{e}"),
            PolicyFileError::UnknownBase(b) => write!(
                f,
                "`extends` names `{b}`, which is not a built-in policy (try `whatsapp`)"
            ),
            PolicyFileError::Loosened { limit, base, given } => {
                write!(f, "limit `{limit}` may only be tightened: the base allows {base}, the file says {given}")
            }
        }
    }
}

/// Reads a policy file's text (`name` is used when the file gives no name).
pub fn parse_policy_file(name: &str, text: &str) -> Result<Policy, PolicyFileError> {
    let file: PolicyFile =
        serde_json::from_str(text).map_err(|e| PolicyFileError::Invalid(e.to_string()))?;
    let mut policy =
        builtin(&file.extends).ok_or_else(|| PolicyFileError::UnknownBase(file.extends.clone()))?;
    policy.name = file.name.unwrap_or_else(|| name.to_string());
    for category in file.allow_business {
        policy.business_prohibited.shift_remove(&category);
        policy.business_needs_approval.shift_remove(&category);
        policy.business_allowed.insert(category);
    }
    for category in file.deny_business {
        policy.business_allowed.shift_remove(&category);
        policy.business_needs_approval.shift_remove(&category);
        policy.business_prohibited.insert(category);
    }
    for category in file.allow_message {
        policy.message_prohibited.shift_remove(&category);
        policy.message_allowed.insert(category);
    }
    for category in file.deny_message {
        policy.message_allowed.shift_remove(&category);
        policy.message_prohibited.insert(category);
    }
    policy.limits = tighten(policy.limits, &file.limits)?;
    Ok(policy)
}

fn tighten(base: Limits, file: &LimitsFile) -> Result<Limits, PolicyFileError> {
    let mut limits = base;
    let pairs: [(&'static str, &mut usize, Option<usize>); 14] = [
        ("max_options", &mut limits.max_options, file.max_options),
        ("max_buttons", &mut limits.max_buttons, file.max_buttons),
        ("button_title", &mut limits.button_title, file.button_title),
        ("row_title", &mut limits.row_title, file.row_title),
        (
            "row_description",
            &mut limits.row_description,
            file.row_description,
        ),
        (
            "interactive_body",
            &mut limits.interactive_body,
            file.interactive_body,
        ),
        ("text", &mut limits.text, file.text),
        ("twilio_text", &mut limits.twilio_text, file.twilio_text),
        ("header", &mut limits.header, file.header),
        ("footer", &mut limits.footer, file.footer),
        ("list_button", &mut limits.list_button, file.list_button),
        (
            "template_body",
            &mut limits.template_body,
            file.template_body,
        ),
        (
            "template_buttons",
            &mut limits.template_buttons,
            file.template_buttons,
        ),
        (
            "template_button_label",
            &mut limits.template_button_label,
            file.template_button_label,
        ),
    ];
    for (limit, slot, given) in pairs {
        if let Some(given) = given {
            if given > *slot {
                return Err(PolicyFileError::Loosened {
                    limit,
                    base: *slot,
                    given,
                });
            }
            *slot = given;
        }
    }
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_file_extends_and_narrows() {
        let p = parse_policy_file("p", r#"{"allow_business": ["gambling"], "deny_business": ["telecom"], "limits": {"text": 1000}}"#).unwrap();
        assert_eq!(p.business("gambling"), crate::policy::Verdict::Allowed);
        assert_eq!(p.business("telecom"), crate::policy::Verdict::Prohibited);
        assert_eq!(p.limits.text, 1000);
    }

    #[test]
    fn limits_cannot_be_loosened() {
        assert!(matches!(
            parse_policy_file("p", r#"{"limits": {"text": 5000}}"#),
            Err(PolicyFileError::Loosened { .. })
        ));
    }
}
