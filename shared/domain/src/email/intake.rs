//! Inbound email: one received message becomes nothing, a reply on its
//! ticket, or a new ticket, and the decision is recorded with its reason.
//!
//! In order: the recipient (a mailbox, or a signed reply address; anything
//! else is dropped); the same Message-ID seen before (SES may deliver
//! twice); auto-replies and bounces (never open or reopen a ticket, never
//! cause a mail); quarantine (virus or spam `FAIL`); a reply, threaded by
//! the verified reply address, by In-Reply-To/References through the
//! Message-ID index, or by a `[#n]` tag when the sender requested ticket n;
//! otherwise a new ticket from the sender, who becomes a customer, routed
//! by the mailbox's defaults. Attached files become ticket attachments;
//! what a rule refuses is listed on the comment.

use crate::accounts::ports::TenantStore;
use crate::accounts::ports::UserStore;
use crate::accounts::ports::{OrganizationStore, TeamStore};
use crate::email::message_record::MessageRecord;
use crate::email::ports::Bounces;
use crate::email::ports::MailboxStore;
use crate::email::ports::MessageLog;
use crate::kernel::ports::IdempotencyStore;
use crate::tickets::ports::FieldSchemaStore;
use crate::tickets::ticket::Channel;
use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Serialize;

use crate::accounts::organizations::organization_for;
use crate::accounts::permissions::{Caller, Principal};
use crate::accounts::tenant::UnverifiedMail;
use crate::accounts::user::{Email, Role, User};
use crate::attachments::attachment::{
    Attachment, MAX_FILE_BYTES, check_allowed, check_size, parse_content_type, parse_filename,
};
use crate::attachments::ports::{AttachmentStore, ObjectStore};
use crate::email::classify::{Classification, Verdicts, classify};
use crate::email::mailbox::Mailbox;
use crate::email::message::InboundMail;
use crate::email::reply::split;
use crate::email::senders::joined_by_domain;
use crate::email::subject::ticket_tag;
use crate::email::{ReplyAddresses, thread_id};
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::events::Actor;
use crate::kernel::idempotency::IdempotencyKey;
use crate::kernel::ids::{AttachmentId, CommentId, SessionId, TenantId, TicketId};
use crate::tickets::comment::{Comment, MAX_BODY_BYTES, MailOrigin};
use crate::tickets::input::{Body, ChannelRouting, NewComment, NewTicket, SubjectLine};
use crate::tickets::merge::merge_end;
use crate::tickets::ports::TicketStore;
use crate::tickets::service::{Ticketing, owns_mail};
use crate::tickets::ticket::{Status, Ticket};

/// Longest text kept as a comment (the full message stays in S3).
const MAX_BODY_CHARS: usize = 30_000;

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

/// Files of one message at most (the rest are listed as not attached).
const MAX_FILES: usize = 20;

/// Copied addresses kept on a new ticket.
const MAX_PARTICIPANTS: usize = 20;

/// Where a message was sent.
enum Route {
    Mailbox(Mailbox),
    /// A signed reply address: the tenant and ticket number it names.
    Reply {
        tenant: TenantId,
        number: u64,
    },
}

impl Route {
    fn tenant(&self) -> TenantId {
        match self {
            Route::Mailbox(m) => m.tenant_id,
            Route::Reply { tenant, .. } => *tenant,
        }
    }
}

pub struct Intake<S, O> {
    store: S,
    objects: O,
    replies: ReplyAddresses,
}

impl<S, O> Intake<S, O>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore
        + AttachmentStore
        + MailboxStore
        + MessageLog
        + Bounces
        + TenantStore
        + Clone,
    O: ObjectStore,
{
    pub fn new(store: S, objects: O, replies: ReplyAddresses) -> Self {
        Self {
            store,
            objects,
            replies,
        }
    }

    async fn route(&self, recipients: &[String]) -> Result<Option<Route>, DomainError> {
        for r in recipients {
            if let Some((tenant, number)) = self.replies.verify(r) {
                return Ok(Some(Route::Reply { tenant, number }));
            }
            if let Some(m) = self.store.mailbox_by_address(&r.to_lowercase()).await? {
                return Ok(Some(Route::Mailbox(m)));
            }
        }
        Ok(None)
    }

    pub async fn receive(
        &self,
        ticketing: &Ticketing<S>,
        received: &Received<'_>,
        mail: &InboundMail,
        now: Timestamp,
    ) -> Result<Decision, DomainError> {
        let Some(route) = self.route(received.recipients).await? else {
            return Ok(Decision::dropped(
                "no mailbox or valid reply address has this address",
            ));
        };
        let tenant = route.tenant();
        let message_id = thread_id(
            &mail
                .message_id
                .clone()
                .unwrap_or_else(|| format!("{}@ses", received.fallback_id)),
        );
        if let Some(seen) = self.store.message(tenant, &message_id).await? {
            return Ok(Decision {
                decision: "duplicate".into(),
                reason: format!("Message-ID seen before ({})", seen.decision),
                tenant_id: Some(tenant),
                ticket_id: seen.ticket_id,
                comment_id: seen.comment_id,
            });
        }
        let mut decision = match self
            .decide(ticketing, &route, received, mail, &message_id, now)
            .await
        {
            Ok(d) => d,
            // A mail the rules cannot take is kept with the reason, never
            // lost; only a failure worth retrying fails the delivery.
            Err(e) => match refusal(&e) {
                Some(reason) => Decision {
                    decision: "refused".into(),
                    reason,
                    tenant_id: None,
                    ticket_id: None,
                    comment_id: None,
                },
                None => return Err(e),
            },
        };
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
        route: &Route,
        received: &Received<'_>,
        mail: &InboundMail,
        message_id: &str,
        now: Timestamp,
    ) -> Result<Decision, DomainError> {
        let tenant = route.tenant();
        let outcome = |decision: &str, reason: String| Decision {
            decision: decision.into(),
            reason,
            tenant_id: Some(tenant),
            ticket_id: None,
            comment_id: None,
        };
        if let Route::Mailbox(m) = route
            && !m.verified
        {
            return Ok(outcome(
                "held",
                format!("the domain of {} is not verified yet", m.address),
            ));
        }
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
        // A sender that is not proven never speaks as that person on
        // their tickets: a new ticket, tagged, or the mail held.
        let unproven = received.verdicts.unproven_sender();
        if let Some(why) = unproven
            && self
                .store
                .tenant(tenant)
                .await?
                .is_some_and(|t| t.settings.unverified_mail == UnverifiedMail::Hold)
        {
            return Ok(outcome(
                "held",
                format!("the sender is not proven ({why}); held for review"),
            ));
        }
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
        let (files, refused) = files_of(mail);
        // Nor does an address someone registered without proving it.
        let threaded = match unproven {
            None if owns_mail(&principal) => self.thread(route, mail, &principal).await?,
            _ => None,
        };
        if let Some((ticket, reason)) = threaded {
            let reply = split(&mail.text, &mail.subject);
            let body = comment_text(&reply.text, &refused);
            let input = NewComment {
                files: files.len(),
                mail: Some(MailOrigin::new(
                    mail.message_id.is_some().then_some(message_id),
                    &comment_text(&reply.quoted, &[]),
                )),
                ..NewComment::reply(mail_body(body)?)
            };
            match ticketing
                .add_comment(&principal, ticket, input, Some(key.clone()), now)
                .await
            {
                Ok(created) => {
                    let comment = created.into_inner().0;
                    self.attach(&principal, &comment, &files, now).await?;
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
        let text = comment_text(mail.text.trim(), &refused);
        let routing = match route {
            Route::Mailbox(m) => ChannelRouting {
                team_id: m.default_team_id,
                priority: m.default_priority,
                unverified_sender: unproven.is_some(),
            },
            Route::Reply { .. } => ChannelRouting {
                unverified_sender: unproven.is_some(),
                ..ChannelRouting::default()
            },
        };
        let subject = SubjectLine::parse(&subject_of(&mail.subject))
            .map_err(|e| DomainError::field("subject", e.code, e.message))?;
        let input = NewTicket {
            channel: Some(Channel::Email),
            routing,
            cc: self.participants(mail, &from.email).await?,
            mail: Some(MailOrigin::new(
                mail.message_id.is_some().then_some(message_id),
                "",
            )),
            ..NewTicket::new(subject, mail_body(text)?)
        };
        let detail = ticketing
            .create(&principal, input, Some(key), now)
            .await?
            .into_inner()
            .0;
        if let Some(opening) = detail.comments.first() {
            self.attach(&principal, opening, &files, now).await?;
        }
        Ok(Decision {
            decision: "created".into(),
            reason: match unproven {
                None => "a new conversation".into(),
                Some(why) => format!("a new conversation; the sender is not proven ({why})"),
            },
            tenant_id: Some(tenant),
            ticket_id: Some(detail.ticket.id),
            comment_id: detail.comments.first().map(|c| c.id),
        })
    }

    /// The sender as a principal: the person with this address (joining
    /// their domain's organisation), or a new customer (in it). `None` for
    /// a suspended helpdesk or an unusable address.
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
            Some(u) if u.is_active() => joined_by_domain(&self.store, u, now).await?,
            Some(_) => return Ok(None),
            None => {
                let display = name
                    .map(str::to_owned)
                    .filter(|n| crate::accounts::user::parse_person_name(n).is_ok())
                    .unwrap_or_else(|| address.split('@').next().unwrap_or(address).to_owned());
                let mut user =
                    User::new(tenant.id, email.clone(), display, Role::Customer, None, now);
                user.organization_id = organization_for(&self.store, tenant.id, &email).await?;
                let event =
                    crate::accounts::service::user_created(&user, Actor::operator(), false, now);
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
            // Mail speaks for its sender on their own tickets and those
            // they are copied on, never through their organisation.
            membership: None,
        }))
    }

    /// The other people on a new conversation: the To and Cc addresses
    /// that are neither the sender nor Switchboard's own (mailboxes, reply
    /// addresses), at most [`MAX_PARTICIPANTS`].
    async fn participants(
        &self,
        mail: &InboundMail,
        sender: &str,
    ) -> Result<BTreeSet<String>, DomainError> {
        let mut out = BTreeSet::new();
        for a in mail.to.iter().chain(mail.cc.iter()) {
            let address = a.email.to_lowercase();
            if out.len() >= MAX_PARTICIPANTS
                || address == sender.to_lowercase()
                || Email::parse(&address).is_err()
                || self.replies.verify(&address).is_some()
                || address.ends_with(&format!("@{}", self.replies.domain()))
                || self.store.mailbox_by_address(&address).await?.is_some()
            {
                continue;
            }
            out.insert(address);
        }
        Ok(out)
    }

    /// Stores the message's accepted files as attachments of `comment`.
    async fn attach(
        &self,
        principal: &Principal,
        comment: &Comment,
        files: &[File<'_>],
        now: Timestamp,
    ) -> Result<(), DomainError> {
        if files.is_empty() {
            return Ok(());
        }
        // A retry of a mail whose files were recorded (all at once) has
        // nothing more to do; one whose files were not attaches them now.
        let recorded = self
            .store
            .attachments(comment.tenant_id, comment.ticket_id)
            .await?;
        if recorded.iter().any(|a| a.comment_id == Some(comment.id)) {
            return Ok(());
        }
        let mut attachments = Vec::with_capacity(files.len());
        for file in files {
            let attachment = Attachment {
                id: AttachmentId::new(),
                tenant_id: comment.tenant_id,
                ticket_id: comment.ticket_id,
                comment_id: Some(comment.id),
                public: comment.public,
                filename: file.filename.clone(),
                content_type: file.content_type.clone(),
                size: file.bytes.len() as u64,
                uploaded_by: principal.actor(),
                created_at: now,
            };
            self.objects.put(&attachment, file.bytes).await?;
            attachments.push(attachment);
        }
        self.store.attach(&attachments, &[]).await?;
        Ok(())
    }

    /// The ticket a reply belongs to, and how it was found. A ticket
    /// merged into another leads there.
    async fn thread(
        &self,
        route: &Route,
        mail: &InboundMail,
        principal: &Principal,
    ) -> Result<Option<(TicketId, String)>, DomainError> {
        let tenant = route.tenant();
        if let Route::Reply { number, .. } = route
            && let Some(ticket) = self.store.ticket_id_by_number(tenant, *number).await?
            && let Some(open) = self.open_for_replies(tenant, ticket).await?
            && !self.ended_by_erasure(&open, principal).await?
        {
            return Ok(Some((open.id, "its signed reply address".into())));
        }
        let referenced = mail.in_reply_to.iter().chain(mail.references.iter().rev());
        for id in referenced {
            if let Some(ticket) = self
                .store
                .message(tenant, &thread_id(id))
                .await?
                .and_then(|r| r.ticket_id)
                && let Some(open) = self.open_for_replies(tenant, ticket).await?
                && !self.ended_by_erasure(&open, principal).await?
            {
                return Ok(Some((open.id, format!("In-Reply-To/References <{id}>"))));
            }
        }
        if let Some(n) = ticket_tag(&mail.subject)
            && let Some(ticket) = self.store.ticket_id_by_number(tenant, n).await?
            && let Some(t) = self.open_for_replies(tenant, ticket).await?
            && (Some(t.requester_id) == principal.user_id()
                || principal
                    .user()
                    .is_some_and(|u| t.cc.contains(&u.email.as_str().to_lowercase())))
        {
            return Ok(Some((
                t.id,
                format!("subject tag [#{n}] from its requester or a participant"),
            )));
        }
        Ok(None)
    }

    /// Whether a ticket's conversation with customers ended when its
    /// requester was erased: whoever writes from the address now is
    /// someone new, and gets a ticket of their own. (A requester writing
    /// to their own ticket needs no look-up.)
    async fn ended_by_erasure(
        &self,
        ticket: &Ticket,
        principal: &Principal,
    ) -> Result<bool, DomainError> {
        if principal.role().is_staff() || principal.user_id() == Some(ticket.requester_id) {
            return Ok(false);
        }
        Ok(self
            .store
            .user(ticket.tenant_id, ticket.requester_id)
            .await?
            .is_some_and(|u| u.is_erased()))
    }

    /// The ticket that takes replies to `ticket`: itself, or the one it was
    /// merged into. A closed (or deleted) ticket takes none: they open a new
    /// one.
    async fn open_for_replies(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> Result<Option<Ticket>, DomainError> {
        let Some(found) = self.store.ticket(tenant, ticket).await? else {
            return Ok(None);
        };
        Ok(merge_end(&self.store, found)
            .await?
            .filter(|t| !t.is_deleted() && t.status != Status::Closed))
    }
}

/// A file of the message that a ticket may take.
struct File<'a> {
    filename: String,
    content_type: String,
    bytes: &'a [u8],
}

/// The files a ticket takes, and a line for each one refused.
/// Why a mail is refused, for a failure that another try would repeat.
fn refusal(e: &DomainError) -> Option<String> {
    match e {
        DomainError::Invalid(errors) => Some(
            errors
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        DomainError::Forbidden
        | DomainError::NotAllowed(_)
        | DomainError::Suspended
        | DomainError::NotFound
        | DomainError::IdempotencyKeyReused => Some(e.to_string()),
        _ => None,
    }
}

fn files_of(mail: &InboundMail) -> (Vec<File<'_>>, Vec<String>) {
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for (i, a) in mail.attachments.iter().enumerate() {
        let shown = if a.filename.trim().is_empty() {
            format!("file {}", i + 1)
        } else {
            a.filename.clone()
        };
        let name = parse_filename(&shown);
        let content_type = parse_content_type(&a.content_type)
            .unwrap_or_else(|_| "application/octet-stream".into());
        let checked = name.and_then(|n| {
            check_allowed(&n, &content_type)?;
            check_size(a.bytes.len() as u64, MAX_FILE_BYTES)?;
            Ok(n)
        });
        match checked {
            Ok(_) if files.len() >= MAX_FILES => {
                refused.push(format!("{shown} (more than {MAX_FILES} files)"));
            }
            Ok(n) => files.push(File {
                filename: n.display,
                content_type,
                bytes: &a.bytes,
            }),
            Err(why) => refused.push(format!("{shown} ({})", why.message)),
        }
    }
    (files, refused)
}

/// A mail's text as a message body (an empty mail still says something).
fn mail_body(text: String) -> Result<Body, DomainError> {
    let text = if text.is_empty() {
        "(no text)".to_owned()
    } else {
        text
    };
    Body::parse(&text).map_err(|e| DomainError::field("body", e.code, e.message))
}

/// Mail text as a comment holds it, whatever the sender's client put in:
/// control characters but line breaks and tabs become spaces, and the text
/// is cut (at a character) to at most 30,000 characters and what fits in a
/// comment beside the list of files that were not attached.
fn comment_text(text: &str, refused: &[String]) -> String {
    let note = if refused.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = refused.iter().map(|r| format!("- {r}")).collect();
        format!("\n\n[Not attached:\n{}]", list.join("\n"))
    };
    let budget = MAX_BODY_BYTES.saturating_sub(note.len());
    let mut body = String::new();
    for c in text.chars().take(MAX_BODY_CHARS) {
        let c = if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            ' '
        } else {
            c
        };
        if body.len() + c.len_utf8() > budget {
            break;
        }
        body.push(c);
    }
    body + &note
}

/// A mail's subject as a ticket's: control characters (an encoded tab,
/// say) become spaces, and it is cut to 250 characters.
fn subject_of(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .chars()
        .take(250)
        .collect();
    if s.is_empty() {
        "(no subject)".into()
    } else {
        s
    }
}
