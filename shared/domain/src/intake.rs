//! Inbound email: one received message becomes nothing, a reply on its
//! ticket, or a new ticket, and the decision is recorded with its reason.
//!
//! In order: the mailbox (unknown recipients are dropped); the same
//! Message-ID seen before (SES may deliver twice); auto-replies and bounces
//! (never open or reopen a ticket, never cause a mail); quarantine (virus or
//! spam `FAIL`); a reply, threaded by In-Reply-To/References through the
//! Message-ID index, or by a `[#n]` tag when the sender requested ticket n;
//! otherwise a new ticket from the sender, who becomes a customer.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::email::classify::{Classification, Verdicts, classify};
use crate::email::message::InboundMail;
use crate::email::reply::new_text;
use crate::email::subject::ticket_tag;
use crate::error::{DomainError, StoreError};
use crate::events::Actor;
use crate::idempotency::IdempotencyKey;
use crate::ids::{CommentId, SessionId, TenantId, TicketId};
use crate::permissions::{Caller, Principal};
use crate::ports::{MailStore, TicketStore};
use crate::ticket::Status;
use crate::ticketing::{NewCommentInput, NewTicketInput, Ticketing};
use crate::user::{Email, Role, User};

/// Longest text kept as a comment (the full message stays in S3).
const MAX_BODY_CHARS: usize = 30_000;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRecord {
    pub message_id: String,
    /// The sender as the message gives it (for admins reviewing mail).
    pub from: Option<String>,
    pub subject: String,
    pub decision: String,
    pub reason: String,
    pub ticket_id: Option<TicketId>,
    pub comment_id: Option<CommentId>,
    /// Where the raw message is kept.
    pub raw: String,
    pub received_at: Timestamp,
}

/// A message as SES hands it over.
pub struct Received<'a> {
    pub recipients: &'a [String],
    pub verdicts: Verdicts,
    /// Where the raw message is (S3 key), linked from the result.
    pub raw: &'a str,
    /// SES's own id, used when the message has no Message-ID.
    pub fallback_id: &'a str,
}

/// The decision, for the log and the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub decision: String,
    pub reason: String,
    pub tenant_id: Option<TenantId>,
    pub ticket_id: Option<TicketId>,
    pub comment_id: Option<CommentId>,
}

impl Decision {
    fn dropped(reason: impl Into<String>) -> Self {
        Self {
            decision: "dropped".into(),
            reason: reason.into(),
            tenant_id: None,
            ticket_id: None,
            comment_id: None,
        }
    }
}

pub struct Intake<S> {
    store: S,
}

impl<S: TicketStore + MailStore> Intake<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn receive(
        &self,
        ticketing: &Ticketing<S>,
        received: &Received<'_>,
        mail: &InboundMail,
        now: Timestamp,
    ) -> Result<Decision, DomainError> {
        let mut mailbox = None;
        for r in received.recipients {
            if let Some(m) = self.store.mailbox_by_address(&r.to_lowercase()).await? {
                mailbox = Some(m);
                break;
            }
        }
        let Some(mailbox) = mailbox else {
            return Ok(Decision::dropped("no mailbox has this address"));
        };
        let tenant = mailbox.tenant_id;
        let message_id = mail
            .message_id
            .clone()
            .unwrap_or_else(|| format!("{}@ses", received.fallback_id));
        if let Some(seen) = self.store.message(tenant, &message_id).await? {
            return Ok(Decision {
                decision: "duplicate".into(),
                reason: format!("Message-ID seen before ({})", seen.decision),
                tenant_id: Some(tenant),
                ticket_id: seen.ticket_id,
                comment_id: seen.comment_id,
            });
        }
        let mut decision = self
            .decide(ticketing, tenant, received, mail, &message_id, now)
            .await?;
        decision.tenant_id = Some(tenant);
        let record = MessageRecord {
            message_id: message_id.clone(),
            from: mail.from.as_ref().map(|f| f.email.clone()),
            subject: mail.subject.chars().take(250).collect(),
            decision: decision.decision.clone(),
            reason: decision.reason.clone(),
            ticket_id: decision.ticket_id,
            comment_id: decision.comment_id,
            raw: received.raw.to_owned(),
            received_at: now,
        };
        self.store
            .record_message(tenant, &message_id, &record)
            .await?;
        Ok(decision)
    }

    async fn decide(
        &self,
        ticketing: &Ticketing<S>,
        tenant: TenantId,
        received: &Received<'_>,
        mail: &InboundMail,
        message_id: &str,
        now: Timestamp,
    ) -> Result<Decision, DomainError> {
        let outcome = |decision: &str, reason: String| Decision {
            decision: decision.into(),
            reason,
            tenant_id: Some(tenant),
            ticket_id: None,
            comment_id: None,
        };
        match classify(mail, &received.verdicts) {
            Classification::Deliver => {}
            Classification::AutoReply { reason } => return Ok(outcome("auto_reply", reason)),
            Classification::Bounce { recipients } => {
                for r in &recipients {
                    self.store.mark_bouncing(tenant, r, now).await?;
                }
                return Ok(outcome(
                    "bounce",
                    format!("bounced: {}", recipients.join(", ")),
                ));
            }
            Classification::Quarantine { reason } => return Ok(outcome("quarantined", reason)),
        }
        let Some(from) = &mail.from else {
            return Ok(outcome("dropped", "no sender".into()));
        };
        let Some(principal) = self
            .sender(tenant, &from.email, from.name.as_deref(), now)
            .await?
        else {
            return Ok(outcome(
                "dropped",
                "the helpdesk is suspended or the sender invalid".into(),
            ));
        };
        let key = IdempotencyKey::new(
            &principal.caller_id(),
            "email",
            message_id,
            message_id.as_bytes(),
        );
        if let Some((ticket, reason)) = self.thread(tenant, mail, &principal).await? {
            let body = clip(&new_text(&mail.text));
            let input = NewCommentInput {
                body: if body.is_empty() {
                    "(no text)".into()
                } else {
                    body
                },
                public: Some(true),
            };
            match ticketing
                .add_comment(&principal, ticket, input, Some(key.clone()), now)
                .await
            {
                Ok(created) => {
                    let (comment, _) = created.into_inner();
                    return Ok(Decision {
                        decision: "threaded".into(),
                        reason,
                        tenant_id: Some(tenant),
                        ticket_id: Some(ticket),
                        comment_id: Some(comment.id),
                    });
                }
                // Not the sender's ticket after all: a new one.
                Err(DomainError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let text = clip(mail.text.trim());
        let input = NewTicketInput {
            subject: subject_of(&mail.subject),
            description: if text.is_empty() {
                "(no text)".into()
            } else {
                text
            },
            priority: None,
            kind: None,
            channel: Some("email".into()),
            requester: None,
            assignee_id: None,
            team_id: None,
            tags: None,
            custom_fields: None,
        };
        let (detail, _) = ticketing
            .create(&principal, input, Some(key), now)
            .await?
            .into_inner();
        Ok(Decision {
            decision: "created".into(),
            reason: "a new conversation".into(),
            tenant_id: Some(tenant),
            ticket_id: Some(detail.ticket.id),
            comment_id: detail.comments.first().map(|c| c.id),
        })
    }

    /// The sender as a principal: the person with this address, or a new
    /// customer. `None` for a suspended helpdesk or an unusable address.
    async fn sender(
        &self,
        tenant: TenantId,
        address: &str,
        name: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<Principal>, DomainError> {
        let Ok(email) = Email::parse(address) else {
            return Ok(None);
        };
        let Some(tenant) = self.store.tenant(tenant).await?.filter(|t| t.is_active()) else {
            return Ok(None);
        };
        let user = match self.store.user_by_email(tenant.id, &email).await? {
            Some(u) if u.is_active() => u,
            Some(_) => return Ok(None),
            None => {
                let display = name
                    .map(str::to_owned)
                    .filter(|n| crate::user::parse_person_name(n).is_ok())
                    .unwrap_or_else(|| address.split('@').next().unwrap_or(address).to_owned());
                let user = User::new(tenant.id, email.clone(), display, Role::Customer, None, now);
                let event = crate::accounts::user_created(&user, Actor::operator(), now);
                match self.store.create_user(&user, None, &[event]).await {
                    Ok(()) => user,
                    // Created by a message arriving at the same time.
                    Err(StoreError::Conflict(_)) => self
                        .store
                        .user_by_email(tenant.id, &email)
                        .await?
                        .ok_or(DomainError::NotFound)?,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        Ok(Some(Principal {
            tenant,
            caller: Caller::User {
                user,
                session_id: SessionId::new(),
            },
        }))
    }

    /// The ticket a reply belongs to, and how it was found.
    async fn thread(
        &self,
        tenant: TenantId,
        mail: &InboundMail,
        principal: &Principal,
    ) -> Result<Option<(TicketId, String)>, DomainError> {
        let referenced = mail.in_reply_to.iter().chain(mail.references.iter().rev());
        for id in referenced {
            if let Some(ticket) = self
                .store
                .message(tenant, id)
                .await?
                .and_then(|r| r.ticket_id)
                && self.open_for_replies(tenant, ticket).await?
            {
                return Ok(Some((ticket, format!("In-Reply-To/References <{id}>"))));
            }
        }
        if let Some(n) = ticket_tag(&mail.subject)
            && let Some(ticket) = self.store.ticket_id_by_number(tenant, n).await?
            && let Some(t) = self.store.ticket(tenant, ticket).await?
            && Some(t.requester_id) == principal.user_id()
            && self.open_for_replies(tenant, ticket).await?
        {
            return Ok(Some((
                ticket,
                format!("subject tag [#{n}] from its requester"),
            )));
        }
        Ok(None)
    }

    /// A closed (or deleted) ticket takes no replies: they open a new one.
    async fn open_for_replies(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> Result<bool, DomainError> {
        Ok(self
            .store
            .ticket(tenant, ticket)
            .await?
            .is_some_and(|t| !t.is_deleted() && t.status != Status::Closed))
    }
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_BODY_CHARS).collect()
}

fn subject_of(raw: &str) -> String {
    let s: String = raw.trim().chars().take(250).collect();
    if s.is_empty() {
        "(no subject)".into()
    } else {
        s
    }
}
