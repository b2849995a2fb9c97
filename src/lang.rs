//! The languages charla has its own words in (LANGUAGE.md section 3): Portuguese, Spanish and,
//! for every other language, English. One reading of a language tag for every default text:
//! the compiler's defaults, the engine's fixed answers and the hints of `ask`.

/// A language charla has words in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Pt,
    Es,
    En,
}

impl Lang {
    /// By the primary subtag of a BCP-47 tag, in any case, `-` or `_` separated (`pt-BR`,
    /// `PT`, `es_MX`); anything but pt and es is en.
    pub fn of(tag: &str) -> Lang {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("pt") {
            Lang::Pt
        } else if primary.eq_ignore_ascii_case("es") {
            Lang::Es
        } else {
            Lang::En
        }
    }

    /// The one of three that is in this language.
    pub fn pick<T>(self, pt: T, es: T, en: T) -> T {
        match self {
            Lang::Pt => pt,
            Lang::Es => es,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn a_tag_is_read_by_its_primary_subtag() {
        for (tag, lang) in [
            ("pt-BR", Lang::Pt),
            ("PT", Lang::Pt),
            ("pt_BR", Lang::Pt),
            ("es-MX", Lang::Es),
            (" es ", Lang::Es),
            ("en-US", Lang::En),
            ("fr-FR", Lang::En),
            ("", Lang::En),
            ("ptx", Lang::En),
        ] {
            assert_eq!(Lang::of(tag), lang, "{tag}");
        }
        assert_eq!(Lang::Es.pick(1, 2, 3), 2);
    }
}
