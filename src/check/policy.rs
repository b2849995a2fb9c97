//! Policy checks (WHATSAPP.md "Policy", LANGUAGE.md section 8): business and message
//! categories, government approval, a human escalation path, opt-in before templates,
//! sensitive numbers in prompts, promotional wording in non-marketing templates.

use super::context::Context;
use super::flow::Reach;
use super::walk::{each_step, top_steps};
use crate::ast::{IntentStmt, Setting, Step, TemplateStmt};
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::fold::fold;
use crate::policy::{Policy, Verdict};

/// Words that make a prompt ask for a payment card, a bank account or a personal ID number
/// (folded; pt, es, en). A prompt that also names the last digits is fine.
const CARD: &[&str] = &[
    "cartao",
    "cartao de credito",
    "tarjeta",
    "card",
    "credit card",
    "debit card",
];
const BANK: &[&str] = &[
    "conta bancaria",
    "numero da conta",
    "cuenta bancaria",
    "numero de cuenta",
    "bank account",
    "account number",
    "iban",
    "agencia e conta",
];
const ID: &[&str] = &[
    "cpf",
    "rg",
    "dni",
    "nie",
    "curp",
    "rut",
    "cedula",
    "ssn",
    "social security",
    "passaporte",
    "pasaporte",
    "passport",
    "documento de identidade",
    "documento de identidad",
    "id number",
    "identity number",
    "carteira de identidade",
];
const NUMBER: &[&str] = &["numero", "number", "digitos", "digits", "nro"];
const LAST_DIGITS: &[&str] = &[
    "ultimos 4",
    "4 ultimos",
    "ultimos quatro",
    "quatro ultimos",
    "ultimos cuatro",
    "cuatro ultimos",
    "last 4",
    "last four",
    "final 4",
];

/// Promotional words (folded; pt, es, en) that make Meta treat a template as MARKETING.
const PROMOTIONAL: &[&str] = &[
    "promocao",
    "promocoes",
    "desconto",
    "descontos",
    "oferta",
    "ofertas",
    "gratis",
    "imperdivel",
    "liquidacao",
    "cupom",
    "aproveite",
    "compre",
    "promocion",
    "promociones",
    "descuento",
    "descuentos",
    "rebaja",
    "rebajas",
    "cupon",
    "aprovecha",
    "compra ya",
    "discount",
    "discounts",
    "offer",
    "offers",
    "free",
    "sale",
    "coupon",
    "deal",
    "deals",
    "buy now",
    "limited time",
    "special price",
    "black friday",
    "% off",
];

pub fn check(cx: &Context, policy: &Policy, reach: &Reach, out: &mut Vec<Diagnostic>) {
    let Some(bot) = cx.bot else { return };
    let setting = |word: &str| {
        bot.settings
            .stmts
            .iter()
            .find(|n| n.kind.keyword() == word)
            .map(|n| &n.kind)
    };
    let approval = setting("approval");
    if let Some(Setting::Business(business)) = setting("business") {
        match policy.business(&business.text) {
            Verdict::Allowed => {}
            Verdict::Prohibited => out.push(
                Diagnostic::new("E0301", format!("WhatsApp does not allow `{}` businesses", business.text), business.span, format!("prohibited by the `{}` policy", policy.name))
                    .with_help("WhatsApp's commercial policy forbids this category; a bot for it would be banned"),
            ),
            Verdict::NeedsApproval => match approval {
                Some(Setting::Approval(reference)) => out.push(
                    Diagnostic::new("W0301", format!("`{}` bots need Meta's special approval", business.text), business.span, "needs approval")
                        .with_label(reference.span, "approval given here")
                        .with_help("make sure the approval reference is current before you deploy"),
                ),
                _ => out.push(
                    Diagnostic::new("E0305", format!("`{}` bots need Meta's special approval", business.text), business.span, "no `approval` in the bot")
                        .with_help("add `approval \"REFERENCE\"` with the approval Meta gave you"),
                ),
            },
            Verdict::Unknown => {
                let help = match policy.suggest_business(&business.text) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "`charla explain E0302` lists the categories".to_string(),
                };
                out.push(
                    Diagnostic::new("E0302", format!("`{}` is not a business category", business.text), business.span, "unknown category")
                        .with_help(help),
                );
            }
        }
    }
    let support = setting("support").is_some();
    if !support && !reach.handoff && !cx.incomplete {
        out.push(
            Diagnostic::new("E0306", "no way to reach a human", cx.bot_span, "this bot has no reachable `handoff` and no `support`")
                .with_help("add an option such as `option \"Talk to a person\" -> handoff`, or `support \"https://...\"` in the bot block"),
        );
    }
    let mut opt_in = false;
    for flow in cx.flows.values() {
        each_step(&top_steps(*flow), &mut |step, _| match step {
            Step::SetOptIn => opt_in = true,
            Step::Ask { question, .. } => sensitive_prompt(question, out),
            _ => {}
        });
        if let super::context::Flow::Intent(intent) = flow {
            for node in &intent.body.stmts {
                if let IntentStmt::Category(c) = &node.kind {
                    if c.text != "customer_care" {
                        out.push(
                            Diagnostic::new("W0305", format!("an intent's category is always `customer_care`, not `{}`", c.text), c.span, "replies are customer care")
                                .with_help("a reply to a customer is customer care; remove the line or write `category customer_care`"),
                        );
                    }
                }
            }
        }
    }
    if !opt_in && !cx.incomplete {
        if let Some(first) = cx.templates.values().next() {
            out.push(
                Diagnostic::new("W0303", "the bot has templates but never asks for opt-in", first.name.span, "cannot be sent to anyone")
                    .with_help("templates may only go to contacts who opted in; add `set opt_in` to an intent where people agree to receive messages"),
            );
        }
    }
    for template in cx.templates.values() {
        template_policy(template, policy, out);
    }
}

fn template_policy(template: &crate::ast::Template, policy: &Policy, out: &mut Vec<Diagnostic>) {
    let category = template.body.stmts.iter().find_map(|n| match &n.kind {
        TemplateStmt::Category(c) => Some(c),
        _ => None,
    });
    let Some(category) = category else {
        out.push(
            Diagnostic::new(
                "E0307",
                format!("template `{}` has no `category`", template.name.text),
                template.name.span,
                "no `category` line",
            )
            .with_help("add `category notification` (or `two_factor`, `verification`)"),
        );
        return;
    };
    if category.text == "customer_care" {
        out.push(
            Diagnostic::new("E0303", "`customer_care` is for replies, not for templates", category.span, "not a template category")
                .with_help("a template the business sends first is a `notification`, `two_factor` or `verification`"),
        );
        return;
    }
    match policy.message(&category.text) {
        Verdict::Prohibited => out.push(
            Diagnostic::new("E0303", format!("`{}` messages are not allowed by the `{}` policy", category.text, policy.name), category.span, "prohibited category")
                .with_help("WhatsApp's policy forbids promotional, newsletter and subscription messages here; use `notification` for messages a customer expects"),
        ),
        Verdict::Unknown => {
            let known = policy.message_allowed.iter().chain(&policy.message_prohibited).map(String::as_str);
            let help = did_you_mean(&category.text, known).map_or_else(|| "the categories are `notification`, `two_factor` and `verification`".to_string(), |s| format!("did you mean `{s}`?"));
            out.push(Diagnostic::new("E0304", format!("`{}` is not a message category", category.text), category.span, "unknown category").with_help(help));
        }
        _ => {
            if crate::policy::whatsapp_category(&category.text) != Some("MARKETING") {
                promotional(template, out);
            }
        }
    }
}

/// W0304: promotional words in a template that is not a marketing one.
fn promotional(template: &crate::ast::Template, out: &mut Vec<Diagnostic>) {
    for node in &template.body.stmts {
        let s = match &node.kind {
            TemplateStmt::Header(s) | TemplateStmt::Body(s) | TemplateStmt::Footer(s) => s,
            TemplateStmt::Button { label, .. } => label,
            _ => continue,
        };
        let folded = format!(" {} ", fold(&s.value.replace('%', " % ")));
        if let Some(word) = PROMOTIONAL
            .iter()
            .find(|w| folded.contains(&format!(" {} ", fold(&w.replace('%', " % ")))))
        {
            let folded_word = fold(&word.replace('%', " % "));
            let (span, written) = match super::text::find_phrase(&s.value, &folded_word) {
                Some((start, end)) => (
                    super::text::sub_span(s, start, end),
                    s.value[start..end].to_string(),
                ),
                None => (s.span, word.to_string()),
            };
            out.push(
                Diagnostic::new("W0304", format!("`{written}` sounds promotional in a non-marketing template"), span, "promotional wording")
                    .with_help("Meta re-categorises promotional templates as MARKETING, which this policy does not allow; keep the text to the facts the customer expects"),
            );
            return;
        }
    }
}

/// W0302: a prompt that asks for a full card, bank account or ID number.
fn sensitive_prompt(question: &crate::ast::Str, out: &mut Vec<Diagnostic>) {
    let folded = format!(" {} ", fold(&question.value));
    let has = |list: &[&'static str]| -> Option<&'static str> {
        list.iter()
            .find(|w| folded.contains(&format!(" {w} ")))
            .copied()
    };
    if LAST_DIGITS.iter().any(|w| folded.contains(w)) {
        return;
    }
    let what = if let Some(w) = has(ID) {
        Some(("a personal ID number", w))
    } else if let Some(w) = has(BANK) {
        Some(("a bank account number", w))
    } else if let (Some(w), Some(_)) = (has(CARD), has(NUMBER)) {
        Some(("a full card number", w))
    } else {
        None
    };
    if let Some((what, word)) = what {
        let (span, written) = match super::text::find_phrase(&question.value, word) {
            Some((start, end)) => (
                super::text::sub_span(question, start, end),
                question.value[start..end].to_string(),
            ),
            None => (question.span, word.to_string()),
        };
        out.push(
            Diagnostic::new("W0302", format!("this prompt seems to ask for {what} (`{written}`)"), span, "sensitive data")
                .with_help("WhatsApp's policy forbids asking for full card, bank account or ID numbers; ask for the last 4 digits, or send people to a secure page"),
        );
    }
}
