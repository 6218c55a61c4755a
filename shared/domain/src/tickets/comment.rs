//! The conversation on a ticket: public replies and internal notes.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::events::Actor;
use crate::kernel::ids::{CommentId, TenantId, TicketId, UserId};
use crate::kernel::validation::Invalid;

/// A body is at most this many bytes, so a comment with its edit history
/// stays one DynamoDB item (400 KB).
pub const MAX_BODY_BYTES: usize = 32 * 1024;
/// Edits kept per comment.
pub const MAX_REVISIONS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub body: String,
    /// When this text was replaced.
    pub replaced_at: Timestamp,
}

/// Where a comment that came by mail came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailOrigin {
    /// The mail's Message-ID (without brackets), if it had one: what a
    /// reply to it references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// What the mail quoted (history, signature), cut from the body and
    /// kept so a reader can show it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quoted: String,
}

/// Quoted text kept per comment; the whole mail stays in the bucket.
pub const MAX_QUOTED_BYTES: usize = 16 * 1024;

impl MailOrigin {
    /// The origin of a mail, its quoted text cut at a character to fit.
    pub fn new(message_id: Option<&str>, quoted: &str) -> Self {
        let mut end = quoted.len().min(MAX_QUOTED_BYTES);
        while !quoted.is_char_boundary(end) {
            end -= 1;
        }
        Self {
            message_id: message_id.map(str::to_owned),
            quoted: quoted[..end].to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub tenant_id: TenantId,
    pub ticket_id: TicketId,
    pub author: Actor,
    /// The author when a person wrote it.
    pub author_id: Option<UserId>,
    /// Public replies reach the requester; internal notes never do.
    pub public: bool,
    pub body: String,
    pub mentions: BTreeSet<UserId>,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub revisions: Vec<Revision>,
    /// Set when the comment came by mail.
    pub mail: Option<MailOrigin>,
    /// Set on a copy: the ticket the comment was first written on (a merge
    /// copies a ticket's conversation into the one it is merged into; the
    /// copy keeps the comment's id, so it sorts where it was written).
    pub copied_from: Option<CopiedFrom>,
    pub version: u64,
}

/// The ticket a copied comment was first written on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopiedFrom {
    pub ticket_id: TicketId,
    pub number: u64,
}

pub fn parse_body(raw: &str) -> Result<String, Invalid> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(Invalid::new("required", "must not be empty"));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {MAX_BODY_BYTES} bytes"),
        ));
    }
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::new(
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(body.to_owned())
}

/// `@usr_…` mentions in a body.
pub fn mentions(body: &str) -> BTreeSet<UserId> {
    body.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
        .filter_map(|word| word.strip_prefix('@'))
        .filter_map(|id| id.parse().ok())
        .collect()
}

impl Comment {
    /// Replaces the body, keeping the old text in the edit history.
    pub fn edit(&mut self, body: String, now: Timestamp) -> Result<(), Invalid> {
        if self.deleted_at.is_some() {
            return Err(Invalid::new(
                "deleted",
                "a deleted comment cannot be edited",
            ));
        }
        if self.revisions.len() >= MAX_REVISIONS {
            return Err(Invalid::new(
                "too_many_edits",
                format!("a comment can be edited {MAX_REVISIONS} times"),
            ));
        }
        let previous = std::mem::replace(&mut self.body, body);
        self.revisions.push(Revision {
            body: previous,
            replaced_at: now,
        });
        self.mentions = mentions(&self.body);
        self.edited_at = Some(now);
        self.version += 1;
        Ok(())
    }

    /// Deletion redacts the text and its history; the record stays so the
    /// conversation still shows that something was said.
    pub fn redact(&mut self, now: Timestamp) {
        self.body.clear();
        self.revisions.clear();
        self.mentions.clear();
        if let Some(mail) = &mut self.mail {
            mail.quoted.clear();
        }
        self.deleted_at = Some(now);
        self.version += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment() -> Comment {
        Comment {
            id: CommentId::new(),
            tenant_id: TenantId::new(),
            ticket_id: TicketId::new(),
            author: Actor::user(UserId::new()),
            author_id: None,
            public: true,
            body: "first".into(),
            mentions: BTreeSet::new(),
            created_at: Timestamp::UNIX_EPOCH,
            edited_at: None,
            deleted_at: None,
            revisions: vec![],
            mail: None,
            copied_from: None,
            version: 1,
        }
    }

    #[test]
    fn mentions_are_user_ids_after_an_at_sign() {
        let a = UserId::new();
        let b = UserId::new();
        let found = mentions(&format!(
            "cc @{a}, and @{b}. Not {a} or @someone or @usr_bogus"
        ));
        assert_eq!(found, BTreeSet::from([a, b]));
    }

    #[test]
    fn edits_keep_history_and_deletion_redacts_it() {
        let mut c = comment();
        c.edit("second".into(), Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(
            (c.body.as_str(), c.revisions[0].body.as_str(), c.version),
            ("second", "first", 2)
        );
        c.redact(Timestamp::UNIX_EPOCH);
        assert!(c.body.is_empty() && c.revisions.is_empty() && c.deleted_at.is_some());
        assert!(c.edit("again".into(), Timestamp::UNIX_EPOCH).is_err());
    }

    #[test]
    fn bodies_are_bounded() {
        assert!(parse_body("  ").is_err());
        assert!(parse_body(&"x".repeat(MAX_BODY_BYTES + 1)).is_err());
        assert_eq!(parse_body(" hi\nthere "), Ok("hi\nthere".into()));
        assert!(parse_body("a\u{7}b").is_err());
    }
}
