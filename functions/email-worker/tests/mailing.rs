//! The email worker against the emulator's table, with a recording sender:
//! which mails events cause, what they carry, and that each goes out once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use jiff::Timestamp;
use mail_parser::MessageParser;
use serde_json::json;
use std::sync::Mutex;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::mailing::{MailSettings, Mailer, Sent};
use switchboard_domain::email::outbound::MailKind;
use switchboard_domain::email::ports::{Bounces, MailSender, MessageLog};
use switchboard_domain::email::{ReplyAddresses, thread_id};
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::{EventType, Subject};
use switchboard_domain::kernel::ids::{CommentId, TicketId, UserId};
use switchboard_domain::tickets::input::{Body, NewComment, NewTicket, SubjectLine};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, TestTenant};

const DOMAIN: &str = "mail.switchboard.test";

/// From, recipients and raw message of one mail.
type Mail = (String, Vec<String>, Vec<u8>);

/// Records what would go to SES; fails while `failing` is set.
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<Mail>>,
    failing: Mutex<bool>,
}

impl MailSender for &Outbox {
    async fn send_raw(&self, from: &str, recipients: &[String], raw: &[u8]) -> StoreResult<String> {
        if *self.failing.lock().unwrap() {
            return Err(StoreError::Unavailable("SES is down".into()));
        }
        let mut sent = self.sent.lock().unwrap();
        sent.push((from.to_owned(), recipients.to_vec(), raw.to_vec()));
        Ok(format!("0100-test-{}", sent.len()))
    }
}

fn replies() -> ReplyAddresses {
    ReplyAddresses::new(DOMAIN, [3; 32])
}

async fn mailer(
    outbox: &Outbox,
) -> Mailer<switchboard_aws::DynamoStore, &Outbox, switchboard_aws::objects::S3Objects> {
    Mailer::new(
        kit::store().await,
        outbox,
        kit::bucket().await,
        MailSettings {
            app_url: "https://app.example".into(),
            replies: replies(),
            surveys: [5; 32],
        },
    )
}

fn event(kind: EventType, p: &Principal, subject: Subject, data: serde_json::Value) -> MailJob {
    MailJob {
        event: switchboard_domain::kernel::events::DomainEvent {
            id: switchboard_domain::kernel::ids::EventId::new(),
            kind,
            tenant_id: p.tenant_id(),
            occurred_at: Timestamp::now(),
            actor: p.actor(),
            subject,
            data,
        },
        notify: Vec::new(),
    }
}

fn ticket_subject(ticket: TicketId, comment: Option<CommentId>) -> Subject {
    Subject {
        ticket_id: Some(ticket),
        comment_id: comment,
        ..Subject::default()
    }
}

struct World {
    tenant: TestTenant,
    customer: Principal,
    customer_email: String,
    agent: Principal,
    ticket: TicketId,
    number: u64,
}

async fn world() -> World {
    let tenant = TestTenant::new().await;
    let c = tenant.person("customer", "Ana Lopez").await;
    let a = tenant.person("agent", "Sam Agent").await;
    let customer = kit::principal(&c.auth).await;
    let agent = kit::principal(&a.auth).await;
    let detail = Ticketing::new(kit::store().await)
        .create(
            &customer,
            NewTicket {
                cc: ["bo@example.com".to_owned()].into(),
                ..NewTicket::new(
                    SubjectLine::parse("Printer on fire").unwrap(),
                    Body::parse("Smoke everywhere.").unwrap(),
                )
            },
            None,
            Timestamp::now(),
        )
        .await
        .unwrap()
        .into_inner()
        .0;
    World {
        tenant,
        customer,
        customer_email: c.email,
        agent,
        ticket: detail.ticket.id,
        number: detail.ticket.number,
    }
}

/// The job of the customer's `ticket.created`: an acknowledgement.
fn opened_by_customer(w: &World) -> MailJob {
    event(
        EventType::TicketCreated,
        &w.customer,
        ticket_subject(w.ticket, None),
        json!({}),
    )
}

#[tokio::test]
async fn a_new_ticket_is_acknowledged_once_with_a_signed_reply_address() {
    let w = world().await;
    let outbox = Outbox::default();
    let mailer = mailer(&outbox).await;
    let job = opened_by_customer(&w);
    let first = mailer.send(&job, Timestamp::now()).await.unwrap();
    assert!(matches!(
        first.as_slice(),
        [Sent::Sent {
            kind: MailKind::Acknowledgement,
            ..
        }]
    ));
    // Redelivered: nothing more goes out.
    let again = mailer.send(&job, Timestamp::now()).await.unwrap();
    assert_eq!(
        again,
        [Sent::AlreadySent {
            kind: MailKind::Acknowledgement
        }]
    );
    let sent = outbox.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let (from, to, raw) = &sent[0];
    assert_eq!(
        to,
        std::slice::from_ref(&w.customer_email),
        "an acknowledgement goes to the requester alone"
    );
    assert_eq!(from, &format!("{}@{DOMAIN}", w.tenant.slug));

    let mail = MessageParser::default().parse(raw).unwrap();
    let subject = mail.subject().unwrap();
    assert_eq!(subject, format!("[#{}] Printer on fire", w.number));
    let reply_to = mail.reply_to().unwrap().first().unwrap().address().unwrap();
    assert_eq!(
        replies().verify(reply_to),
        Some((w.tenant.id, w.number)),
        "the Reply-To names this ticket, signed"
    );
    assert_eq!(
        mail.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    let own_id = mail.message_id().unwrap().to_owned();
    let references: Vec<String> = mail
        .references()
        .as_text_list()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect();
    // The thread's root, never the mail's own id (a web ticket has no
    // customer mail to answer).
    assert!(
        references[0].starts_with("ticket.") && !references.contains(&own_id),
        "{references:?} and {own_id}"
    );
    assert_eq!(mail.in_reply_to().as_text(), Some(references[0].as_str()));
    assert!(mail.body_text(0).unwrap().contains("Printer on fire"));
    assert!(mail.body_html(0).is_some(), "an HTML alternative too");

    // Both the Message-ID we wrote and the one SES gives it thread back.
    let store = kit::store().await;
    for id in [own_id, "<0100-test-1@email.amazonses.com>".to_owned()] {
        let found = store.message(w.tenant.id, &thread_id(&id)).await.unwrap();
        assert_eq!(found.and_then(|r| r.ticket_id), Some(w.ticket), "{id}");
    }
}

#[tokio::test]
async fn a_public_reply_is_mailed_an_internal_note_never_and_bouncing_addresses_get_nothing() {
    let w = world().await;
    let outbox = Outbox::default();
    let mailer = mailer(&outbox).await;
    let ticketing = Ticketing::new(kit::store().await);
    let comment = |public: bool, body: &str| {
        let (ticketing, agent, body) = (&ticketing, &w.agent, body.to_owned());
        async move {
            ticketing
                .add_comment(
                    agent,
                    w.ticket,
                    NewComment {
                        body: Body::parse(&body).unwrap(),
                        public,
                        files: 0,
                        mail: None,
                    },
                    None,
                    Timestamp::now(),
                )
                .await
                .unwrap()
                .into_inner()
                .0
        }
    };
    let reply = comment(true, "We sent a technician.").await;
    let note = comment(false, "Customer is grumpy.").await;
    for c in [&reply, &note] {
        let job = event(
            EventType::CommentCreated,
            &w.agent,
            ticket_subject(w.ticket, Some(c.id)),
            json!({"public": c.public}),
        );
        mailer.send(&job, Timestamp::now()).await.unwrap();
    }
    let sent = outbox.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "only the public reply");
    assert_eq!(
        sent[0].1,
        [w.customer_email.clone(), "bo@example.com".to_owned()],
        "the requester and the participants"
    );
    let mail = MessageParser::default().parse(&sent[0].2).unwrap();
    assert_eq!(
        mail.cc().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("bo@example.com")
    );
    assert_eq!(
        mail.subject().unwrap(),
        format!("Re: [#{}] Printer on fire", w.number)
    );
    let text = mail.body_text(0).unwrap();
    assert!(text.contains("We sent a technician."), "{text}");
    assert!(text.contains("Sam Agent"), "{text}");
    assert!(!text.contains("grumpy"));
    assert!(
        mail.header_raw("Auto-Submitted").is_none(),
        "a person's reply is not automatic"
    );

    // Once the address bounced, nothing more is sent to it.
    let store = kit::store().await;
    store
        .mark_bouncing(w.tenant.id, &w.customer_email, Timestamp::now())
        .await
        .unwrap();
    let later = comment(true, "Any news?").await;
    let job = event(
        EventType::CommentCreated,
        &w.agent,
        ticket_subject(w.ticket, Some(later.id)),
        json!({"public": true}),
    );
    let outcome = mailer.send(&job, Timestamp::now()).await.unwrap();
    assert!(matches!(
        outcome.as_slice(),
        [Sent::Sent {
            kind: MailKind::Reply,
            ..
        }]
    ));
    // The reply still reaches the participant, and nothing the customer.
    let sent = outbox.sent.lock().unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].1, ["bo@example.com"]);
}

#[tokio::test]
async fn a_failed_send_is_retried_and_then_sent_once() {
    let w = world().await;
    let outbox = Outbox::default();
    let mailer = mailer(&outbox).await;
    let job = event(
        EventType::TicketCreated,
        &w.customer,
        ticket_subject(w.ticket, None),
        json!({}),
    );
    *outbox.failing.lock().unwrap() = true;
    assert!(mailer.send(&job, Timestamp::now()).await.is_err());
    *outbox.failing.lock().unwrap() = false;
    let retried = mailer.send(&job, Timestamp::now()).await.unwrap();
    assert!(matches!(retried.as_slice(), [Sent::Sent { .. }]));
    assert_eq!(mailer.send(&job, Timestamp::now()).await.unwrap().len(), 1);
    assert_eq!(outbox.sent.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_invited_person_gets_a_link_that_sets_their_password() {
    let tenant = TestTenant::new().await;
    let owner = kit::principal(&tenant.owner).await;
    let invited = kit::directory()
        .await
        .create_user(
            &owner,
            switchboard_domain::accounts::input::NewUser {
                name: "Nia New".into(),
                email: switchboard_domain::accounts::user::Email::parse(&format!(
                    "nia.{}@acme.example",
                    ulid::Ulid::new()
                ))
                .unwrap(),
                role: switchboard_domain::accounts::user::Role::Agent,
                password: None,
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    let outbox = Outbox::default();
    let mailer = mailer(&outbox).await;
    let job = event(
        EventType::UserCreated,
        &owner,
        Subject {
            user_id: Some(invited.id),
            ..Subject::default()
        },
        json!({"invited": true, "role": "agent", "name": "Nia New"}),
    );
    let outcome = mailer.send(&job, Timestamp::now()).await.unwrap();
    assert!(matches!(
        outcome.as_slice(),
        [Sent::Sent {
            kind: MailKind::Invitation,
            ..
        }]
    ));
    let raw = outbox.sent.lock().unwrap()[0].2.clone();
    let mail = MessageParser::default().parse(&raw).unwrap();
    let text = mail.body_text(0).unwrap().to_string();
    let token = text
        .split_whitespace()
        .find_map(|w| w.split("token=").nth(1))
        .expect("a link with a token")
        .to_owned();
    let recovery = switchboard_domain::accounts::recovery::Recovery::new(
        kit::store().await,
        switchboard_domain::accounts::passwords::Passwords::owasp().unwrap(),
    );
    recovery
        .confirm(
            switchboard_domain::accounts::input::ResetConfirmation {
                token,
                password: switchboard_domain::accounts::user::Password::parse(
                    "my own passphrase 12".into(),
                )
                .unwrap(),
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    let signed = kit::accounts()
        .await
        .login(
            switchboard_domain::accounts::input::Credentials::typed(
                &tenant.slug,
                invited.email.as_str(),
                "my own passphrase 12".into(),
            ),
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert_eq!(signed.user.id, invited.id);

    // Customers known only by email are not invited.
    let job = event(
        EventType::UserCreated,
        &owner,
        Subject {
            user_id: Some(UserId::new()),
            ..Subject::default()
        },
        json!({"invited": false}),
    );
    assert!(
        mailer
            .send(&job, Timestamp::now())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_reply_carries_its_files_and_links_what_is_too_large() {
    use switchboard_domain::attachments::attachment::Attachment;
    use switchboard_domain::attachments::ports::{AttachmentStore, ObjectStore};
    use switchboard_domain::email::mailing::MAIL_FILES_BYTES;
    use switchboard_domain::kernel::ids::AttachmentId;

    let w = world().await;
    let outbox = Outbox::default();
    let bucket = kit::bucket().await;
    let store = kit::store().await;
    let mailer = Mailer::new(
        store.clone(),
        &outbox,
        bucket.clone(),
        MailSettings {
            app_url: "https://app.example".into(),
            replies: replies(),
            surveys: [5; 32],
        },
    );
    let ticketing = Ticketing::new(store.clone());
    let reply = |files: usize| {
        let (ticketing, agent) = (&ticketing, &w.agent);
        async move {
            ticketing
                .add_comment(
                    agent,
                    w.ticket,
                    NewComment {
                        body: Body::parse("The manual and the firmware.").unwrap(),
                        public: true,
                        files,
                        mail: None,
                    },
                    None,
                    Timestamp::now(),
                )
                .await
                .unwrap()
                .into_inner()
                .0
        }
    };
    let comment = reply(2).await;
    let file = |name: &str, size: u64| Attachment {
        id: AttachmentId::new(),
        tenant_id: w.tenant.id,
        ticket_id: w.ticket,
        comment_id: Some(comment.id),
        public: true,
        filename: name.into(),
        content_type: "application/pdf".into(),
        size,
        uploaded_by: w.agent.actor(),
        created_at: Timestamp::now(),
    };
    let (manual, firmware) = (
        file("manual.pdf", 8),
        file("firmware.bin", MAIL_FILES_BYTES + 1),
    );
    bucket.put(&manual, b"%PDF-1.4").await.unwrap();
    store.attach(&[manual, firmware], &[]).await.unwrap();

    let job = event(
        EventType::CommentCreated,
        &w.agent,
        ticket_subject(w.ticket, Some(comment.id)),
        json!({"public": true, "files": 2}),
    );
    mailer.send(&job, Timestamp::now()).await.unwrap();
    let raw = outbox.sent.lock().unwrap()[0].2.clone();
    let mail = MessageParser::default().parse(&raw).unwrap();
    let carried = mail.attachment(0).unwrap();
    assert_eq!(carried.contents(), b"%PDF-1.4");
    assert!(
        mail.attachment(1).is_none(),
        "the large file is not carried"
    );
    let text = mail.body_text(0).unwrap();
    assert!(
        text.contains("Too large for email, on the ticket: firmware.bin"),
        "{text}"
    );

    // Files announced but not (yet) recorded: the job fails, nothing is
    // sent, and it can come back.
    let late = reply(1).await;
    let job = event(
        EventType::CommentCreated,
        &w.agent,
        ticket_subject(w.ticket, Some(late.id)),
        json!({"public": true, "files": 1}),
    );
    assert!(mailer.send(&job, Timestamp::now()).await.is_err());
    assert_eq!(outbox.sent.lock().unwrap().len(), 1);
}

/// The job as SQS hands it over: one record of a batch.
fn sqs_record(message_id: &str, job: &MailJob) -> aws_lambda_events::sqs::SqsMessage {
    let mut m = aws_lambda_events::sqs::SqsMessage::default();
    m.message_id = Some(message_id.into());
    m.body = Some(serde_json::to_string(job).unwrap());
    m
}

#[tokio::test]
async fn an_sqs_message_delivered_twice_at_once_and_again_later_mails_once() {
    let w = world().await;
    let outbox = Outbox::default();
    let mailer = mailer(&outbox).await;
    let job = opened_by_customer(&w);
    // Standard queues may hand the same message over twice, even in one
    // batch (handled concurrently), and again after a visibility timeout.
    let mut batch = aws_lambda_events::sqs::SqsEvent::default();
    batch.records = vec![sqs_record("m-1", &job), sqs_record("m-1", &job)];
    let first = email_worker::handle(&mailer, batch.clone()).await;
    let later = email_worker::handle(&mailer, batch).await;
    assert!(first.batch_item_failures.is_empty(), "{first:?}");
    assert!(later.batch_item_failures.is_empty(), "{later:?}");
    assert_eq!(outbox.sent.lock().unwrap().len(), 1, "one acknowledgement");
}
