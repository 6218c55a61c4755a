//! The email worker, `Mailer::send`, for mails that carry something: the
//! one-time link of an invitation or a password reset (minted when the mail
//! is written, working once), and a reply's files (carried up to the limit,
//! linked beyond it, waited for when announced but not yet recorded).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::outbox::{APP_URL, Outbox, read, text};
use channels_support::{fields, open_ticket};
use jiff::{SignedDuration, Timestamp};
use mail_parser::MimeHeaders;
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::input::{Credentials, NewUser, ResetConfirmation, ResetRequest};
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::recovery::Recovery;
use switchboard_domain::accounts::user::{Email, Password, Role};
use switchboard_domain::attachments::attachment::Attachment;
use switchboard_domain::attachments::ports::{AttachmentStore, ObjectStore};
use switchboard_domain::email::mailing::{MAIL_FILES_BYTES, Sent};
use switchboard_domain::email::outbound::MailKind;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::AttachmentId;
use switchboard_domain::tickets::comment::Comment;
use switchboard_domain::tickets::input::{Body, NewComment};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_testkit::fixtures;

/// The one-time token in a mail's text.
fn token_in(body: &str) -> String {
    body.split_whitespace()
        .find_map(|w| w.split("token=").nth(1))
        .expect("a link with a token")
        .to_owned()
}

async fn confirm(
    o: &Outbox,
    token: &str,
    password: &str,
    now: Timestamp,
) -> Result<(), DomainError> {
    Recovery::new(o.store.clone(), Passwords::owasp().unwrap())
        .confirm(
            ResetConfirmation {
                token: token.to_owned(),
                password: Password::parse(password.into()).unwrap(),
            },
            now,
        )
        .await
}

#[tokio::test]
async fn an_invited_person_gets_a_link_that_sets_their_password_once() {
    let o = Outbox::new().await;
    let email = format!("nia@{}.example", o.acme.tenant.slug.as_str());
    let nia = fixtures::directory(o.store.clone())
        .unwrap()
        .create_user(
            &o.acme.owner.principal,
            NewUser {
                name: "Nia New".into(),
                email: Email::parse(&email).unwrap(),
                role: Role::Agent,
                password: None,
            },
            o.clock.now(),
        )
        .await
        .unwrap();
    let job = o.job(EventType::UserCreated);
    let outcome = o.send(&job).await;
    assert!(
        matches!(
            outcome.as_slice(),
            [Sent::Sent {
                kind: MailKind::Invitation,
                ..
            }]
        ),
        "{outcome:?}"
    );
    assert_eq!(
        o.send(&job).await,
        [Sent::AlreadySent {
            kind: MailKind::Invitation
        }]
    );
    let sent = o.mailer.sent();
    assert_eq!(sent.len(), 1, "one link, however often the job comes");
    assert_eq!(sent[0].recipients, [email.as_str()]);
    let mail = read(&sent[0]);
    assert_eq!(mail.subject(), Some("You are invited to Acme Support"));
    assert!(mail.header_raw("Auto-Submitted").is_some());
    let body = text(&mail);
    let slug = o.acme.tenant.slug.as_str();
    assert!(
        body.contains(&format!("{APP_URL}/password?tenant={slug}&token=pwl_")),
        "{body}"
    );
    assert!(mail.reply_to().is_none(), "no ticket to reply to");

    let token = token_in(&body);
    confirm(&o, &token, "my own passphrase 12", o.clock.now())
        .await
        .unwrap();
    let signed = fixtures::accounts(o.store.clone())
        .unwrap()
        .login(
            Credentials::typed(slug, &email, "my own passphrase 12".into()),
            o.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(signed.user.id, nia.id);
    let again = confirm(&o, &token, "another passphrase 34", o.clock.now()).await;
    assert_eq!(fields(again), [("token".to_owned(), "invalid_token")]);
}

#[tokio::test]
async fn a_person_created_with_a_password_is_not_invited() {
    let o = Outbox::new().await;
    fixtures::directory(o.store.clone())
        .unwrap()
        .create_user(
            &o.acme.owner.principal,
            NewUser {
                name: "Pat Preset".into(),
                email: Email::parse("pat@example.com").unwrap(),
                role: Role::Customer,
                password: Some(Password::parse("a long enough password".into()).unwrap()),
            },
            o.clock.now(),
        )
        .await
        .unwrap();
    assert!(o.send(&o.job(EventType::UserCreated)).await.is_empty());
    assert!(o.mailer.sent().is_empty());
}

#[tokio::test]
async fn a_password_reset_request_mails_a_link_that_works_for_an_hour() {
    let o = Outbox::new().await;
    let recovery = Recovery::new(o.store.clone(), Passwords::owasp().unwrap());
    let agent = &o.acme.agent.user;
    let ask = || ResetRequest {
        tenant: o.acme.tenant.slug.clone(),
        email: agent.email.clone(),
    };
    recovery.request(ask(), o.clock.now()).await.unwrap();
    let event = o.event(EventType::PasswordResetRequested);
    assert!(
        !event.data.to_string().contains("pwl_"),
        "the event carries no token"
    );
    let job = switchboard_domain::email::mail_job::MailJob {
        event,
        notify: Vec::new(),
    };
    let outcome = o.send(&job).await;
    assert!(matches!(
        outcome.as_slice(),
        [Sent::Sent {
            kind: MailKind::PasswordReset,
            ..
        }]
    ));
    let sent = o.mailer.sent();
    let mail = read(&sent[0]);
    assert_eq!(mail.subject(), Some("Reset your Acme Support password"));
    assert_eq!(o.mailer.sent()[0].recipients, [agent.email.as_str()]);
    let late = o.clock.now() + SignedDuration::from_mins(61);
    let expired = confirm(&o, &token_in(&text(&mail)), "too late passphrase", late).await;
    assert_eq!(fields(expired), [("token".to_owned(), "invalid_token")]);

    o.clock.advance(SignedDuration::from_mins(6));
    recovery.request(ask(), o.clock.now()).await.unwrap();
    o.send(&o.job(EventType::PasswordResetRequested)).await;
    let sent = o.mailer.sent();
    let fresh = read(&sent[1]);
    let in_time = o.clock.now() + SignedDuration::from_mins(59);
    confirm(
        &o,
        &token_in(&text(&fresh)),
        "a brand new passphrase",
        in_time,
    )
    .await
    .unwrap();
}

/// A public reply announcing `files` files.
async fn reply_with_files(o: &Outbox, files: usize) -> Comment {
    let ticket = open_ticket(
        &o.store,
        &o.acme.customer.principal,
        "Firmware",
        o.clock.now(),
    )
    .await;
    o.store.take_events();
    Ticketing::new(o.store.clone())
        .add_comment(
            &o.acme.agent.principal,
            ticket.id,
            NewComment {
                files,
                ..NewComment::reply(Body::parse("The manual and the firmware.").unwrap())
            },
            None,
            o.clock.now(),
        )
        .await
        .unwrap()
        .into_inner()
        .0
}

fn file(o: &Outbox, comment: &Comment, name: &str, size: u64, public: bool) -> Attachment {
    Attachment {
        id: AttachmentId::new(),
        tenant_id: comment.tenant_id,
        ticket_id: comment.ticket_id,
        comment_id: Some(comment.id),
        public,
        filename: name.into(),
        content_type: "application/pdf".into(),
        size,
        uploaded_by: o.acme.agent.principal.actor(),
        created_at: o.clock.now(),
    }
}

#[tokio::test]
async fn a_reply_carries_its_files_and_links_those_too_large() {
    let o = Outbox::new().await;
    let comment = reply_with_files(&o, 2).await;
    let job = o.job(EventType::CommentCreated);
    let manual = file(&o, &comment, "manual.pdf", 8, true);
    let firmware = file(&o, &comment, "firmware.bin", MAIL_FILES_BYTES + 1, true);
    let hidden = file(&o, &comment, "internal.pdf", 8, false);
    for f in [&manual, &hidden] {
        o.objects.put(f, b"%PDF-1.4").await.unwrap();
    }
    o.store
        .attach(&[manual, firmware, hidden], &[])
        .await
        .unwrap();

    o.send(&job).await;
    let sent = o.mailer.sent();
    let mail = read(&sent[0]);
    let carried = mail.attachment(0).unwrap();
    assert_eq!(carried.attachment_name(), Some("manual.pdf"));
    assert_eq!(carried.contents(), b"%PDF-1.4");
    assert!(
        mail.attachment(1).is_none(),
        "neither the large file nor the internal one"
    );
    let body = text(&mail);
    let link = format!("{APP_URL}/tickets/{}", comment.ticket_id);
    assert!(
        body.contains(&format!(
            "Too large for email, on the ticket: firmware.bin ({link})"
        )),
        "{body}"
    );
    assert!(!body.contains("internal.pdf"), "{body}");
}

#[tokio::test]
async fn a_reply_whose_files_are_not_recorded_yet_fails_and_goes_out_once_they_are() {
    let o = Outbox::new().await;
    let comment = reply_with_files(&o, 1).await;
    let job = o.job(EventType::CommentCreated);
    let failed = o.worker.send(&job, o.clock.now()).await;
    assert!(
        matches!(failed, Err(StoreError::Unavailable(_))),
        "{failed:?}"
    );
    assert!(o.mailer.sent().is_empty());
    let log = file(&o, &comment, "log.pdf", 3, true);
    o.objects.put(&log, b"log").await.unwrap();
    o.store.attach(&[log], &[]).await.unwrap();
    let outcome = o.send(&job).await;
    assert!(
        matches!(
            outcome.as_slice(),
            [Sent::Sent {
                kind: MailKind::Reply,
                ..
            }]
        ),
        "{outcome:?}"
    );
    assert_eq!(
        read(&o.mailer.sent()[0]).attachment(0).unwrap().contents(),
        b"log"
    );
}
