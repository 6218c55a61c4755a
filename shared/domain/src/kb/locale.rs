//! Locales as BCP 47 language tags (`en`, `pt-BR`, `zh-Hant-TW`), in
//! their canonical case so that `PT-br` and `pt-BR` are one locale.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::kernel::validation::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locale(String);

impl Locale {
    /// A language, then an optional script (four letters) and region (two
    /// letters or three digits). Extensions and private use are refused:
    /// a help center has no use for them, and each would be a second name
    /// for one translation.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                "invalid_locale",
                format!("`{raw}` is not a language tag such as `en`, `fr-CA` or `zh-Hant`"),
            )
        };
        let mut parts = raw.trim().split(['-', '_']);
        let language = parts.next().ok_or_else(bad)?;
        if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(bad());
        }
        let mut tag = language.to_ascii_lowercase();
        let (mut script, mut region) = (false, false);
        for part in parts {
            let letters = part.chars().all(|c| c.is_ascii_alphabetic());
            let digits = part.chars().all(|c| c.is_ascii_digit());
            if part.len() == 4 && letters && !script && !region {
                script = true;
                tag.push('-');
                tag.push_str(&part[..1].to_ascii_uppercase());
                tag.push_str(&part[1..].to_ascii_lowercase());
            } else if ((part.len() == 2 && letters) || (part.len() == 3 && digits)) && !region {
                region = true;
                tag.push('-');
                tag.push_str(&part.to_ascii_uppercase());
            } else {
                return Err(bad());
            }
        }
        Ok(Self(tag))
    }

    /// `en`, every knowledge base's first locale.
    pub fn english() -> Self {
        Self("en".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language alone (`pt` of `pt-BR`).
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Locale {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Locale::parse(&s).map_err(|e| e.message)
    }
}

impl From<Locale> for String {
    fn from(l: Locale) -> String {
        l.0
    }
}

/// The best of `enabled` for what a reader asked (`?locale=` first, then
/// `Accept-Language` in order): an exact tag, else the same language.
pub fn negotiate<'a>(asked: &[&str], enabled: &'a [Locale]) -> Option<&'a Locale> {
    let asked: Vec<Locale> = asked.iter().filter_map(|a| Locale::parse(a).ok()).collect();
    asked
        .iter()
        .find_map(|a| enabled.iter().find(|e| *e == a))
        .or_else(|| {
            asked
                .iter()
                .find_map(|a| enabled.iter().find(|e| e.language() == a.language()))
        })
}

/// The tags of an `Accept-Language` header, best first (weights honoured,
/// `*` and malformed entries left out).
pub fn accept_language(header: &str) -> Vec<&str> {
    let mut tags: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, entry)| {
            let mut parts = entry.split(';');
            let tag = parts.next()?.trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (tag != "*" && !tag.is_empty() && weight > 0.0).then_some((weight, i, tag))
        })
        .collect();
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().map(|(_, _, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(raw: &str) -> Option<String> {
        Locale::parse(raw).ok().map(String::from)
    }

    #[test]
    fn tags_take_their_canonical_case() {
        assert_eq!(tag("EN").as_deref(), Some("en"));
        assert_eq!(tag("pt_br").as_deref(), Some("pt-BR"));
        assert_eq!(tag("zh-hant-tw").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(tag("es-419").as_deref(), Some("es-419"));
    }

    #[test]
    fn what_is_not_a_language_tag_is_refused() {
        for bad in [
            "",
            "e",
            "english",
            "en-",
            "en-US-US",
            "en-x-private",
            "1a",
            "en-Latn-Latn",
        ] {
            assert!(Locale::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn negotiation_prefers_the_exact_tag_then_the_language() {
        let enabled: Vec<Locale> = ["en", "fr", "pt-BR"]
            .iter()
            .filter_map(|l| Locale::parse(l).ok())
            .collect();
        let pick = |asked: &[&str]| negotiate(asked, &enabled).map(|l| l.to_string());
        assert_eq!(pick(&["pt-BR"]).as_deref(), Some("pt-BR"));
        assert_eq!(pick(&["fr-CA"]).as_deref(), Some("fr"));
        assert_eq!(pick(&["pt-PT"]).as_deref(), Some("pt-BR"));
        assert_eq!(pick(&["de", "fr"]).as_deref(), Some("fr"));
        assert_eq!(pick(&["de"]), None);
    }

    #[test]
    fn accept_language_is_read_by_weight() {
        assert_eq!(
            accept_language("de;q=0.5, fr-CH, fr;q=0.9, *;q=0.1, en;q=0"),
            vec!["fr-CH", "fr", "de"]
        );
    }
}
