//! "did you mean": the closest known name to an unknown one.

/// The candidate closest to `unknown`, if it is close enough to be a likely typo.
/// Case and accent differences count as very close.
pub fn did_you_mean<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Names far longer than any real one are not typos; comparing them would take long.
    const LONGEST: usize = 200;
    if unknown.len() > LONGEST {
        return None;
    }
    let folded = crate::fold::fold(unknown);
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == unknown
            || candidate.len() > LONGEST
            || candidate.len().abs_diff(unknown.len()) > unknown.len().max(6)
        {
            continue;
        }
        let score = if crate::fold::fold(candidate) == folded {
            1.0
        } else {
            strsim::jaro_winkler(unknown, candidate)
        };
        let close_by_edits =
            strsim::osa_distance(unknown, candidate) <= (unknown.chars().count() / 3).max(1);
        if (score >= 0.85 || close_by_edits) && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_a_close_name() {
        assert_eq!(
            did_you_mean("biling", ["billing", "welcome"]),
            Some("billing")
        );
        assert_eq!(did_you_mean("Billing", ["billing"]), Some("billing"));
        assert_eq!(did_you_mean("zzz", ["billing", "welcome"]), None);
    }
}
