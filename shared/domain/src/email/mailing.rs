//! The email worker: turns an event into the mails it causes and sends
//! each once.
//!
//! Each mail is claimed (event id + mail key) before it is sent, and the
//! claim is given back only when the send call fails: a redelivered job,
//! or a retried batch, never sends a mail again (a crash between the claim
//! and the send loses that one mail rather than doubling it; an SES
//! timeout after it accepted the mail is the one way to a second copy).
//! Bouncing addresses get nothing. Every sent mail is recorded in the
//! Message-ID index under our Message-ID and under the id SES gives it, so
//! a reply to it is threaded onto its ticket.
//!
//! A reply's files go with it up to [`MAIL_FILES_BYTES`]; larger ones are
//! named with a link to the ticket. The files are recorded just after the
//! comment (its event says how many), so the worker waits briefly for them
//! and otherwise fails the job, which comes back later.

use crate::accounts::ports::PasswordLinks;
use crate::accounts::ports::TenantStore;
use crate::accounts::ports::UserStore;
use crate::email::mail_job::MailJob;
use crate::email::ports::Bounces;
use crate::email::ports::MailClaims;
use crate::email::ports::MailboxStore;
use crate::email::ports::MessageLog;
use crate::email::rule_mails;
use crate::kernel::error::StoreResult;
use crate::tickets::events::CommentCreated;
use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::accounts::password_link::{LinkPurpose, PasswordLink};
use crate::accounts::tenant::Tenant;
use crate::attachments::attachment::Attachment;
use crate::attachments::ports::{AttachmentStore, ObjectStore};
use crate::email::letters::{Letter, write};
use crate::email::message_record::MessageRecord;
use crate::email::outbound::{
    Envelope, MailFacts, MailFile, MailKind, PlannedMail, Recipient, compose, plan,
};
use crate::email::ports::MailSender;
use crate::email::{ReplyAddresses, thread_id};
use crate::kernel::error::StoreError;
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::UserId;
use crate::kernel::pagination::PageRequest;
use crate::tickets::ports::TicketStore;
use crate::tickets::satisfaction::SurveyToken;
use crate::tickets::ticket::Ticket;

/// Where links and replies point.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The frontend's base URL (password and ticket links).
    pub app_url: String,
    pub replies: ReplyAddresses,
    /// Seals satisfaction surveys' links (derived from the signing secret).
    pub surveys: [u8; 32],
}

/// What became of one planned mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Sent {
        kind: MailKind,
        provider_id: String,
    },
    /// Sent (or being sent) by an earlier delivery of the job.
    AlreadySent {
        kind: MailKind,
    },
    Bouncing {
        kind: MailKind,
    },
}

/// Files carried by one mail at most, in bytes (SES takes 40 MB of MIME,
/// base64 included; the rest is left for other mail in flight).
pub const MAIL_FILES_BYTES: u64 = 10 * 1024 * 1024;

/// How long the worker waits for a reply's files to be recorded.
const FILES_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

pub struct Mailer<S, X, O> {
    store: S,
    sender: X,
    objects: O,
    settings: MailSettings,
}

impl<S, X, O> Mailer<S, X, O>
where
    S: TicketStore
        + UserStore
        + TenantStore
        + AttachmentStore
        + MailboxStore
        + MessageLog
        + Bounces
        + MailClaims
        + PasswordLinks,
    X: MailSender,
    O: ObjectStore,
{
    pub fn new(store: S, sender: X, objects: O, settings: MailSettings) -> Self {
        Self {
            store,
            sender,
            objects,
            settings,
        }
    }

    /// The files of a reply, once all the event announced are recorded.
    async fn files_of(&self, event: &DomainEvent) -> StoreResult<Vec<Attachment>> {
        let expected = event.payload::<CommentCreated>().map_or(0, |c| c.files);
        let (Some(ticket), Some(comment)) = (event.subject.ticket_id, event.subject.comment_id)
        else {
            return Ok(Vec::new());
        };
        if expected == 0 {
            return Ok(Vec::new());
        }
        let started = std::time::Instant::now();
        loop {
            let files: Vec<Attachment> = self
                .store
                .attachments(event.tenant_id, ticket)
                .await?
                .into_iter()
                .filter(|a| a.comment_id == Some(comment) && a.public)
                .collect();
            if files.len() >= expected {
                return Ok(files);
            }
            if started.elapsed() >= FILES_WAIT {
                return Err(StoreError::Unavailable(
                    "the reply's files are not recorded yet".into(),
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    pub async fn send(&self, job: &MailJob, now: Timestamp) -> StoreResult<Vec<Sent>> {
        let event = &job.event;
        let tenant_id = event.tenant_id;
        let Some(tenant) = self
            .store
            .tenant(tenant_id)
            .await?
            .filter(|t| t.is_active())
        else {
            return Ok(Vec::new());
        };
        let ticket = match event.subject.ticket_id {
            Some(id) => self.store.ticket(tenant_id, id).await?,
            None => None,
        };
        let comment = match (event.subject.ticket_id, event.subject.comment_id) {
            (Some(t), Some(c)) => self.store.comment(tenant_id, t, c).await?,
            _ => None,
        };
        let mut ids: Vec<UserId> = Vec::new();
        ids.extend(ticket.as_ref().map(|t| t.requester_id));
        ids.extend(comment.as_ref().and_then(|c| c.author_id));
        ids.extend(event.subject.user_id);
        ids.extend(job.notify.iter().map(|n| n.user_id));
        ids.extend(rule_mails::people_named(event));
        ids.sort();
        ids.dedup();
        let people: BTreeMap<UserId, _> = self
            .store
            .users(tenant_id, &ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut planned = plan(&MailFacts {
            event,
            ticket: ticket.as_ref(),
            comment: comment.as_ref(),
            people: &people,
            notify: &job.notify,
            surveys: tenant.settings.satisfaction.enabled,
        });
        if ticket.is_some() {
            planned.extend(rule_mails::planned(event, &people));
        }
        let files = if planned.iter().any(|m| m.kind == MailKind::Reply) {
            self.files_of(event).await?
        } else {
            Vec::new()
        };
        let mut outcomes = Vec::new();
        for mut mail in planned {
            if self.store.is_bouncing(tenant_id, &mail.to.email).await? {
                // A reply still reaches the people copied on the ticket.
                let mut working = None;
                if mail.kind == MailKind::Reply {
                    for (i, address) in mail.cc.iter().enumerate() {
                        if !self.store.is_bouncing(tenant_id, address).await? {
                            working = Some(i);
                            break;
                        }
                    }
                }
                let Some(i) = working else {
                    outcomes.push(Sent::Bouncing { kind: mail.kind });
                    continue;
                };
                let address = mail.cc.remove(i);
                mail.to = Recipient {
                    user_id: mail.to.user_id,
                    name: address.clone(),
                    email: address,
                };
            }
            if !self
                .store
                .claim_mail(tenant_id, event.id, &mail.key, now)
                .await?
            {
                outcomes.push(Sent::AlreadySent { kind: mail.kind });
                continue;
            }
            let author = comment
                .as_ref()
                .and_then(|c| c.author_id)
                .and_then(|a| people.get(&a))
                .map(|u| u.name.as_str());
            let reply = comment.as_ref().map(|c| c.body.as_str());
            let carried = if mail.kind == MailKind::Reply {
                files.as_slice()
            } else {
                &[]
            };
            match self
                .send_one(
                    &tenant,
                    event,
                    ticket.as_ref(),
                    &mail,
                    (reply, author, carried),
                    now,
                )
                .await
            {
                Ok(provider_id) => outcomes.push(Sent::Sent {
                    kind: mail.kind,
                    provider_id,
                }),
                Err(e) => {
                    self.store
                        .release_mail(tenant_id, event.id, &mail.key)
                        .await?;
                    return Err(e);
                }
            }
        }
        Ok(outcomes)
    }

    /// `content`: the reply's text, its author and its files.
    async fn send_one(
        &self,
        tenant: &Tenant,
        event: &DomainEvent,
        ticket: Option<&Ticket>,
        mail: &PlannedMail,
        (reply, author, files): (Option<&str>, Option<&str>, &[Attachment]),
        now: Timestamp,
    ) -> StoreResult<String> {
        let app = self.settings.app_url.trim_end_matches('/');
        let link = match (mail.kind, ticket) {
            (MailKind::Invitation | MailKind::PasswordReset | MailKind::Verification, _) => {
                let (purpose, page) = match mail.kind {
                    MailKind::Invitation => (LinkPurpose::Invitation, "password"),
                    MailKind::Verification => (LinkPurpose::Verification, "verify-email"),
                    _ => (LinkPurpose::Reset, "password"),
                };
                let Some(id) = mail.to.user_id else {
                    return Err(StoreError::NotFound);
                };
                let Some(user) = self.store.user(tenant.id, id).await? else {
                    return Err(StoreError::NotFound);
                };
                let (token, stored) = PasswordLink::issue(&user, purpose, now);
                self.store.put_password_link(&stored).await?;
                Some(format!(
                    "{app}/{page}?tenant={}&token={token}",
                    tenant.slug.as_str()
                ))
            }
            (MailKind::Satisfaction, Some(t)) => {
                let token = SurveyToken::for_ticket(t, now).seal(&self.settings.surveys);
                Some(format!("{app}/satisfaction?token={token}"))
            }
            (_, Some(t)) => Some(format!("{app}/tickets/{}", t.id)),
            _ => None,
        };
        let mailboxes = self.store.mailboxes(tenant.id).await?;
        let domain = self.settings.replies.domain();
        // A mailbox on the mail domain sends as itself; others would need
        // their own verified domain, so mail goes out from the helpdesk's
        // address on the mail domain, under the mailbox's name.
        let mailbox = mailboxes.iter().min_by_key(|m| m.created_at);
        let from_name = mailbox.map_or(tenant.name.as_str(), |m| m.from_name.as_str());
        let from = match mailboxes
            .iter()
            .find(|m| m.address.rsplit_once('@').is_some_and(|(_, d)| d == domain))
        {
            Some(m) => m.address.clone(),
            None => format!("{}@{domain}", tenant.slug.as_str()),
        };
        // A customer's answer threads onto the ticket (a rule's mail to
        // the requester included).
        let to_customer = match mail.kind {
            MailKind::Acknowledgement | MailKind::Reply => true,
            MailKind::Rule => ticket.is_some_and(|t| mail.to.user_id == Some(t.requester_id)),
            _ => false,
        };
        let reply_to = match ticket {
            Some(t) if to_customer => Some(self.settings.replies.address(tenant.id, t.number)),
            _ => None,
        };
        let message_id = format!(
            "{}.{}@{domain}",
            event.id.ulid().to_string().to_lowercase(),
            mail.key.replace(['_', ' '], "-").to_lowercase()
        );
        // A ticket's mails continue its conversation: its root, then the
        // customer's mails, the latest of which this one answers.
        // A rule's mail to staff or an outside address stays out of the
        // customer's thread: no reference to their mails, and a reply to
        // it finds no ticket.
        let apart = mail.kind == MailKind::Rule && !to_customer;
        let references = match ticket {
            Some(t) if !apart => {
                let mut refs = vec![format!(
                    "ticket.{}@{domain}",
                    t.id.ulid().to_string().to_lowercase()
                )];
                refs.extend(self.customer_mails(t, event.occurred_at).await?);
                refs
            }
            _ => Vec::new(),
        };
        let (subject, mut text) = match &mail.content {
            Some((subject, text)) => (subject.clone(), text.clone()),
            None => write(&Letter {
                kind: mail.kind,
                helpdesk: from_name,
                to: &mail.to,
                ticket,
                reply,
                author,
                notice: mail.notice,
                link: link.as_deref(),
            }),
        };
        // Files travel along up to the limit; the others are linked.
        let mut carried = Vec::new();
        let mut linked = Vec::new();
        let mut total = 0;
        for f in files {
            if total + f.size <= MAIL_FILES_BYTES {
                total += f.size;
                carried.push(MailFile {
                    filename: f.filename.clone(),
                    content_type: f.content_type.clone(),
                    bytes: self.objects.read(f).await?,
                });
            } else {
                linked.push(f.filename.clone());
            }
        }
        if !linked.is_empty() {
            text.push_str(&format!(
                "\n\nToo large for email, on the ticket: {} ({})",
                linked.join(", "),
                link.as_deref().unwrap_or_default()
            ));
        }
        let mut cc = Vec::new();
        for address in &mail.cc {
            if !self.store.is_bouncing(tenant.id, address).await? {
                cc.push(address.clone());
            }
        }
        let raw = compose(
            &Envelope {
                from_name,
                from: &from,
                to: &mail.to,
                cc: &cc,
                reply_to: reply_to.as_deref(),
                message_id: &message_id,
                in_reply_to: references.last().map(String::as_str),
                references: &references,
                automatic: mail.kind.is_automatic(),
                date: now.as_second(),
            },
            &subject,
            &text,
            &carried,
        )
        .map_err(|e| StoreError::Internal(format!("writing a mail: {e}")))?;
        let mut recipients = vec![mail.to.email.clone()];
        recipients.extend(cc);
        let provider_id = self.sender.send_raw(&from, &recipients, &raw).await?;
        if let Some(t) = ticket.filter(|_| !apart) {
            let record = MessageRecord {
                message_id: message_id.clone(),
                from: Some(from.clone()),
                subject: subject.chars().take(250).collect(),
                decision: "sent".into(),
                reason: format!("{} to {}", kind_name(mail.kind), mail.to.email),
                ticket_id: Some(t.id),
                comment_id: event.subject.comment_id,
                raw: format!("ses:{provider_id}"),
                received_at: now,
            };
            // The mail is out: failing the job now would send it again
            // (its claim released). A reply still threads by its Reply-To.
            let indexed = async {
                self.store
                    .record_message(tenant.id, &thread_id(&message_id), &record)
                    .await?;
                self.store
                    .alias_message(
                        tenant.id,
                        &thread_id(&format!("{provider_id}@amazonses.com")),
                        &record,
                    )
                    .await
            };
            if let Err(e) = indexed.await {
                tracing::warn!(tenant_id = %tenant.id, provider_id, error = %e, "a sent mail is not in the Message-ID index");
            }
        }
        Ok(provider_id)
    }

    /// The Message-IDs of the customer's mails on a ticket up to `until`,
    /// oldest first: the first and the latest few when there are many.
    async fn customer_mails(&self, ticket: &Ticket, until: Timestamp) -> StoreResult<Vec<String>> {
        let mut ids = Vec::new();
        let mut page = PageRequest {
            limit: PageRequest::MAX_LIMIT,
            cursor: None,
        };
        for _ in 0..THREAD_PAGES {
            let comments = self
                .store
                .comments(ticket.tenant_id, ticket.id, true, &page)
                .await?;
            ids.extend(
                comments
                    .items
                    .iter()
                    .filter(|c| c.created_at <= until)
                    .filter_map(|c| c.mail.as_ref()?.message_id.clone()),
            );
            match comments.next_cursor {
                Some(next) => page.cursor = Some(next),
                None => break,
            }
        }
        if ids.len() > THREAD_REFERENCES {
            ids.drain(1..ids.len() - (THREAD_REFERENCES - 1));
        }
        Ok(ids)
    }
}

/// Pages of a conversation read for its mails' ids.
const THREAD_PAGES: usize = 20;
/// Customer mails a mail references at most (RFC 5322 lets a long
/// References keep the first and the latest).
const THREAD_REFERENCES: usize = 10;

fn kind_name(kind: MailKind) -> &'static str {
    match kind {
        MailKind::Acknowledgement => "acknowledgement",
        MailKind::Reply => "reply",
        MailKind::Invitation => "invitation",
        MailKind::PasswordReset => "password reset",
        MailKind::Verification => "address verification",
        MailKind::Notice => "notice",
        MailKind::Rule => "rule's mail",
        MailKind::Satisfaction => "satisfaction survey",
    }
}
