//! Outbound mail: which mails an event causes (pure), and how one is
//! written as MIME.
//!
//! - `ticket.created` for a customer: an acknowledgement to the requester.
//! - `comment.created`, public, by staff: the reply to the requester.
//!   Internal notes are never mailed, nor the requester's own messages.
//! - `user.created` with `data.invited`: an invitation to set a password.
//! - `user.password_reset_requested`: the reset link.
//! - In-app notifications the person asked to get by mail too (assigned,
//!   customer replied): a notice to that agent.
//!
//! Automatic mails carry `Auto-Submitted: auto-generated` (RFC 3834), so
//! well-behaved responders do not answer them; a reply an agent wrote
//! does not, since it is a person's message.

use crate::accounts::events::UserCreated;
use crate::tickets::events::{CommentCreated, StatusChanged};
use std::collections::BTreeMap;

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use serde::{Deserialize, Serialize};

use crate::accounts::user::User;
use crate::kernel::events::{DomainEvent, EventType};
use crate::kernel::ids::UserId;
use crate::notifications::notification::NotificationKind;
use crate::tickets::comment::Comment;
use crate::tickets::ticket::{Status, Ticket};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    Acknowledgement,
    Reply,
    Invitation,
    PasswordReset,
    /// The link that proves a self-registered customer's address.
    Verification,
    Notice,
    /// A trigger's or automation's `sendEmail`.
    Rule,
    /// The satisfaction survey of a solved ticket.
    Satisfaction,
}

impl MailKind {
    /// Sent by Switchboard on its own, not written by a person.
    pub fn is_automatic(self) -> bool {
        self != MailKind::Reply
    }

    /// Carries a one-time link to set a password.
    pub fn needs_password_link(self) -> bool {
        matches!(
            self,
            MailKind::Invitation | MailKind::PasswordReset | MailKind::Verification
        )
    }
}

/// An in-app notification its owner also wants by mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notified {
    pub user_id: UserId,
    pub kind: NotificationKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// `None` for an address outside the tenant's people.
    pub user_id: Option<UserId>,
    pub email: String,
    pub name: String,
}

impl Recipient {
    pub(crate) fn of(user: &User) -> Self {
        Self {
            user_id: Some(user.id),
            email: user.email.as_str().to_owned(),
            name: user.name.clone(),
        }
    }
}

/// One mail to send for an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMail {
    pub kind: MailKind,
    /// Unique within the event: what makes sending it once checkable.
    pub key: String,
    pub to: Recipient,
    /// Copied (the ticket's participants, on replies).
    pub cc: Vec<String>,
    pub notice: Option<NotificationKind>,
    /// Its subject and text when the event wrote them (a rule's mail).
    pub content: Option<(String, String)>,
}

/// What the planner knows of an event.
pub struct MailFacts<'a> {
    pub event: &'a DomainEvent,
    pub ticket: Option<&'a Ticket>,
    pub comment: Option<&'a Comment>,
    /// The people the event concerns, as they are now.
    pub people: &'a BTreeMap<UserId, User>,
    pub notify: &'a [Notified],
    /// The tenant asks requesters to rate their solved tickets.
    pub surveys: bool,
}

/// The mails an event causes. Deactivated people get none.
pub fn plan(facts: &MailFacts<'_>) -> Vec<PlannedMail> {
    let event = facts.event;
    let person = |id: UserId| facts.people.get(&id).filter(|u| u.is_active());
    let mut mails = Vec::new();
    let mut push = |kind: MailKind, key: String, user: &User, notice, cc: Vec<String>| {
        mails.push(PlannedMail {
            kind,
            key,
            to: Recipient::of(user),
            cc,
            notice,
            content: None,
        });
    };
    match (event.kind, facts.ticket) {
        (EventType::TicketCreated, Some(ticket)) => {
            if let Some(requester) = person(ticket.requester_id)
                && !requester.role.is_staff()
            {
                push(
                    MailKind::Acknowledgement,
                    "ack".into(),
                    requester,
                    None,
                    Vec::new(),
                );
            }
        }
        (EventType::CommentCreated, Some(ticket)) => {
            let opening = event.payload::<CommentCreated>().is_some_and(|c| c.opening);
            if let Some(comment) = facts.comment
                && comment.public
                && comment.deleted_at.is_none()
                && !opening
                && let Some(author) = comment.author_id.and_then(|a| facts.people.get(&a))
                && author.role.is_staff()
                && let Some(requester) = person(ticket.requester_id)
                && requester.id != author.id
            {
                let cc = ticket.cc.iter().cloned().collect();
                push(MailKind::Reply, "reply".into(), requester, None, cc);
            }
        }
        (EventType::TicketStatusChanged, Some(ticket)) => {
            // Once per solve: the mail is claimed by this event. Never for
            // a ticket merged away, nor to staff.
            let solved = event
                .payload::<StatusChanged>()
                .is_some_and(|c| c.to == Status::Solved && c.from.is_unsolved());
            // The ticket as it is now: still solved, not merged away.
            if facts.surveys
                && solved
                && ticket.status == Status::Solved
                && ticket.merged_into.is_none()
                && ticket.satisfaction.is_none()
                && let Some(requester) = person(ticket.requester_id)
                && !requester.role.is_staff()
                && !requester.surveys_declined
                && requester.email_verified
            {
                push(
                    MailKind::Satisfaction,
                    "satisfaction".into(),
                    requester,
                    None,
                    Vec::new(),
                );
            }
        }
        (EventType::UserCreated, _) => {
            let created = event.payload::<UserCreated>();
            let invited = created.as_ref().is_some_and(|u| u.invited);
            let verify = created.as_ref().is_some_and(|u| u.verify);
            if let Some(user) = event.subject.user_id.and_then(person) {
                if invited {
                    push(
                        MailKind::Invitation,
                        "invitation".into(),
                        user,
                        None,
                        Vec::new(),
                    );
                } else if verify {
                    push(
                        MailKind::Verification,
                        "verification".into(),
                        user,
                        None,
                        Vec::new(),
                    );
                }
            }
        }
        (EventType::PasswordResetRequested, _) => {
            if let Some(user) = event.subject.user_id.and_then(person) {
                push(
                    MailKind::PasswordReset,
                    "reset".into(),
                    user,
                    None,
                    Vec::new(),
                );
            }
        }
        _ => {}
    }
    if facts.ticket.is_some() {
        for n in facts.notify {
            if let Some(user) = person(n.user_id).filter(|u| u.role.is_staff()) {
                push(
                    MailKind::Notice,
                    format!("notice.{}", n.user_id),
                    user,
                    Some(n.kind),
                    Vec::new(),
                );
            }
        }
    }
    mails
}

/// The envelope and threading of one mail.
pub struct Envelope<'a> {
    pub from_name: &'a str,
    pub from: &'a str,
    pub to: &'a Recipient,
    pub cc: &'a [String],
    pub reply_to: Option<&'a str>,
    /// Without angle brackets.
    pub message_id: &'a str,
    /// The message this one answers (without angle brackets).
    pub in_reply_to: Option<&'a str>,
    /// The conversation this mail continues, oldest first (without angle
    /// brackets).
    pub references: &'a [String],
    pub automatic: bool,
    /// Seconds since the epoch.
    pub date: i64,
}

/// A file carried by a mail.
pub struct MailFile {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The raw MIME message: text and HTML alternatives, UTF-8, and files.
pub fn compose(
    envelope: &Envelope<'_>,
    subject: &str,
    text: &str,
    files: &[MailFile],
) -> std::io::Result<Vec<u8>> {
    let mut builder = MessageBuilder::new()
        .from(Address::new_address(
            Some(envelope.from_name.to_owned()),
            envelope.from.to_owned(),
        ))
        .to(Address::new_address(
            Some(envelope.to.name.clone()),
            envelope.to.email.clone(),
        ))
        .subject(subject.to_owned())
        .message_id(envelope.message_id.to_owned())
        .date(envelope.date)
        .text_body(text.to_owned())
        .html_body(html_of(text));
    if !envelope.cc.is_empty() {
        builder = builder.cc(envelope
            .cc
            .iter()
            .map(|a| Address::new_address(None::<String>, a.clone()))
            .collect::<Vec<_>>());
    }
    if let Some(reply_to) = envelope.reply_to {
        builder = builder.reply_to(reply_to.to_owned());
    }
    if let Some(parent) = envelope.in_reply_to {
        builder = builder.in_reply_to(parent.to_owned());
    }
    if !envelope.references.is_empty() {
        builder = builder.references(envelope.references.to_vec());
    }
    for f in files {
        builder = builder.attachment(
            f.content_type.clone(),
            f.filename.clone(),
            f.bytes.as_slice(),
        );
    }
    if envelope.automatic {
        builder = builder
            .header(
                "Auto-Submitted",
                mail_builder::headers::raw::Raw::new("auto-generated"),
            )
            .header(
                "X-Auto-Response-Suppress",
                mail_builder::headers::raw::Raw::new("All"),
            );
    }
    builder.write_to_vec()
}

/// Plain text as simple HTML: escaped, paragraphs and line breaks kept,
/// links clickable.
fn html_of(text: &str) -> String {
    let mut html = String::from("<!doctype html><html><body>");
    for paragraph in text.split("\n\n") {
        html.push_str("<p>");
        let lines: Vec<String> = paragraph
            .lines()
            .map(|line| {
                line.split(' ')
                    .map(|word| {
                        let escaped = escape(word);
                        if word.starts_with("https://") || word.starts_with("http://") {
                            format!("<a href=\"{escaped}\">{escaped}</a>")
                        } else {
                            escaped
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        html.push_str(&lines.join("<br>"));
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use mail_parser::{MessageParser, MimeHeaders};
    use serde_json::json;

    use super::*;
    use crate::accounts::user::{Email, Role, UserStatus};
    use crate::kernel::events::{Actor, Subject};
    use crate::kernel::ids::TenantId;

    fn person(tenant: TenantId, role: Role, name: &str) -> User {
        let email = Email::parse(&format!("{}@example.com", name.to_lowercase()))
            .unwrap_or_else(|_| unreachable!());
        User::new(
            tenant,
            email,
            name.into(),
            role,
            None,
            Timestamp::UNIX_EPOCH,
        )
    }

    struct World {
        customer: User,
        agent: User,
        ticket: Ticket,
        people: BTreeMap<UserId, User>,
    }

    fn world() -> World {
        let tenant = TenantId::new();
        let customer = person(tenant, Role::Customer, "Ana");
        let agent = person(tenant, Role::Agent, "Sam");
        let ticket = crate::tickets::ticket::sample(tenant, customer.id, Some(agent.id));
        let people = [&customer, &agent]
            .into_iter()
            .map(|u| (u.id, u.clone()))
            .collect();
        World {
            customer,
            agent,
            ticket,
            people,
        }
    }

    fn event(
        kind: EventType,
        actor: &User,
        ticket: &Ticket,
        data: serde_json::Value,
    ) -> DomainEvent {
        DomainEvent {
            id: crate::kernel::ids::EventId::new(),
            kind,
            tenant_id: ticket.tenant_id,
            occurred_at: Timestamp::UNIX_EPOCH,
            actor: Actor::user(actor.id),
            subject: Subject {
                ticket_id: Some(ticket.id),
                ..Subject::default()
            },
            data,
        }
    }

    fn comment(w: &World, author: &User, public: bool) -> Comment {
        Comment {
            id: crate::kernel::ids::CommentId::new(),
            tenant_id: w.ticket.tenant_id,
            ticket_id: w.ticket.id,
            author: Actor::user(author.id),
            author_id: Some(author.id),
            public,
            body: "Text".into(),
            mentions: Default::default(),
            created_at: Timestamp::UNIX_EPOCH,
            edited_at: None,
            deleted_at: None,
            revisions: Vec::new(),
            mail: None,
            copied_from: None,
            version: 1,
        }
    }

    fn kinds(
        w: &World,
        e: &DomainEvent,
        c: Option<&Comment>,
        notify: &[Notified],
    ) -> Vec<(MailKind, String)> {
        plan(&MailFacts {
            event: e,
            ticket: Some(&w.ticket),
            comment: c,
            people: &w.people,
            notify,
            surveys: true,
        })
        .into_iter()
        .map(|m| (m.kind, m.to.email))
        .collect()
    }

    #[test]
    fn who_gets_which_mail() {
        let w = world();
        let ana = w.customer.email.as_str().to_owned();
        let created = event(EventType::TicketCreated, &w.customer, &w.ticket, json!({}));
        assert_eq!(
            kinds(&w, &created, None, &[]),
            [(MailKind::Acknowledgement, ana.clone())]
        );

        let reply = comment(&w, &w.agent, true);
        let e = event(
            EventType::CommentCreated,
            &w.agent,
            &w.ticket,
            json!({"public": true}),
        );
        assert_eq!(
            kinds(&w, &e, Some(&reply), &[]),
            [(MailKind::Reply, ana.clone())]
        );

        // Never an internal note, the requester's own message, or the opening.
        let note = comment(&w, &w.agent, false);
        assert!(kinds(&w, &e, Some(&note), &[]).is_empty());
        let own = comment(&w, &w.customer, true);
        assert!(kinds(&w, &e, Some(&own), &[]).is_empty());
        let opening = event(
            EventType::CommentCreated,
            &w.customer,
            &w.ticket,
            json!({"public": true, "opening": true}),
        );
        assert!(kinds(&w, &opening, Some(&reply), &[]).is_empty());

        // Notices go to staff who asked for them, never to customers.
        let notify = [
            Notified {
                user_id: w.agent.id,
                kind: NotificationKind::CustomerReplied,
            },
            Notified {
                user_id: w.customer.id,
                kind: NotificationKind::StatusChanged,
            },
        ];
        let e = event(
            EventType::CommentCreated,
            &w.customer,
            &w.ticket,
            json!({"public": true}),
        );
        assert_eq!(
            kinds(&w, &e, Some(&own), &notify),
            [(MailKind::Notice, w.agent.email.as_str().to_owned())]
        );

        // Deactivated people get nothing.
        let mut gone = w.people.clone();
        if let Some(u) = gone.get_mut(&w.customer.id) {
            u.status = UserStatus::Deactivated;
        }
        let facts = MailFacts {
            event: &created,
            ticket: Some(&w.ticket),
            comment: None,
            people: &gone,
            notify: &[],
            surveys: true,
        };
        assert!(plan(&facts).is_empty());
    }

    #[test]
    fn a_mail_is_mime_with_threading_and_automatic_headers() {
        let w = world();
        let to = Recipient::of(&w.customer);
        let references = vec![
            "ticket.x@mail.test".to_owned(),
            "first@client.example".to_owned(),
        ];
        let raw = compose(
            &Envelope {
                from_name: "Acme Support",
                from: "acme@mail.test",
                to: &to,
                cc: &["bo@example.com".to_owned()],
                reply_to: Some("reply+abc@mail.test"),
                message_id: "evt.ack@mail.test",
                in_reply_to: Some("first@client.example"),
                references: &references,
                automatic: true,
                date: 0,
            },
            "[#7] Refund <now>",
            "Hello Ana,\n\nSee https://app.example/tickets/1 & more.",
            &[MailFile {
                filename: "bill.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.4".to_vec(),
            }],
        )
        .unwrap();
        let mail = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(mail.subject(), Some("[#7] Refund <now>"));
        assert_eq!(mail.message_id(), Some("evt.ack@mail.test"));
        assert_eq!(
            mail.in_reply_to().as_text_list().map(<[_]>::to_vec),
            Some(vec!["first@client.example".into()])
        );
        assert_eq!(
            mail.references().as_text_list().map(<[_]>::to_vec),
            Some(vec![
                "ticket.x@mail.test".into(),
                "first@client.example".into()
            ])
        );
        let file = mail.attachment(0).unwrap();
        assert_eq!(file.attachment_name(), Some("bill.pdf"));
        assert_eq!(file.contents(), b"%PDF-1.4");
        assert_eq!(
            mail.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-generated")
        );
        let html = mail.body_html(0).unwrap();
        assert!(html.contains("&amp; more"), "{html}");
        assert!(
            html.contains("<a href=\"https://app.example/tickets/1"),
            "{html}"
        );
        assert_eq!(
            mail.body_text(0).unwrap().replace("\r\n", "\n").trim_end(),
            "Hello Ana,\n\nSee https://app.example/tickets/1 & more."
        );
    }
}
