//! Grammar rules in words: what a syntax error says was expected. No rule name ever reaches a
//! user; a rule without words here is left out of the message.

use super::parser::Rule;

/// How a rule is described when the parser expected it, and whether it is a keyword (so the
/// text found there can get a "did you mean").
pub fn describe(rule: Rule) -> Option<(&'static str, Option<&'static str>)> {
    use Rule::*;
    let words: (&str, Option<&str>) = match rule {
        name => ("a name", None),
        string | text => ("a text in quotes", None),
        raw_string => ("a text in `\"\"\"` quotes", None),
        string_body | raw_string_body => ("the closing quote", None),
        lang_tag => ("a language tag such as `pt-BR`", None),
        duration => ("a duration such as `24h` or `30m`", None),
        integer => ("a whole number", None),
        method => ("an HTTP method (`GET`, `POST`, `PUT`, `PATCH` or `DELETE`)", None),
        target => ("the name of a menu or intent, `handoff` or `end`", None),
        audience_ref => ("an audience name or `none`", None),
        for_clause => ("`for` and audience names", Some("for")),
        condition => ("a condition", None),
        block => ("`{` at the end of the line", None),
        t_simple | t_digits | t_choice => {
            ("a type (`text`, `number`, `digits`, `date`, `email`, `phone`, `rating`, `yes_no` or `choice`)", None)
        }
        call_with => ("`with { ... }`", Some("with")),
        with_entry => ("an entry such as `key: \"value\"`", None),
        call_else | else_part => ("`else`", Some("else")),
        sets_audience => ("`sets audience`", Some("sets")),
        mock_returns => ("`returns` or `fails`", Some("returns")),
        p_arrow => ("`->` and the name of a menu or intent", None),
        p_lbrace => ("`{`", None),
        p_rbrace => ("`}`", None),
        p_comma => ("`,`", None),
        p_colon => ("`:`", None),
        p_equals => ("`=`", None),
        EOI => ("the end of the file", None),
        bot => ("`bot`", Some("bot")),
        audience => ("`audience`", Some("audience")),
        menu => ("`menu`", Some("menu")),
        intent => ("`intent`", Some("intent")),
        template => ("`template`", Some("template")),
        test => ("`test`", Some("test")),
        set_business => ("`business`", Some("business")),
        set_language | t_language | c_language => ("`language`", Some("language")),
        set_policy => ("`policy`", Some("policy")),
        set_start => ("`start`", Some("start")),
        set_fallback => ("`fallback`", Some("fallback")),
        set_handoff_message => ("`handoff_message`", Some("handoff_message")),
        set_api => ("`api`", Some("api")),
        set_support => ("`support`", Some("support")),
        set_opt_out => ("`opt_out`", Some("opt_out")),
        set_list_button => ("`list_button`", Some("list_button")),
        set_timezone => ("`timezone`", Some("timezone")),
        set_session => ("`session`", Some("session")),
        set_approval => ("`approval`", Some("approval")),
        option => ("`option`", Some("option")),
        examples => ("`examples`", Some("examples")),
        category => ("`category`", Some("category")),
        t_header => ("`header`", Some("header")),
        t_body => ("`body`", Some("body")),
        t_footer => ("`footer`", Some("footer")),
        t_button => ("`button`", Some("button")),
        contact => ("`contact`", Some("contact")),
        c_name => ("`name`", Some("name")),
        c_phone => ("`phone`", Some("phone")),
        c_audience => ("`audience`", Some("audience")),
        mock => ("`mock`", Some("mock")),
        user => ("`user`", Some("user")),
        expect => ("`expect`", Some("expect")),
        e_menu => ("`menu`", Some("menu")),
        e_intent => ("`intent`", Some("intent")),
        e_audience => ("`audience`", Some("audience")),
        e_handoff => ("`handoff`", Some("handoff")),
        e_end => ("`end`", Some("end")),
        e_opt_in => ("`opt_in`", Some("opt_in")),
        e_opt_out => ("`opt_out`", Some("opt_out")),
        e_fallback => ("`fallback`", Some("fallback")),
        bot_says => ("`bot`", Some("bot")),
        agent_releases => ("`agent releases`", Some("agent")),
        say => ("`say`", Some("say")),
        ask => ("`ask`", Some("ask")),
        call => ("`call`", Some("call")),
        set_audience | set_opt_in | set_opt_out_step | set_var => ("`set`", Some("set")),
        if_step => ("`if`", Some("if")),
        goto => ("`goto`", Some("goto")),
        handoff => ("`handoff`", Some("handoff")),
        end => ("`end`", Some("end")),
        kw_bot => ("`bot`", Some("bot")),
        kw_audience => ("`audience`", Some("audience")),
        kw_menu => ("`menu`", Some("menu")),
        kw_intent => ("`intent`", Some("intent")),
        kw_template => ("`template`", Some("template")),
        kw_test => ("`test`", Some("test")),
        kw_say => ("`say`", Some("say")),
        kw_ask => ("`ask`", Some("ask")),
        kw_call => ("`call`", Some("call")),
        kw_set => ("`set`", Some("set")),
        kw_if => ("`if`", Some("if")),
        kw_else => ("`else`", Some("else")),
        kw_goto => ("`goto`", Some("goto")),
        kw_handoff => ("`handoff`", Some("handoff")),
        kw_end => ("`end`", Some("end")),
        kw_option => ("`option`", Some("option")),
        kw_for => ("`for`", Some("for")),
        kw_sets => ("`sets`", Some("sets")),
        kw_as => ("`as` and a name", Some("as")),
        kw_with => ("`with`", Some("with")),
        kw_examples => ("`examples`", Some("examples")),
        kw_category => ("`category`", Some("category")),
        kw_contact => ("`contact`", Some("contact")),
        kw_mock => ("`mock`", Some("mock")),
        kw_returns => ("`returns`", Some("returns")),
        kw_fails => ("`fails`", Some("fails")),
        kw_user => ("`user`", Some("user")),
        kw_expect => ("`expect`", Some("expect")),
        kw_contains => ("`contains`", Some("contains")),
        kw_opt_in => ("`opt_in`", Some("opt_in")),
        kw_opt_out => ("`opt_out`", Some("opt_out")),
        kw_none => ("`none`", Some("none")),
        kw_start => ("`start`", Some("start")),
        w_releases => ("`releases`", Some("releases")),
        w_digits | w_choice => {
            ("a type (`text`, `number`, `digits`, `date`, `email`, `phone`, `rating`, `yes_no` or `choice`)", None)
        }
        line_end => ("the end of the line", None),
        w_business => ("`business`", Some("business")),
        w_language => ("`language`", Some("language")),
        w_policy => ("`policy`", Some("policy")),
        w_fallback => ("`fallback`", Some("fallback")),
        w_handoff_message => ("`handoff_message`", Some("handoff_message")),
        w_api => ("`api`", Some("api")),
        w_support => ("`support`", Some("support")),
        w_list_button => ("`list_button`", Some("list_button")),
        w_timezone => ("`timezone`", Some("timezone")),
        w_session => ("`session`", Some("session")),
        w_approval => ("`approval`", Some("approval")),
        w_header => ("`header`", Some("header")),
        w_body => ("`body`", Some("body")),
        w_footer => ("`footer`", Some("footer")),
        w_button => ("`button`", Some("button")),
        w_name => ("`name`", Some("name")),
        w_phone => ("`phone`", Some("phone")),
        w_agent => ("`agent releases`", Some("agent")),
        _ => return None,
    };
    Some(words)
}

/// Rules that start a statement: when many of them are expected at once, the message names
/// the place ("a step or `}`") instead of listing every keyword.
pub fn is_statement(rule: Rule) -> bool {
    use Rule::*;
    let not_a_start = matches!(
        rule,
        kw_as
            | kw_for
            | kw_sets
            | kw_with
            | kw_else
            | kw_contains
            | kw_returns
            | kw_fails
            | kw_none
            | w_releases
            | w_digits
            | w_choice
            | for_clause
            | call_with
            | call_else
            | else_part
            | sets_audience
            | mock_returns
    );
    !not_a_start && describe(rule).is_some_and(|(_, word)| word.is_some())
}
