//! Policy checks (WHATSAPP.md "Policy", LANGUAGE.md section 8): business and message
//! categories, government approval, a human escalation path, opt-in before templates,
//! sensitive numbers in prompts, promotional wording in non-marketing templates.

use super::context::Context;
use super::error::{PolicyError, Sensitive};
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
                PolicyError::ProhibitedBusiness {
                    business: business.text.clone(),
                    policy: policy.name.clone(),
                    span: business.span,
                }
                .to_diagnostic(),
            ),
            Verdict::NeedsApproval => match approval {
                Some(Setting::Approval(reference)) => out.push(
                    PolicyError::Approved {
                        business: business.text.clone(),
                        span: business.span,
                        approval: reference.span,
                    }
                    .to_diagnostic(),
                ),
                _ => out.push(
                    PolicyError::NeedsApproval {
                        business: business.text.clone(),
                        span: business.span,
                    }
                    .to_diagnostic(),
                ),
            },
            Verdict::Unknown => out.push(
                PolicyError::UnknownBusiness {
                    business: business.text.clone(),
                    suggestion: policy.suggest_business(&business.text),
                    span: business.span,
                }
                .to_diagnostic(),
            ),
        }
    }
    let support = setting("support").is_some();
    if !support && !reach.handoff && !cx.incomplete {
        out.push(PolicyError::NoHuman { span: cx.bot_span }.to_diagnostic());
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
                            PolicyError::IntentCategory {
                                category: c.text.clone(),
                                span: c.span,
                            }
                            .to_diagnostic(),
                        );
                    }
                }
            }
        }
    }
    if !opt_in && !cx.incomplete {
        if let Some(first) = cx.templates.values().next() {
            out.push(
                PolicyError::NoOptIn {
                    span: first.name.span,
                }
                .to_diagnostic(),
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
            PolicyError::NoTemplateCategory {
                template: template.name.text.clone(),
                span: template.name.span,
            }
            .to_diagnostic(),
        );
        return;
    };
    if category.text == "customer_care" {
        out.push(
            PolicyError::CustomerCareTemplate {
                span: category.span,
            }
            .to_diagnostic(),
        );
        return;
    }
    match policy.message(&category.text) {
        Verdict::Prohibited => out.push(
            PolicyError::ProhibitedMessage {
                category: category.text.clone(),
                policy: policy.name.clone(),
                span: category.span,
            }
            .to_diagnostic(),
        ),
        Verdict::Unknown => {
            let known = policy
                .message_allowed
                .iter()
                .chain(&policy.message_prohibited)
                .map(String::as_str);
            out.push(
                PolicyError::UnknownMessage {
                    category: category.text.clone(),
                    suggestion: did_you_mean(&category.text, known).map(str::to_string),
                    span: category.span,
                }
                .to_diagnostic(),
            );
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
            out.push(PolicyError::Promotional { written, span }.to_diagnostic());
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
        Some((Sensitive::IdNumber, w))
    } else if let Some(w) = has(BANK) {
        Some((Sensitive::BankAccount, w))
    } else if let (Some(w), Some(_)) = (has(CARD), has(NUMBER)) {
        Some((Sensitive::CardNumber, w))
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
            PolicyError::SensitivePrompt {
                what,
                written,
                span,
            }
            .to_diagnostic(),
        );
    }
}
