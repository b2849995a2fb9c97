//! Policies: which businesses and message categories a bot may have, and the limits it must
//! keep. The built-in `whatsapp` policy is data (see [`builtin`]); a custom policy file extends
//! or narrows a built-in one (see [`file`] and docs/policy.md).

mod builtin;
mod file;

pub use builtin::whatsapp;
pub use file::{parse_policy_file, PolicyFileError};

use indexmap::IndexSet;
use serde::Serialize;

/// A policy: lists of business and message categories, and numeric limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub name: String,
    pub business_allowed: IndexSet<String>,
    pub business_prohibited: IndexSet<String>,
    /// Categories allowed only with an `approval` reference (`government`).
    pub business_needs_approval: IndexSet<String>,
    /// Common words authors write for a category (`gym` -> `fitness`).
    pub business_synonyms: Vec<(String, String)>,
    pub message_allowed: IndexSet<String>,
    pub message_prohibited: IndexSet<String>,
    pub limits: Limits,
}

/// The WhatsApp limits charla checks (WHATSAPP.md); a policy file may only tighten them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    pub max_options: usize,
    pub max_buttons: usize,
    pub button_title: usize,
    pub row_title: usize,
    pub row_description: usize,
    pub interactive_body: usize,
    pub text: usize,
    pub twilio_text: usize,
    pub header: usize,
    pub footer: usize,
    pub list_button: usize,
    pub template_body: usize,
    pub template_buttons: usize,
    pub template_button_label: usize,
}

/// What the policy says of a business category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allowed,
    Prohibited,
    NeedsApproval,
    Unknown,
}

impl Policy {
    pub fn business(&self, category: &str) -> Verdict {
        if self.business_prohibited.contains(category) {
            Verdict::Prohibited
        } else if self.business_needs_approval.contains(category) {
            Verdict::NeedsApproval
        } else if self.business_allowed.contains(category) {
            Verdict::Allowed
        } else {
            Verdict::Unknown
        }
    }

    pub fn message(&self, category: &str) -> Verdict {
        if self.message_prohibited.contains(category) {
            Verdict::Prohibited
        } else if self.message_allowed.contains(category) {
            Verdict::Allowed
        } else {
            Verdict::Unknown
        }
    }

    /// The category an unknown business name most likely meant: a synonym, or a close spelling.
    pub fn suggest_business(&self, unknown: &str) -> Option<String> {
        let folded = crate::fold::fold(unknown).replace(' ', "_");
        if let Some((_, category)) = self
            .business_synonyms
            .iter()
            .find(|(word, _)| *word == folded)
        {
            return Some(category.clone());
        }
        let known = self
            .business_allowed
            .iter()
            .chain(&self.business_prohibited)
            .chain(&self.business_needs_approval);
        crate::diagnostic::did_you_mean(unknown, known.map(String::as_str)).map(str::to_string)
    }
}

/// WhatsApp's template category for a charla message category.
pub fn whatsapp_category(category: &str) -> Option<&'static str> {
    match category {
        "notification" => Some("UTILITY"),
        "two_factor" | "verification" => Some("AUTHENTICATION"),
        "promotional" | "newsletter" | "subscription" => Some("MARKETING"),
        _ => None,
    }
}

/// The built-in policies by name.
pub fn builtin(name: &str) -> Option<Policy> {
    (name == "whatsapp").then(whatsapp)
}
