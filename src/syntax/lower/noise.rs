//! The rules that only shape the syntax (keywords, punctuation, line ends).

use crate::syntax::parser::Rule;

/// Rules that only shape the syntax; lowering skips them when it walks a rule's parts.
pub(super) fn is_noise(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        line_end
            | kw_as
            | kw_ask
            | kw_audience
            | kw_bot
            | kw_call
            | kw_category
            | kw_contact
            | kw_contains
            | kw_else
            | kw_end
            | kw_examples
            | kw_expect
            | kw_fails
            | kw_for
            | kw_goto
            | kw_handoff
            | kw_if
            | kw_intent
            | kw_menu
            | kw_mock
            | kw_none
            | kw_opt_in
            | kw_opt_out
            | kw_option
            | kw_returns
            | kw_say
            | kw_set
            | kw_sets
            | kw_start
            | kw_template
            | kw_test
            | kw_user
            | kw_with
            | p_arrow
            | p_colon
            | p_comma
            | p_equals
            | p_lbrace
            | p_rbrace
            | w_agent
            | w_api
            | w_approval
            | w_body
            | w_business
            | w_button
            | w_choice
            | w_digits
            | w_fallback
            | w_footer
            | w_handoff_message
            | w_header
            | w_language
            | w_list_button
            | w_name
            | w_phone
            | w_policy
            | w_releases
            | w_session
            | w_support
            | w_timezone
    )
}
