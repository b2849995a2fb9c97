//! The built-in `whatsapp` policy, exactly as LANGUAGE.md section 8 lists it.

use super::{Limits, Policy};

const BUSINESS_ALLOWED: &[&str] = &[
    "automotive",
    "education",
    "energy",
    "family_planning",
    "finance",
    "food",
    "animal_care",
    "wellness",
    "health_tech",
    "insurance",
    "jewelry",
    "legal",
    "fitness",
    "manufacturing",
    "nonprofit",
    "pharma",
    "pet_products",
    "real_estate",
    "religious",
    "retail",
    "telecom",
    "travel",
    "veterinary",
    "weapons_training",
];

const BUSINESS_PROHIBITED: &[&str] = &[
    "adult",
    "alcohol",
    "animal_sales",
    "currency_exchange",
    "dating",
    "content_subscription",
    "drugs",
    "gambling",
    "tobacco",
    "weapons",
    "defense",
    "political",
];

/// Words authors use for a category, and the category they mean.
const SYNONYMS: &[(&str, &str)] = &[
    ("clinic", "health_tech"),
    ("dental", "health_tech"),
    ("dentist", "health_tech"),
    ("health", "health_tech"),
    ("healthcare", "health_tech"),
    ("hospital", "health_tech"),
    ("clinica", "health_tech"),
    ("gym", "fitness"),
    ("academia", "fitness"),
    ("bank", "finance"),
    ("banking", "finance"),
    ("store", "retail"),
    ("shop", "retail"),
    ("ecommerce", "retail"),
    ("school", "education"),
    ("restaurant", "food"),
    ("pet", "pet_products"),
    ("vet", "veterinary"),
];

const MESSAGE_ALLOWED: &[&str] = &[
    "notification",
    "customer_care",
    "two_factor",
    "verification",
];
const MESSAGE_PROHIBITED: &[&str] = &["promotional", "newsletter", "subscription"];

/// WhatsApp's limits (WHATSAPP.md "Message limits").
pub const WHATSAPP_LIMITS: Limits = Limits {
    max_options: 10,
    max_buttons: 3,
    button_title: 20,
    row_title: 24,
    row_description: 72,
    interactive_body: 1024,
    text: 4096,
    twilio_text: 1600,
    header: 60,
    footer: 60,
    list_button: 20,
    template_body: 1024,
    template_buttons: 10,
    template_button_label: 25,
};

pub fn whatsapp() -> Policy {
    let set = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    Policy {
        name: "whatsapp".to_string(),
        business_allowed: set(BUSINESS_ALLOWED),
        business_prohibited: set(BUSINESS_PROHIBITED),
        business_needs_approval: set(&["government"]),
        business_synonyms: SYNONYMS
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        message_allowed: set(MESSAGE_ALLOWED),
        message_prohibited: set(MESSAGE_PROHIBITED),
        limits: WHATSAPP_LIMITS,
    }
}
