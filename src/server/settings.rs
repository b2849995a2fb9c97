//! The server's settings: flags with environment equivalents (DESIGN.md "The server's
//! interface"), and the secrets, which come only from the environment. One table,
//! [`VARIABLES`], feeds `serve --help`, the generated `.env.example` and the reading itself.

use crate::model::Model;
use indexmap::IndexMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Flags of `NAME serve` and `charla serve PATH`.
#[derive(clap::Args, Debug, Clone)]
#[command(after_long_help = env_help())]
pub struct ServeArgs {
    /// Address and port to listen on
    #[arg(long, env = "CHARLA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The SQLite file that keeps conversations and the outbox (default `./<bot name>.db`)
    #[arg(long, env = "CHARLA_DB")]
    pub db: Option<PathBuf>,
    /// Print a `.env.example` with every setting and exit
    #[arg(long)]
    pub env_example: bool,
}

/// One environment variable the server reads.
pub struct Variable {
    pub name: &'static str,
    pub meaning: &'static str,
    pub example: &'static str,
}

/// Every variable, in the order `.env.example` lists them.
pub const VARIABLES: &[Variable] = &[
    Variable {
        name: "CHARLA_LISTEN",
        meaning: "address and port to listen on (flag --listen)",
        example: "127.0.0.1:8080",
    },
    Variable {
        name: "CHARLA_DB",
        meaning: "the SQLite file (flag --db; default ./<bot name>.db)",
        example: "./bot.db",
    },
    Variable {
        name: "WHATSAPP_VERIFY_TOKEN",
        meaning: "Meta: the verify token you type in the app's webhook settings",
        example: "",
    },
    Variable {
        name: "WHATSAPP_APP_SECRET",
        meaning: "Meta: the app secret, key of X-Hub-Signature-256 (Meta is off without it)",
        example: "",
    },
    Variable {
        name: "WHATSAPP_ACCESS_TOKEN",
        meaning: "Meta: bearer token for the send API",
        example: "",
    },
    Variable {
        name: "WHATSAPP_PHONE_NUMBER_ID",
        meaning: "Meta: the sender's phone number id",
        example: "",
    },
    Variable {
        name: "WHATSAPP_API_BASE",
        meaning: "Meta: send API base including the version",
        example: "https://graph.facebook.com/v23.0",
    },
    Variable {
        name: "TWILIO_AUTH_TOKEN",
        meaning: "Twilio: the auth token, key of X-Twilio-Signature (Twilio is off without it)",
        example: "",
    },
    Variable {
        name: "TWILIO_PUBLIC_URL",
        meaning: "Twilio: the full public URL Twilio posts to, as configured in Twilio",
        example: "https://bot.example.com/webhooks/twilio",
    },
    Variable {
        name: "TWILIO_ACCOUNT_SID",
        meaning: "Twilio: account SID, for messages sent outside a webhook's reply (releases)",
        example: "",
    },
    Variable {
        name: "TWILIO_FROM",
        meaning: "Twilio: the business's sender, for messages sent outside a webhook's reply",
        example: "whatsapp:+14155238886",
    },
    Variable {
        name: "TWILIO_CONTENT_SIDS",
        meaning: "Twilio: the bot's templates as approved Content API templates, `name=HX…` \
                  separated by commas (sent as ContentSid; others go as text)",
        example: "class_reminder=HX0123456789abcdef0123456789abcdef",
    },
    Variable {
        name: "TWILIO_API_BASE",
        meaning: "Twilio: REST API base",
        example: "https://api.twilio.com",
    },
    Variable {
        name: "CHARLA_ADMIN_TOKEN",
        meaning: "bearer token for POST /handoff/release (the route is off without it)",
        example: "",
    },
    Variable {
        name: "CHARLA_AGENT_WEBHOOK",
        meaning: "where handoffs are announced (a JSON POST per handoff)",
        example: "",
    },
    Variable {
        name: "CHARLA_API_HEADER",
        meaning: "a header sent with every `call` to the bot's api, as `Name: value`",
        example: "Authorization: Bearer change-me",
    },
    Variable {
        name: "CHARLA_MAX_BODY",
        meaning: "largest webhook body accepted, in bytes (larger ones get 413)",
        example: "1048576",
    },
    Variable {
        name: "CHARLA_SENDERS",
        meaning: "how many replies are sent at the same time (one thread each)",
        example: "8",
    },
    Variable {
        name: "CHARLA_RETRY_MAX",
        meaning: "longest wait between two tries of a reply the API refused, in seconds",
        example: "300",
    },
];

/// The text `serve --help` ends with.
fn env_help() -> String {
    let mut out =
        String::from("Environment (secrets only from here, never from the bot or its bundle):\n");
    for v in VARIABLES {
        out.push_str(&format!("  {:<26} {}\n", v.name, v.meaning));
    }
    out
}

/// A `.env.example` listing every variable with its meaning.
pub fn env_example(bot: &str) -> String {
    let mut out = format!(
        "# Settings for `{bot} serve` (charla). Copy to .env, fill in, and load it into the\n\
         # environment (for example `set -a; . ./.env; set +a`). Empty secrets switch their\n\
         # channel off.\n"
    );
    for v in VARIABLES {
        let example = match v.name {
            "CHARLA_DB" => format!("./{bot}.db"),
            _ => v.example.to_string(),
        };
        out.push_str(&format!("\n# {}\n{}={example}\n", v.meaning, v.name));
    }
    out
}

/// Reads `TWILIO_CONTENT_SIDS`: `name=SID` pairs separated by commas or line breaks, each name
/// one of the bot's templates (`is_template`) and each SID a Content SID (`HX` and 32 hex
/// digits, as Twilio prints them), so a typo stops the server at start-up instead of sending
/// a template as text that Twilio then refuses outside the window.
pub fn content_sids(
    text: &str,
    is_template: impl Fn(&str) -> bool,
) -> Result<IndexMap<String, String>, String> {
    let mut sids = IndexMap::new();
    for pair in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((name, sid)) = pair.split_once('=') else {
            return Err(format!("`{pair}` is not `template=HX…`"));
        };
        let (name, sid) = (name.trim(), sid.trim());
        if !is_template(name) {
            return Err(format!("the bot has no template `{name}`"));
        }
        let hex = sid.strip_prefix("HX").unwrap_or_default();
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "`{sid}` (for `{name}`) is not a Content SID: `HX` and 32 hexadecimal digits"
            ));
        }
        if sids.insert(name.to_string(), sid.to_string()).is_some() {
            return Err(format!("`{name}` is given twice"));
        }
    }
    Ok(sids)
}

/// Meta's Cloud API settings; present when the app secret is set.
#[derive(Debug, Clone)]
pub struct MetaSettings {
    pub app_secret: String,
    pub verify_token: Option<String>,
    pub access_token: String,
    pub phone_number_id: String,
    pub api_base: String,
}

/// Twilio's settings; present when the auth token is set.
#[derive(Debug, Clone)]
pub struct TwilioSettings {
    pub auth_token: String,
    pub public_url: String,
    pub account_sid: Option<String>,
    pub from: Option<String>,
    pub api_base: String,
    /// Template name → the Content SID (`HX…`) of the approved Content API template that
    /// stands for it: Twilio sends business-initiated messages only as those.
    pub content_sids: IndexMap<String, String>,
}

/// Everything the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub db: PathBuf,
    pub meta: Option<MetaSettings>,
    pub twilio: Option<TwilioSettings>,
    pub admin_token: Option<String>,
    pub agent_webhook: Option<String>,
    pub api_header: Option<(String, String)>,
    pub max_body: usize,
    pub retry_max_secs: i64,
    pub senders: usize,
}

impl Settings {
    /// The settings for serving `model` from the flags and the environment (`env` looks a
    /// variable up, so tests can give their own). An error names the variable and what is
    /// wrong with it.
    pub fn read(
        args: &ServeArgs,
        model: &Model,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, String> {
        let bot_name = &model.bot.name;
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let meta = match get("WHATSAPP_APP_SECRET") {
            None => None,
            Some(app_secret) => Some(MetaSettings {
                app_secret,
                verify_token: get("WHATSAPP_VERIFY_TOKEN"),
                access_token: get("WHATSAPP_ACCESS_TOKEN").ok_or(
                    "WHATSAPP_APP_SECRET is set but WHATSAPP_ACCESS_TOKEN is not: replies could \
                     not be sent",
                )?,
                phone_number_id: get("WHATSAPP_PHONE_NUMBER_ID").ok_or(
                    "WHATSAPP_APP_SECRET is set but WHATSAPP_PHONE_NUMBER_ID is not: replies \
                     could not be sent",
                )?,
                api_base: get("WHATSAPP_API_BASE")
                    .unwrap_or_else(|| "https://graph.facebook.com/v23.0".to_string()),
            }),
        };
        let twilio = match get("TWILIO_AUTH_TOKEN") {
            None => None,
            Some(auth_token) => Some(TwilioSettings {
                auth_token,
                public_url: get("TWILIO_PUBLIC_URL").ok_or(
                    "TWILIO_AUTH_TOKEN is set but TWILIO_PUBLIC_URL is not: signatures are \
                     computed over the public URL Twilio posts to",
                )?,
                account_sid: get("TWILIO_ACCOUNT_SID"),
                from: get("TWILIO_FROM"),
                api_base: get("TWILIO_API_BASE")
                    .unwrap_or_else(|| "https://api.twilio.com".to_string()),
                content_sids: match get("TWILIO_CONTENT_SIDS") {
                    None => IndexMap::new(),
                    Some(text) => content_sids(&text, |name| model.templates.contains_key(name))
                        .map_err(|e| format!("TWILIO_CONTENT_SIDS: {e}"))?,
                },
            }),
        };
        let api_header = match get("CHARLA_API_HEADER") {
            None => None,
            Some(line) => {
                let (name, value) = line.split_once(':').ok_or(
                    "CHARLA_API_HEADER must look like `Name: value` (for example \
                     `Authorization: Bearer …`)",
                )?;
                let name = name.trim();
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return Err(format!(
                        "CHARLA_API_HEADER: `{name}` is not a header name (letters, digits and `-`)"
                    ));
                }
                Some((name.to_string(), value.trim().to_string()))
            }
        };
        let number = |name: &str, default: u64| -> Result<u64, String> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name} must be a whole number, not `{v}`")),
            }
        };
        Ok(Settings {
            listen: args.listen,
            db: args
                .db
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("./{bot_name}.db"))),
            meta,
            twilio,
            admin_token: get("CHARLA_ADMIN_TOKEN"),
            agent_webhook: get("CHARLA_AGENT_WEBHOOK"),
            api_header,
            max_body: usize::try_from(number("CHARLA_MAX_BODY", 1 << 20)?).unwrap_or(usize::MAX),
            retry_max_secs: i64::try_from(number("CHARLA_RETRY_MAX", 300)?.max(1))
                .unwrap_or(i64::MAX),
            senders: usize::try_from(number("CHARLA_SENDERS", 8)?.clamp(1, 256)).unwrap_or(8),
        })
    }

    /// One line per channel and route: what start-up says.
    pub fn summary(&self) -> Vec<String> {
        let on_off = |on: bool, why: &str| {
            if on {
                "on".to_string()
            } else {
                format!("off ({why})")
            }
        };
        vec![
            format!(
                "meta:    {}",
                on_off(self.meta.is_some(), "WHATSAPP_APP_SECRET is not set")
            ),
            format!(
                "twilio:  {}",
                on_off(self.twilio.is_some(), "TWILIO_AUTH_TOKEN is not set")
            ),
            format!(
                "release: {}",
                on_off(self.admin_token.is_some(), "CHARLA_ADMIN_TOKEN is not set")
            ),
            format!(
                "agents:  {}",
                match &self.agent_webhook {
                    Some(url) => format!("handoffs announced to {url}"),
                    None => "handoffs not announced (CHARLA_AGENT_WEBHOOK is not set)".to_string(),
                }
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::content_sids;

    const SID: &str = "HX0123456789abcdef0123456789ABCDEF";

    #[test]
    fn content_sids_are_read_from_pairs_separated_by_commas_or_line_breaks() {
        let other = "HXffffffffffffffffffffffffffffffff";
        let text = format!(" class_reminder={SID},\n welcome = {other} ,");
        let sids = content_sids(&text, |name| ["class_reminder", "welcome"].contains(&name));
        let sids = sids.unwrap();
        assert_eq!(sids.len(), 2);
        assert_eq!(sids["class_reminder"], SID);
        assert_eq!(sids["welcome"], other);
        assert!(content_sids("", |_| true).unwrap().is_empty());
    }

    #[test]
    fn a_wrong_content_sid_setting_says_what_is_wrong() {
        let cases = [
            (format!("nope={SID}"), "no template `nope`"),
            ("class_reminder".to_string(), "is not `template=HX"),
            ("class_reminder=HX12".to_string(), "is not a Content SID"),
            (
                format!("class_reminder=MM{}", &SID[2..]),
                "is not a Content SID",
            ),
            (format!("class_reminder={SID}0"), "is not a Content SID"),
            (
                "class_reminder=HX0123456789abcdef0123456789abcdeg".to_string(),
                "is not a Content SID",
            ),
            (
                format!("class_reminder={SID},class_reminder={SID}"),
                "given twice",
            ),
        ];
        for (text, expected) in cases {
            let error = content_sids(&text, |name| name == "class_reminder").unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
