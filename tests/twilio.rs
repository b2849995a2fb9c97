//! Twilio WhatsApp as pure functions: signatures (Twilio's published test vector), form
//! webhooks, inbound messages and TwiML replies.

use charla::channels::twilio::{
    parse_form, parse_message, plain_text, signature, split_body, twiml, verify_signature,
    FormError, MessageError, SignatureError, BODY_LIMIT,
};
use charla::runtime::turn::{Choice, Inbound, Message};
use proptest::prelude::*;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

// Twilio's documented example ("Validating requests are coming from Twilio").
const TOKEN: &str = "12345";
const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
const EXPECTED: &str = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

fn vector_params() -> Vec<(String, String)> {
    pairs(&[
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+12349013030"),
        ("Digits", "1234"),
        ("From", "+12349013030"),
        ("To", "+18005551212"),
    ])
}

#[test]
fn twilio_published_test_vector() {
    assert_eq!(signature(TOKEN, URL, &vector_params()), EXPECTED);
    assert_eq!(
        verify_signature(TOKEN, URL, &vector_params(), Some(EXPECTED)),
        Ok(())
    );
}

#[test]
fn parameter_order_does_not_matter() {
    let mut params = vector_params();
    params.reverse();
    assert_eq!(signature(TOKEN, URL, &params), EXPECTED);
}

#[test]
fn repeated_names_are_signed_with_sorted_values() {
    let a = pairs(&[("MediaUrl", "b"), ("Body", "x"), ("MediaUrl", "a")]);
    let b = pairs(&[("MediaUrl", "a"), ("MediaUrl", "b"), ("Body", "x")]);
    assert_eq!(signature(TOKEN, URL, &a), signature(TOKEN, URL, &b));
    // Computed independently: the URL, then BodyxMediaUrlaMediaUrlb.
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(TOKEN.as_bytes()).unwrap();
    mac.update(format!("{URL}BodyxMediaUrlaMediaUrlb").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(signature(TOKEN, URL, &a), expected);
}

#[test]
fn a_changed_parameter_is_refused() {
    let mut params = vector_params();
    params[2].1 = "1235".into();
    assert_eq!(
        verify_signature(TOKEN, URL, &params, Some(EXPECTED)),
        Err(SignatureError::Mismatch)
    );
    let mut added = vector_params();
    added.push(("Body".into(), "hi".into()));
    assert_eq!(
        verify_signature(TOKEN, URL, &added, Some(EXPECTED)),
        Err(SignatureError::Mismatch)
    );
    let removed = vector_params()[1..].to_vec();
    assert_eq!(
        verify_signature(TOKEN, URL, &removed, Some(EXPECTED)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_changed_url_is_refused() {
    for url in [
        "http://mycompany.com/myapp.php?foo=1&bar=2",
        "https://othercompany.com/myapp.php?foo=1&bar=2",
        "https://mycompany.com/myapp.php",
        "https://mycompany.com/myapp.php?bar=2&foo=1",
        "https://mycompany.com/other.php?foo=1&bar=2",
        "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
    ] {
        assert_eq!(
            verify_signature(TOKEN, url, &vector_params(), Some(EXPECTED)),
            Err(SignatureError::Mismatch),
            "{url}"
        );
    }
}

#[test]
fn the_default_port_may_be_written_or_not() {
    let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    assert_eq!(
        verify_signature(TOKEN, with_port, &vector_params(), Some(EXPECTED)),
        Ok(())
    );
    let signed_with_port = signature(TOKEN, with_port, &vector_params());
    assert_ne!(signed_with_port, EXPECTED);
    assert_eq!(
        verify_signature(TOKEN, URL, &vector_params(), Some(&signed_with_port)),
        Ok(())
    );
}

#[test]
fn the_configured_public_url_is_what_counts() {
    // Behind a proxy the server sees http://127.0.0.1:8080/webhooks/twilio; Twilio signed the
    // public URL it was given.
    let public = "https://bot.example.com/webhooks/twilio";
    let seen = "http://127.0.0.1:8080/webhooks/twilio";
    let params = pairs(&[
        ("MessageSid", "SM1"),
        ("From", "whatsapp:+5511999990000"),
        ("Body", "oi"),
    ]);
    let header = signature("secret", public, &params);
    assert_eq!(
        verify_signature("secret", public, &params, Some(&header)),
        Ok(())
    );
    assert_eq!(
        verify_signature("secret", seen, &params, Some(&header)),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_signature("another", public, &params, Some(&header)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_missing_or_malformed_header_is_refused() {
    let p = vector_params();
    assert_eq!(
        verify_signature(TOKEN, URL, &p, None),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify_signature(TOKEN, URL, &p, Some("  ")),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify_signature(TOKEN, URL, &p, Some("not base64!")),
        Err(SignatureError::Malformed)
    );
    // Base64, but of something else (too short, then the right length but wrong).
    assert_eq!(
        verify_signature(TOKEN, URL, &p, Some("AAAA")),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_signature(TOKEN, URL, &p, Some("1/KCTR6DLpKmkAf8muzZqo1nDgQ=")),
        Err(SignatureError::Mismatch)
    );
    // Surrounding white space is tolerated.
    assert_eq!(
        verify_signature(TOKEN, URL, &p, Some(" 0/KCTR6DLpKmkAf8muzZqo1nDgQ= ")),
        Ok(())
    );
}

#[test]
fn a_signed_form_body_verifies_once_parsed() {
    let body = b"MessageSid=SM123&From=whatsapp%3A%2B5511999990000&Body=Ol%C3%A1+mundo&ProfileName=Jo%C3%A3o";
    let params = parse_form(body).unwrap();
    let header = signature(
        TOKEN,
        URL,
        &pairs(&[
            ("MessageSid", "SM123"),
            ("From", "whatsapp:+5511999990000"),
            ("Body", "Olá mundo"),
            ("ProfileName", "João"),
        ]),
    );
    assert_eq!(verify_signature(TOKEN, URL, &params, Some(&header)), Ok(()));
}

// ---- forms ----

#[test]
fn form_decoding() {
    let params =
        parse_form(b"Body=hello+world&Other=a%20b&Plus=1%2B1&Empty=&NoEquals&&Eq=a=b").unwrap();
    assert_eq!(
        params,
        pairs(&[
            ("Body", "hello world"),
            ("Other", "a b"),
            ("Plus", "1+1"),
            ("Empty", ""),
            ("NoEquals", ""),
            ("Eq", "a=b"),
        ])
    );
}

#[test]
fn form_unicode_and_repeated_keys() {
    let params =
        parse_form("Body=%F0%9F%91%8D+a%C3%A7%C3%A3o&Raw=ação&K=1&K=2".as_bytes()).unwrap();
    assert_eq!(
        params,
        pairs(&[("Body", "👍 ação"), ("Raw", "ação"), ("K", "1"), ("K", "2")])
    );
    // Bad percent escapes are kept as they are, as browsers and form_urlencoded do.
    assert_eq!(
        parse_form(b"A=100%&B=%zz&C=%4").unwrap(),
        pairs(&[("A", "100%"), ("B", "%zz"), ("C", "%4")])
    );
    assert_eq!(parse_form(b"").unwrap(), vec![]);
    assert_eq!(parse_form(b"=&&").unwrap(), pairs(&[("", "")]));
}

#[test]
fn form_junk_is_an_error_not_a_panic() {
    assert_eq!(
        parse_form(b"Body=%FF%FE"),
        Err(FormError::InvalidUtf8 { field: 1 })
    );
    assert_eq!(
        parse_form(b"A=1&B=\xff\x00"),
        Err(FormError::InvalidUtf8 { field: 2 })
    );
    assert_eq!(
        parse_form(b"A=1&%C3=x"),
        Err(FormError::InvalidUtf8 { field: 2 })
    );
    // A multi-byte character cut in half by the encoding.
    assert!(parse_form(b"Body=%F0%9F%91").is_err());
    assert!(parse_form(b"Body=%C3")
        .unwrap_err()
        .to_string()
        .contains("UTF-8"));
}

// ---- inbound messages ----

#[test]
fn a_text_message() {
    let params = parse_form(
        b"SmsMessageSid=SM1&NumMedia=0&ProfileName=Maria&MessageType=text&SmsSid=SM1&WaId=5511999990000&SmsStatus=received&Body=Quero+um+plano&To=whatsapp%3A%2B14155238886&NumSegments=1&ReferralNumMedia=0&MessageSid=SM1&AccountSid=AC1&From=whatsapp%3A%2B5511999990000&ApiVersion=2010-04-01&SomethingNew=x",
    )
    .unwrap();
    let message = parse_message(&params).unwrap();
    assert_eq!(message.message_sid, "SM1");
    assert_eq!(message.from, "+5511999990000");
    assert_eq!(message.to.as_deref(), Some("+14155238886"));
    assert_eq!(message.wa_id.as_deref(), Some("5511999990000"));
    assert_eq!(message.profile_name.as_deref(), Some("Maria"));
    assert_eq!(message.account_sid.as_deref(), Some("AC1"));
    assert_eq!(message.message_type.as_deref(), Some("text"));
    assert!(!message.is_status());
    assert_eq!(
        message.to_inbound(),
        Some(Inbound::Text("Quero um plano".into()))
    );
}

#[test]
fn a_quick_reply_tap() {
    let params = pairs(&[
        ("MessageSid", "SM2"),
        ("From", "whatsapp:+5511999990000"),
        ("Body", "Sim, quero"),
        ("ButtonText", "Sim, quero"),
        ("ButtonPayload", "renewal/sim_quero"),
        ("MessageType", "button"),
    ]);
    let message = parse_message(&params).unwrap();
    assert_eq!(
        message.to_inbound(),
        Some(Inbound::TemplateButton {
            payload: "renewal/sim_quero".into(),
            text: "Sim, quero".into()
        })
    );
    // No ButtonText: the body is the button's text.
    let message = parse_message(
        &params[..3]
            .iter()
            .cloned()
            .chain([params[4].clone()])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(
        message.to_inbound(),
        Some(Inbound::TemplateButton {
            payload: "renewal/sim_quero".into(),
            text: "Sim, quero".into()
        })
    );
}

#[test]
fn media_without_a_caption_is_unsupported() {
    let params = pairs(&[
        ("MessageSid", "MM3"),
        ("From", "whatsapp:+5511999990000"),
        ("Body", ""),
        ("NumMedia", "1"),
        ("MediaContentType0", "image/jpeg"),
        ("MediaUrl0", "https://api.twilio.com/x"),
    ]);
    let message = parse_message(&params).unwrap();
    assert_eq!(message.num_media, 1);
    assert_eq!(message.to_inbound(), None);
    // With a caption, the caption is read.
    let mut captioned = params.clone();
    captioned[2].1 = "my card".into();
    assert_eq!(
        parse_message(&captioned).unwrap().to_inbound(),
        Some(Inbound::Text("my card".into()))
    );
    // A location: no body, no media.
    let location = pairs(&[
        ("MessageSid", "SM4"),
        ("From", "whatsapp:+5511999990000"),
        ("Latitude", "-23.5"),
        ("Longitude", "-46.6"),
    ]);
    assert_eq!(parse_message(&location).unwrap().to_inbound(), None);
}

#[test]
fn a_status_callback_is_no_message() {
    let params = pairs(&[
        ("MessageSid", "SM5"),
        ("MessageStatus", "delivered"),
        ("From", "whatsapp:+14155238886"),
        ("To", "whatsapp:+5511999990000"),
    ]);
    let message = parse_message(&params).unwrap();
    assert!(message.is_status());
    assert_eq!(message.to_inbound(), None);
}

#[test]
fn a_failed_status_keeps_its_error() {
    let params = pairs(&[
        ("MessageSid", "SM7"),
        ("MessageStatus", "undelivered"),
        ("From", "whatsapp:+14155238886"),
        ("To", "whatsapp:+5511999990000"),
        ("ErrorCode", "63016"),
        ("ErrorMessage", "outside the allowed window"),
    ]);
    let message = parse_message(&params).unwrap();
    assert!(message.is_status());
    assert_eq!(
        message.error.as_deref(),
        Some("63016: outside the allowed window")
    );
}

/// Some incoming messages carry `MessageStatus=received`: they are messages all the same.
#[test]
fn an_incoming_message_with_status_received_is_a_message() {
    let params = pairs(&[
        ("MessageSid", "SM6"),
        ("MessageStatus", "received"),
        ("From", "whatsapp:+5511999990000"),
        ("Body", "oi"),
    ]);
    let message = parse_message(&params).unwrap();
    assert!(!message.is_status());
    assert_eq!(message.to_inbound(), Some(Inbound::Text("oi".to_string())));
}

#[test]
fn missing_fields_are_clear_errors() {
    let no_sid = pairs(&[("From", "whatsapp:+5511999990000"), ("Body", "hi")]);
    let error = parse_message(&no_sid).unwrap_err();
    assert_eq!(error, MessageError::Missing("MessageSid"));
    assert!(error.to_string().contains("MessageSid"), "{error}");
    let no_from = pairs(&[("MessageSid", "SM1"), ("Body", "hi")]);
    assert_eq!(
        parse_message(&no_from).unwrap_err(),
        MessageError::Missing("From")
    );
    let empty_from = pairs(&[("MessageSid", "SM1"), ("From", "whatsapp:")]);
    assert_eq!(
        parse_message(&empty_from).unwrap_err(),
        MessageError::Missing("From")
    );
    assert_eq!(
        parse_message(&[]).unwrap_err(),
        MessageError::Missing("MessageSid")
    );
}

#[test]
fn repeated_fields_take_the_first_value() {
    let params = pairs(&[
        ("MessageSid", "SM1"),
        ("From", "whatsapp:+1"),
        ("Body", "first"),
        ("Body", "second"),
    ]);
    assert_eq!(
        parse_message(&params).unwrap().to_inbound(),
        Some(Inbound::Text("first".into()))
    );
}

// ---- TwiML ----

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

fn text(t: &str) -> Message {
    Message::Text { text: t.into() }
}

fn choice(label: &str, description: Option<&str>) -> Choice {
    Choice {
        id: label.to_lowercase(),
        label: label.into(),
        description: description.map(str::to_string),
    }
}

/// The bodies of a TwiML reply, unescaped.
fn bodies(xml: &str) -> Vec<String> {
    assert!(xml.starts_with(HEADER), "{xml}");
    let response = &xml[HEADER.len()..];
    if response == "<Response/>" {
        return vec![];
    }
    let inner = response
        .strip_prefix("<Response>")
        .and_then(|r| r.strip_suffix("</Response>"))
        .unwrap_or_else(|| panic!("{xml}"));
    inner
        .split("</Message>")
        .filter(|m| !m.is_empty())
        .map(|m| {
            let m = m
                .strip_prefix("<Message>")
                .unwrap_or_else(|| panic!("{xml}"));
            assert!(!m.contains('<') && !m.contains('>'), "{m}");
            m.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&#13;", "\r")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn twiml_text_is_escaped() {
    let xml = twiml(&[text(r#"Tom & Jerry <b>"hi"</b> it's"#)], "en");
    assert_eq!(
        xml,
        format!(
            "{HEADER}<Response><Message>Tom &amp; Jerry &lt;b&gt;&quot;hi&quot;&lt;/b&gt; it&apos;s</Message></Response>"
        )
    );
    assert_eq!(bodies(&xml), vec![r#"Tom & Jerry <b>"hi"</b> it's"#]);
}

#[test]
fn twiml_several_messages_and_none() {
    assert_eq!(twiml(&[], "pt"), format!("{HEADER}<Response/>"));
    assert_eq!(
        twiml(&[text("Oi!"), text("Tudo bem?")], "pt"),
        format!("{HEADER}<Response><Message>Oi!</Message><Message>Tudo bem?</Message></Response>")
    );
    // Nothing visible to send: left out.
    assert_eq!(
        twiml(&[text("  \n"), text("\u{1}")], "pt"),
        format!("{HEADER}<Response/>")
    );
    // Characters XML cannot carry are left out; line breaks stay.
    assert_eq!(
        bodies(&twiml(&[text("a\u{0}b\u{1b}c\nd\te\r\nf")], "pt")),
        vec!["abc\nd\te\r\nf"]
    );
}

#[test]
fn twiml_buttons_as_numbered_text() {
    let menu = Message::Buttons {
        body: "What do you need?".into(),
        options: vec![
            choice("Plans", None),
            choice("Billing & payments", None),
            choice("Talk to a person", None),
        ],
    };
    assert_eq!(
        plain_text(&menu),
        "What do you need?\n\n1. Plans\n2. Billing & payments\n3. Talk to a person"
    );
    assert_eq!(
        twiml(&[menu], "en"),
        format!("{HEADER}<Response><Message>What do you need?\n\n1. Plans\n2. Billing &amp; payments\n3. Talk to a person</Message></Response>")
    );
}

#[test]
fn twiml_list_with_descriptions() {
    let list = Message::List {
        body: "Escolha um plano:".into(),
        button: "Ver planos".into(),
        options: vec![
            choice("Basic", Some("R$ 49/mês")),
            choice("Gold", Some("")),
            choice("Black", Some("Academias <premium>")),
            choice("Family", None),
        ],
    };
    assert_eq!(
        bodies(&twiml(&[list], "pt")),
        vec!["Escolha um plano:\n\n1. Basic - R$ 49/mês\n2. Gold\n3. Black - Academias <premium>\n4. Family"]
    );
}

#[test]
fn twiml_template_is_its_body() {
    let template = Message::Template {
        name: "renewal".into(),
        language: "pt_BR".into(),
        parameters: vec!["Ana".into()],
        body: "Olá Ana, seu plano vence amanhã.".into(),
        buttons: vec![choice("Renovar", None)],
    };
    assert_eq!(
        bodies(&twiml(&[template], "pt")),
        vec!["Olá Ana, seu plano vence amanhã."]
    );
}

#[test]
fn a_long_text_is_split_at_words() {
    let word = "palavra ";
    let long: String = word.repeat(5000 / word.len() + 1)[..5000].to_string();
    assert_eq!(long.chars().count(), 5000);
    let parts = bodies(&twiml(&[text(&long)], "pt"));
    assert_eq!(
        parts.len(),
        4,
        "{:?}",
        parts.iter().map(String::len).collect::<Vec<_>>()
    );
    for part in &parts {
        assert!(part.chars().count() <= BODY_LIMIT);
        assert!(!part.starts_with(' ') && !part.ends_with(' '));
        for w in part.split(' ') {
            assert!("palavra".starts_with(w), "a word was cut: {w}");
        }
    }
    assert_eq!(parts.join(" "), long.trim_end());
}

#[test]
fn a_long_text_is_split_at_lines_first() {
    let line = "Uma linha de texto com várias palavras, acentos e emoji 🎉.\n";
    let long = line.repeat(90); // about 5,400 characters
    let parts = split_body(&long, BODY_LIMIT);
    assert!(parts.len() >= 4);
    for part in &parts {
        assert!(part.encode_utf16().count() <= BODY_LIMIT);
        assert!(
            part.ends_with("🎉."),
            "cut inside a line: …{:?}",
            &part[part.len() - 20..]
        );
    }
    assert_eq!(parts.join("\n"), long.trim_end());
}

#[test]
fn a_text_without_spaces_is_cut_between_characters() {
    // Multi-byte characters, emoji with skin tones and accents made of combining marks.
    let long: String = "ção👍🏽e\u{301}".repeat(1000);
    let parts = split_body(&long, BODY_LIMIT);
    assert!(parts.len() > 1);
    for part in &parts {
        assert!(part.encode_utf16().count() <= BODY_LIMIT);
        let first = part.chars().next().unwrap();
        assert!(
            first != '\u{1F3FD}' && first != '\u{301}',
            "a cluster was split"
        );
    }
    assert_eq!(parts.concat(), long);
    // In TwiML too.
    let xml = twiml(&[text(&"é".repeat(5000))], "pt");
    let parts = bodies(&xml);
    assert_eq!(
        parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
        vec![1600, 1600, 1600, 200]
    );
}

#[test]
fn a_long_menu_keeps_its_options_whole() {
    let menu = Message::List {
        body: "Leia com atenção. ".repeat(100),
        button: "Opções".into(),
        options: (1..=10)
            .map(|i| choice(&format!("Opção {i}"), Some(&"descrição ".repeat(7))))
            .collect(),
    };
    let parts = bodies(&twiml(&[menu], "pt"));
    assert!(parts.len() >= 2);
    let last = parts.last().unwrap();
    assert!(
        last.contains("1. Opção 1 - ") && last.contains("10. Opção 10 - "),
        "{last}"
    );
    assert!(parts.iter().all(|p| p.chars().count() <= BODY_LIMIT));
}

// ---- properties ----

fn any_message() -> impl Strategy<Value = Message> {
    let s = || any::<String>();
    let choices = prop::collection::vec(
        (s(), prop::option::of(s())).prop_map(|(label, description)| Choice {
            id: "x".into(),
            label,
            description,
        }),
        0..12,
    );
    prop_oneof![
        s().prop_map(|text| Message::Text { text }),
        "[a-z \n🎉é\u{301}]{0,5000}".prop_map(|text| Message::Text { text }),
        (s(), choices.clone()).prop_map(|(body, options)| Message::Buttons { body, options }),
        (s(), s(), choices.clone()).prop_map(|(body, button, options)| Message::List {
            body,
            button,
            options
        }),
        (s(), choices).prop_map(|(body, buttons)| Message::Template {
            name: "t".into(),
            language: "en".into(),
            parameters: vec![],
            body,
            buttons
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_form_never_panics(body in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_form(&body);
    }

    #[test]
    fn parse_form_agrees_with_form_urlencoded(body in "[a-zA-Z0-9=&+%_. é-]{0,200}") {
        if let Ok(params) = parse_form(body.as_bytes()) {
            let expected: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect();
            prop_assert_eq!(params, expected);
        }
    }

    #[test]
    fn forms_round_trip(params in prop::collection::vec((any::<String>(), any::<String>()), 0..8)) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish();
        let parsed = parse_form(body.as_bytes()).unwrap();
        prop_assert_eq!(parsed, params);
    }

    #[test]
    fn parse_message_never_panics(params in prop::collection::vec(
        (prop_oneof![Just("MessageSid".to_string()), Just("From".to_string()), Just("Body".to_string()),
                     Just("NumMedia".to_string()), Just("ButtonPayload".to_string()), any::<String>()],
         any::<String>()), 0..8)) {
        if let Ok(message) = parse_message(&params) {
            let _ = message.to_inbound();
        }
    }

    #[test]
    fn twiml_never_panics_and_keeps_limits(messages in prop::collection::vec(any_message(), 0..4)) {
        let xml = twiml(&messages, "pt");
        let parts = bodies(&xml);
        for part in &parts {
            prop_assert!(!part.trim().is_empty());
            prop_assert!(part.encode_utf16().count() <= BODY_LIMIT);
        }
        // Nothing but white space (and what XML cannot carry) is lost.
        let visible = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let sent: String = parts.iter().map(|p| visible(p)).collect();
        let meant: String = messages.iter().map(|m| visible(&plain_text(m))).collect();
        prop_assert_eq!(sent, meant);
    }
}
