//! The knowledge base's keys. Categories and sections are small items of
//! the tenant's partition; an article's partition holds its item, its
//! translations, revisions, votes and counts; a slug is a uniqueness
//! marker per locale; a day's insights share one partition, read by a
//! range of days.

use jiff::Timestamp;
use jiff::civil::Date;
use switchboard_domain::kb::article::Slug;
use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kernel::ids::{
    ArticleFileId, ArticleId, CategoryId, EventId, RevisionId, SectionId, TenantId, TicketId,
};

use super::{Key, t};

pub fn kb_settings(tenant: TenantId) -> Key {
    Key::new(t(tenant), "KBSETTINGS")
}

pub fn kb_category(tenant: TenantId, id: CategoryId) -> Key {
    Key::new(t(tenant), format!("KBCAT#{}", id.ulid()))
}

/// The sort-key prefix of a tenant's categories in its partition.
pub const KB_CATEGORY_PREFIX: &str = "KBCAT#";

pub fn kb_section(tenant: TenantId, id: SectionId) -> Key {
    Key::new(t(tenant), format!("KBSEC#{}", id.ulid()))
}

pub const KB_SECTION_PREFIX: &str = "KBSEC#";

fn kb_article_pk(tenant: TenantId, id: ArticleId) -> String {
    format!("{}#KB#{}", t(tenant), id.ulid())
}

pub fn kb_article(tenant: TenantId, id: ArticleId) -> Key {
    Key::new(kb_article_pk(tenant, id), "ARTICLE")
}

/// The partition of everything an article holds.
pub fn kb_article_partition(tenant: TenantId, id: ArticleId) -> String {
    kb_article_pk(tenant, id)
}

/// GSI1: a section's articles, by position.
pub fn kb_section_articles_pk(tenant: TenantId, section: SectionId) -> String {
    format!("{}#KBSEC#{}", t(tenant), section.ulid())
}

pub fn kb_section_articles_sk(position: u32, id: ArticleId) -> String {
    format!("{position:010}#{}", id.ulid())
}

/// GSI2: every article of the tenant, by last change.
pub fn kb_articles_pk(tenant: TenantId) -> String {
    format!("{}#KBARTICLES", t(tenant))
}

pub fn kb_articles_sk(updated_at: Timestamp, id: ArticleId) -> String {
    format!("{:020}#{}", updated_at.as_microsecond(), id.ulid())
}

pub fn kb_translation(tenant: TenantId, id: ArticleId, locale: &Locale) -> Key {
    Key::new(kb_article_pk(tenant, id), format!("L#{locale}"))
}

pub fn kb_revision(tenant: TenantId, id: ArticleId, locale: &Locale, rev: RevisionId) -> Key {
    Key::new(
        kb_article_pk(tenant, id),
        format!("R#{locale}#{}", rev.ulid()),
    )
}

/// The sort-key prefix of a translation's revisions (newest last).
pub fn kb_revisions_prefix(locale: &Locale) -> String {
    format!("R#{locale}#")
}

/// Who voted (a digest, never an address).
pub fn kb_vote(tenant: TenantId, id: ArticleId, voter: &str) -> Key {
    Key::new(kb_article_pk(tenant, id), format!("VOTE#{voter}"))
}

/// An article's image or file.
pub fn kb_file(tenant: TenantId, id: ArticleId, file: ArticleFileId) -> Key {
    Key::new(kb_article_pk(tenant, id), format!("F#{}", file.ulid()))
}

/// The sort-key prefix of an article's files.
pub const KB_FILE_PREFIX: &str = "F#";

pub fn kb_stats(tenant: TenantId, id: ArticleId) -> Key {
    Key::new(kb_article_pk(tenant, id), "STATS")
}

/// A slug taken in a locale.
pub fn kb_slug(tenant: TenantId, locale: &Locale, slug: &Slug) -> Key {
    Key::single(format!("{}#KBSLUG#{locale}#{slug}", t(tenant)))
}

/// The partition of a tenant's daily insights.
pub fn kb_insights_pk(tenant: TenantId) -> String {
    format!("{}#KBINSIGHTS", t(tenant))
}

pub fn kb_day(tenant: TenantId, day: Date) -> Key {
    Key::new(kb_insights_pk(tenant), format!("{day}#DAY"))
}

pub fn kb_day_article(tenant: TenantId, day: Date, id: ArticleId) -> Key {
    Key::new(kb_insights_pk(tenant), format!("{day}#A#{}", id.ulid()))
}

pub fn kb_day_unanswered(tenant: TenantId, day: Date, query: &str) -> Key {
    Key::new(kb_insights_pk(tenant), format!("{day}#Q#{query}"))
}

/// That the event solving a ticket with linked articles was counted.
pub fn kb_solved_mark(tenant: TenantId, ticket: TicketId, event: EventId) -> Key {
    Key::new(
        format!("{}#KBLINKS#{}", t(tenant), ticket.ulid()),
        format!("SOLVED#{}", event.ulid()),
    )
}

/// The articles linked to a ticket.
pub fn kb_links(tenant: TenantId, ticket: TicketId) -> Key {
    Key::new(format!("{}#KBLINKS#{}", t(tenant), ticket.ulid()), "LINKS")
}
