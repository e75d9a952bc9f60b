//! The two languages Kassa speaks to people: Simplified Chinese (the
//! merchants' and the terminals' default) and English.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The BCP 47 tag pages declare: `zh-CN` or `en`.
    pub fn code(self) -> &'static str {
        self.pick("zh-CN", "en")
    }

    /// The short form a switch link or a command line uses: `zh` or `en`.
    pub fn short(self) -> &'static str {
        self.pick("zh", "en")
    }

    /// The language's own name, as a switch offers it: `中文`, `English`.
    pub fn name(self) -> &'static str {
        self.pick("中文", "English")
    }

    /// `zh`, `zh-CN`, `en`, `en-US` (and the words `chinese`, `english`).
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" | "cn" | "chinese" => Some(Lang::Zh),
            "en" | "en-US" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// `zh` or `en`, whichever this language is.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The other one, for a switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_languages_and_their_names() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(
            (Lang::parse("zh-CN"), Lang::parse("en"), Lang::parse("fr")),
            (Some(Lang::Zh), Some(Lang::En), None)
        );
        assert_eq!((Lang::Zh.other(), Lang::En.other().name()), (Lang::En, "中文"));
        assert_eq!((Lang::Zh.code(), Lang::En.short()), ("zh-CN", "en"));
    }
}
