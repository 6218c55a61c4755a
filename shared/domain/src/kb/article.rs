//! An article: one subject of the knowledge base, in a section, written in
//! one or more locales. What readers see of a locale is its translation's
//! current text; every save keeps a revision, and a published article's
//! edit can wait as a draft revision until it is published in one write.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kb::locale::Locale;
use crate::kernel::ids::{ArticleId, CategoryId, RevisionId, SectionId, TenantId, UserId};
use crate::kernel::validation::{Invalid, bounded_text};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_SLUG_CHARS: usize = 100;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    /// Being written: only staff see it.
    Draft,
    /// Readers with its visibility see it.
    Published,
    /// Withdrawn: only staff see it.
    Archived,
}

impl ArticleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Published => "published",
            ArticleStatus::Archived => "archived",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            "archived" => Ok(Self::Archived),
            _ => Err(Invalid::new(
                "invalid_value",
                "must be `draft`, `published` or `archived`",
            )),
        }
    }
}

/// Who may read a published article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in customers (and staff).
    Customers,
    /// Staff only.
    Internal,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Customers => "customers",
            Visibility::Internal => "internal",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "public" => Ok(Self::Public),
            "customers" => Ok(Self::Customers),
            "internal" => Ok(Self::Internal),
            _ => Err(Invalid::new(
                "invalid_value",
                "must be `public`, `customers` or `internal`",
            )),
        }
    }
}

/// Who is reading: what each may see follows from it alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The help center without a credential.
    Anonymous,
    /// A signed-in customer of the tenant.
    Customer,
    /// Staff: drafts, archived and internal articles too.
    Staff,
}

impl Reader {
    /// The visibilities this reader may read when published.
    pub fn visibilities(self) -> &'static [Visibility] {
        match self {
            Reader::Anonymous => &[Visibility::Public],
            Reader::Customer => &[Visibility::Public, Visibility::Customers],
            Reader::Staff => &[
                Visibility::Public,
                Visibility::Customers,
                Visibility::Internal,
            ],
        }
    }

    /// Whether the help center shows this reader the article: published,
    /// and of a visibility they may read (staff see drafts only through
    /// the staff API).
    pub fn may_read_published(self, article: &Article) -> bool {
        article.status == ArticleStatus::Published
            && self.visibilities().contains(&article.visibility)
    }
}

/// A locale's title and address, kept on the article so that lists need
/// no read per translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranslationSummary {
    pub title: String,
    pub slug: String,
    pub updated_at: Timestamp,
    /// Readers are served this locale (a translation saved as a draft
    /// before it was ever published is not).
    pub live: bool,
    /// An edit waits as a draft revision.
    pub draft: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: ArticleId,
    pub tenant_id: TenantId,
    pub category_id: CategoryId,
    pub section_id: SectionId,
    /// Order in its section (smaller first, then by title).
    pub position: u32,
    pub status: ArticleStatus,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub author_id: Option<UserId>,
    pub translations: BTreeMap<Locale, TranslationSummary>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub version: u64,
}

/// A locale's text as readers see it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub tenant_id: TenantId,
    pub article_id: ArticleId,
    pub locale: Locale,
    pub title: String,
    pub slug: Slug,
    /// Markdown.
    pub body: String,
    /// The revision this text is.
    pub revision_id: RevisionId,
    pub updated_by: Option<UserId>,
    pub updated_at: Timestamp,
    /// Readers are served this text (see [`TranslationSummary::live`]).
    pub live: bool,
    /// An edit saved as a draft, not yet what readers see.
    pub draft: Option<RevisionId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionKind {
    /// Saved as the translation's text.
    Saved,
    /// Saved as a draft of a published article.
    Draft,
    /// A former revision brought back.
    Restored,
}

/// One saved state of a translation; revisions are never changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub id: RevisionId,
    pub tenant_id: TenantId,
    pub article_id: ArticleId,
    pub locale: Locale,
    pub title: String,
    pub slug: Slug,
    pub body: String,
    pub kind: RevisionKind,
    pub author_id: Option<UserId>,
    pub created_at: Timestamp,
}

/// An article's address in a locale: lowercase letters and digits of any
/// script, separated by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        let ok = !s.is_empty()
            && s.chars().count() <= MAX_SLUG_CHARS
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
            && s.chars()
                .all(|c| c == '-' || (c.is_alphanumeric() && !c.is_uppercase()));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new(
                "invalid_slug",
                format!(
                    "must be lowercase letters and digits separated by single hyphens, at most {MAX_SLUG_CHARS} characters"
                ),
            ))
        }
    }

    /// A slug made from a title (`How do I reset my password?` is
    /// `how-do-i-reset-my-password`); `None` when the title has no letter
    /// or digit.
    pub fn from_title(title: &str) -> Option<Self> {
        let mut slug = String::new();
        for c in title.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug: String = slug.chars().take(MAX_SLUG_CHARS).collect();
        Slug::parse(slug.trim_end_matches('-')).ok()
    }

    /// `article-01j…`: the slug of a title without a letter or digit.
    pub fn of_id(id: ArticleId) -> Self {
        Self(format!("article-{}", id.ulid().to_string().to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Slug::parse(&s).map_err(|e| e.message)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

pub fn parse_title(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, MAX_TITLE_CHARS)
}

/// Tags: trimmed, lowercase, no duplicates, in the order given.
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, Invalid> {
    if raw.len() > MAX_TAGS {
        return Err(Invalid::new("too_many", format!("at most {MAX_TAGS} tags")));
    }
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let tag = bounded_text(tag, 1, MAX_TAG_CHARS)?.to_lowercase();
        if tag.chars().any(char::is_whitespace) || tag.contains(',') {
            return Err(Invalid::new(
                "invalid_tag",
                format!("`{tag}`: a tag is one word (no spaces or commas)"),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// A body: Markdown of at most [`MAX_MARKDOWN_BYTES`](crate::kb::markdown::MAX_MARKDOWN_BYTES).
pub fn parse_body(raw: String) -> Result<String, Invalid> {
    let max = crate::kb::markdown::MAX_MARKDOWN_BYTES;
    if raw.len() > max {
        return Err(Invalid::new(
            "too_large",
            format!("the Markdown is {} bytes; at most {max}", raw.len()),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::new(
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_come_from_titles() {
        let slug = |t: &str| Slug::from_title(t).map(String::from);
        assert_eq!(
            slug("How do I reset my password?").as_deref(),
            Some("how-do-i-reset-my-password")
        );
        assert_eq!(slug("  Café -- Ünïcode  ").as_deref(), Some("café-ünïcode"));
        assert_eq!(slug("?!"), None);
    }

    #[test]
    fn a_slug_is_lowercase_words_and_hyphens() {
        assert!(Slug::parse("reset-password-2").is_ok());
        for bad in [
            "",
            "Reset",
            "a--b",
            "-a",
            "a-",
            "a b",
            "a/b",
            &"x".repeat(101),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn tags_are_lowercased_and_deduplicated() {
        let raw: Vec<String> = ["Billing", "billing", "vip"].map(String::from).to_vec();
        assert_eq!(
            parse_tags(&raw),
            Ok(vec!["billing".to_owned(), "vip".to_owned()])
        );
        assert!(parse_tags(&["two words".to_owned()]).is_err());
    }

    #[test]
    fn bodies_over_256_kib_are_refused() {
        assert!(parse_body("a".repeat(256 * 1024)).is_ok());
        assert_eq!(
            parse_body("a".repeat(256 * 1024 + 1)).map_err(|e| e.code),
            Err("too_large")
        );
    }
}
