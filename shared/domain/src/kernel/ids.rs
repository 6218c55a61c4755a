//! Public identifiers: a type prefix and a random ULID (`usr_01J…`).
//!
//! ULIDs sort by creation time, which keeps list orders stable, and the
//! prefix makes a pasted id self-describing in logs and support tickets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Ulid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A new random id.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Ulid::new())
            }

            pub fn ulid(&self) -> Ulid {
                self.0
            }

            /// The id with this ULID (ids derived from another one).
            pub fn from_ulid(ulid: Ulid) -> Self {
                Self(ulid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}_{}", $prefix, self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.strip_prefix(concat!($prefix, "_"))
                    .and_then(|rest| Ulid::from_string(rest).ok())
                    .map(Self)
                    .ok_or(InvalidId { expected: $prefix })
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }
    };
}

/// A string that is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid `{expected}_…` id")]
pub struct InvalidId {
    pub expected: &'static str,
}

prefixed_id!(
    /// A tenant: one company using Switchboard.
    TenantId,
    "ten"
);
prefixed_id!(
    /// A person in a tenant: owner, admin, agent or customer.
    UserId,
    "usr"
);
prefixed_id!(
    /// A login session: the family of refresh tokens issued from one login.
    SessionId,
    "ses"
);
prefixed_id!(
    /// A domain event in the outbox.
    EventId,
    "evt"
);
prefixed_id!(
    /// An integrator's API key (the id, not the secret).
    ApiKeyId,
    "key"
);
prefixed_id!(
    /// A team of agents.
    TeamId,
    "team"
);
prefixed_id!(
    /// A customer organisation (a company whose people write in).
    OrganizationId,
    "org"
);
prefixed_id!(
    /// Work done in the background for a request (a person's export or
    /// erasure), with its progress.
    JobId,
    "job"
);
prefixed_id!(
    /// A ticket.
    TicketId,
    "tkt"
);
prefixed_id!(
    /// A comment (public reply or internal note) on a ticket.
    CommentId,
    "cmt"
);
prefixed_id!(
    /// An entry of a ticket's change history.
    HistoryId,
    "hst"
);
prefixed_id!(
    /// An inbound email address of a tenant.
    MailboxId,
    "mbx"
);
prefixed_id!(
    /// A presigned upload, not yet attached.
    UploadId,
    "upl"
);
prefixed_id!(
    /// A file attached to a ticket.
    AttachmentId,
    "att"
);
prefixed_id!(
    /// An integrator's webhook endpoint.
    WebhookId,
    "wh"
);
prefixed_id!(
    /// One event's delivery to one webhook endpoint: the `webhook-id`
    /// header, stable across retries and replays.
    DeliveryId,
    "msg"
);
prefixed_id!(
    /// An in-app notification. It shares the ULID of the event that caused
    /// it: one notification per person and event, whatever the retries.
    NotificationId,
    "ntf"
);
prefixed_id!(
    /// An SLA policy of a tenant.
    SlaPolicyId,
    "sla"
);
prefixed_id!(
    /// A trigger: a rule run on each change of a ticket.
    TriggerId,
    "trg"
);
prefixed_id!(
    /// An automation: a rule run every hour over tickets by their clocks.
    AutomationId,
    "aut"
);
prefixed_id!(
    /// A macro: actions and a reply an agent applies in one step.
    MacroId,
    "mac"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_text_form() {
        let id = UserId::new();
        let text = id.to_string();
        assert!(text.starts_with("usr_"));
        assert_eq!(text.parse::<UserId>(), Ok(id));
    }

    #[test]
    fn an_id_of_another_kind_is_refused() {
        let tenant = TenantId::new().to_string();
        assert_eq!(tenant.parse::<UserId>(), Err(InvalidId { expected: "usr" }));
        assert!("usr_not-a-ulid".parse::<UserId>().is_err());
        assert!("".parse::<UserId>().is_err());
    }

    #[test]
    fn ids_serialize_as_strings() {
        let id = TenantId::new();
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(json, format!("\"{id}\""));
        let back: TenantId = serde_json::from_str(&json).unwrap_or_else(|_| TenantId::new());
        assert_eq!(back, id);
    }
}

prefixed_id!(
    /// A saved view: a named search an agent, a team or everyone keeps in
    /// their sidebar.
    ViewId,
    "view"
);
prefixed_id!(
    /// A knowledge base article (all its translations).
    ArticleId,
    "art"
);
prefixed_id!(
    /// A top-level group of the knowledge base.
    CategoryId,
    "kbc"
);
prefixed_id!(
    /// A group of articles inside a category.
    SectionId,
    "kbs"
);
prefixed_id!(
    /// One saved state of an article's translation.
    RevisionId,
    "rev"
);
prefixed_id!(
    /// An image or file of a knowledge base article.
    ArticleFileId,
    "kbf"
);
