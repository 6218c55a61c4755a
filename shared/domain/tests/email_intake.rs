//! Inbound email, `Intake::receive`: what a received message becomes (a new
//! ticket, nothing, a quarantined record) and that every decision is
//! recorded, nothing is lost and nothing is made twice. Threading onto
//! existing tickets is in `email_threading.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use channels_support::{kinds, message_id, one_of, raw_mail, replies};
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::events::UserCreated;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::tenant::TenantStatus;
use switchboard_domain::accounts::user::{Email, Role};
use switchboard_domain::attachments::ports::AttachmentStore;
use switchboard_domain::email::ports::Bounces;
use switchboard_domain::email::{Verdict, Verdicts};
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_domain::tickets::events::{CommentCreated, TicketCreated};
use switchboard_domain::tickets::ticket::{Channel, Priority, Status};
use switchboard_testkit::fixtures;

#[tokio::test]
async fn a_new_mail_opens_an_email_ticket_for_a_new_customer_with_the_mailbox_defaults() {
    let d = Desk::new().await;
    let raw = d.mail(
        "Ana Lopez <Ana@Example.com>",
        "Printer on fire",
        "Smoke everywhere.",
    );
    let decision = d.receive(&d.address, &raw).await;
    assert_eq!(
        (decision.decision.as_str(), decision.reason.as_str()),
        ("created", "a new conversation")
    );
    assert_eq!(decision.tenant_id, Some(d.acme.id()));

    let detail = d
        .ticketing
        .get(&d.acme.owner.principal, decision.ticket_id.unwrap())
        .await
        .unwrap();
    let ticket = &detail.ticket;
    assert_eq!(ticket.subject, "Printer on fire");
    assert_eq!(ticket.channel, Channel::Email);
    assert_eq!(ticket.priority, Priority::High, "the mailbox's priority");
    assert_eq!(ticket.team_id, Some(d.billing), "the mailbox's team");
    assert_eq!(ticket.status, Status::New);
    assert_eq!(detail.comments[0].body, "Smoke everywhere.");
    assert_eq!(Some(detail.comments[0].id), decision.comment_id);

    let ana = d
        .store
        .user_by_email(d.acme.id(), &Email::parse("ana@example.com").unwrap())
        .await
        .unwrap()
        .expect("the sender became a user");
    assert_eq!((ana.role, ana.name.as_str()), (Role::Customer, "Ana Lopez"));
    assert_eq!(ticket.requester_id, ana.id);

    let events = d.store.take_events();
    assert_eq!(
        kinds(&events),
        [
            EventType::UserCreated,
            EventType::TicketCreated,
            EventType::CommentCreated
        ]
    );
    let user = &events[0];
    assert_eq!(user.actor.kind, ActorType::Operator, "made by the intake");
    assert!(!user.payload::<UserCreated>().unwrap().invited, "no mail");
    let created = events[1].payload::<TicketCreated>().unwrap();
    assert_eq!(
        (created.channel, created.priority, created.team_id),
        (Channel::Email, Priority::High, Some(d.billing))
    );
    assert!(events[2].payload::<CommentCreated>().unwrap().opening);
    assert_eq!(d.recorded("created").await, ["Printer on fire"]);
}

#[tokio::test]
async fn a_known_sender_is_the_requester_and_no_user_is_made() {
    let d = Desk::new().await;
    let casey = d.acme.customer.user.email.as_str().to_owned();
    let decision = d
        .receive(&d.address, &d.mail(&casey, "Invoice", "Wrong total."))
        .await;
    let ticket = d.tickets().await.remove(0);
    assert_eq!(Some(ticket.id), decision.ticket_id);
    assert_eq!(ticket.requester_id, d.acme.customer.user.id);
    assert!(
        !kinds(&d.store.take_events()).contains(&EventType::UserCreated),
        "the sender is known"
    );
}

#[tokio::test]
async fn copied_people_become_participants_but_not_the_sender_or_switchboards_addresses() {
    let d = Desk::new().await;
    let reply_address = replies().address(d.acme.id(), 99);
    let raw = raw_mail(
        &[
            ("From", "ana@example.com"),
            ("To", &format!("{}, Bo <BO@example.com>", d.address)),
            (
                "Cc",
                &format!(
                    "cy@example.com, ana@example.com, {reply_address}, desk@{}",
                    channels_support::MAIL_DOMAIN
                ),
            ),
            ("Subject", "Office move"),
            ("Message-ID", &format!("<{}>", message_id())),
        ],
        "We move on Friday.",
    );
    d.receive(&d.address, &raw).await;
    let ticket = d.tickets().await.remove(0);
    let cc: Vec<&str> = ticket.cc.iter().map(String::as_str).collect();
    assert_eq!(cc, ["bo@example.com", "cy@example.com"]);
}

#[tokio::test]
async fn the_same_message_delivered_twice_is_a_duplicate_and_opens_one_ticket() {
    let d = Desk::new().await;
    let raw = d.mail("ana@example.com", "Scanner jams", "Again.");
    let first = d.receive(&d.address, &raw).await;
    d.store.take_events();
    let again = d.receive(&d.address, &raw).await;
    assert_eq!(again.decision, "duplicate");
    assert_eq!(again.reason, "Message-ID seen before (created)");
    assert_eq!(
        (again.ticket_id, again.comment_id),
        (first.ticket_id, first.comment_id)
    );
    assert_eq!(d.tickets().await.len(), 1);
    assert!(d.store.take_events().is_empty(), "nothing new happened");
    assert_eq!(d.recorded("created").await.len(), 1);
}

#[tokio::test]
async fn a_message_without_message_id_is_deduplicated_by_its_ses_id() {
    let d = Desk::new().await;
    let raw = raw_mail(
        &[
            ("From", "ana@example.com"),
            ("To", &d.address),
            ("Subject", "No id"),
        ],
        "Hello.",
    );
    let ok = Verdicts::default();
    let first = d.try_receive(&d.address, &raw, ok, "ses-a").await.unwrap();
    let again = d.try_receive(&d.address, &raw, ok, "ses-a").await.unwrap();
    let other = d.try_receive(&d.address, &raw, ok, "ses-b").await.unwrap();
    assert_eq!(first.decision, "created");
    assert_eq!(again.decision, "duplicate");
    assert_eq!(other.decision, "created", "another delivery, another mail");
    assert_ne!(other.ticket_id, first.ticket_id);
}

#[tokio::test]
async fn an_auto_reply_opens_no_ticket_and_is_recorded() {
    let d = Desk::new().await;
    for (headers, reason) in [
        (
            vec![("Auto-Submitted", "auto-replied")],
            "Auto-Submitted: auto-replied",
        ),
        (vec![("Precedence", "bulk")], "Precedence: bulk"),
        (vec![("List-Id", "<news.example.com>")], "mailing list"),
    ] {
        let id = format!("<{}>", message_id());
        let mut all = vec![
            ("From", "ana@example.com"),
            ("To", d.address.as_str()),
            ("Subject", "Away"),
            ("Message-ID", id.as_str()),
        ];
        all.extend(headers);
        let decision = d.receive(&d.address, &raw_mail(&all, "I am away.")).await;
        assert_eq!(
            (decision.decision.as_str(), decision.reason.as_str()),
            ("auto_reply", reason)
        );
        assert_eq!(decision.ticket_id, None);
    }
    let ooo = d.mail("ana@example.com", "Out of Office: back Monday", "Away.");
    assert_eq!(
        d.receive(&d.address, &ooo).await.reason,
        "subject starts with \"out of office\""
    );
    assert!(d.tickets().await.is_empty());
    assert!(d.store.take_events().is_empty(), "no user, no ticket");
    assert_eq!(d.recorded("auto_reply").await.len(), 4);
}

#[tokio::test]
async fn a_bounce_marks_the_failed_recipient_bouncing_and_opens_nothing() {
    let d = Desk::new().await;
    let raw = raw_mail(
        &[
            ("From", "MAILER-DAEMON@mx.example.com"),
            ("Return-Path", "<>"),
            ("X-Failed-Recipients", "Gone@Example.com"),
            ("To", &d.address),
            ("Subject", "Undelivered Mail Returned to Sender"),
            ("Message-ID", &format!("<{}>", message_id())),
        ],
        "No such user.",
    );
    let decision = d.receive(&d.address, &raw).await;
    assert_eq!(
        (decision.decision.as_str(), decision.reason.as_str()),
        ("bounce", "bounced: gone@example.com")
    );
    assert!(
        d.store
            .is_bouncing(d.acme.id(), "gone@example.com")
            .await
            .unwrap()
    );
    assert!(
        !d.store
            .is_bouncing(d.acme.id(), "mailer-daemon@mx.example.com")
            .await
            .unwrap()
    );
    assert!(d.tickets().await.is_empty());
    assert_eq!(d.recorded("bounce").await.len(), 1);
}

#[tokio::test]
async fn infected_or_spam_mail_is_quarantined_for_review_newest_first() {
    let d = Desk::new().await;
    let virus = Verdicts {
        virus: Verdict::Fail,
        spam: Verdict::Pass,
        ..Verdicts::default()
    };
    let spam = Verdicts {
        virus: Verdict::Pass,
        spam: Verdict::Fail,
        ..Verdicts::default()
    };
    let first = d.mail("x@example.com", "Invoice attached", "Open it.");
    let decision = d
        .try_receive(&d.address, &first, virus, "s1")
        .await
        .unwrap();
    assert_eq!(
        (decision.decision.as_str(), decision.reason.as_str()),
        ("quarantined", "virus verdict FAIL")
    );
    d.clock.advance(jiff::SignedDuration::from_secs(5));
    let second = d.mail("y@example.com", "Cheap pills", "Buy.");
    let decision = d
        .try_receive(&d.address, &second, spam, "s2")
        .await
        .unwrap();
    assert_eq!(decision.reason, "spam verdict FAIL");
    let gray = Verdicts {
        virus: Verdict::Gray,
        spam: Verdict::Gray,
        ..Verdicts::default()
    };
    let third = d.mail("z@example.com", "Real question", "Hi.");
    assert_eq!(
        d.try_receive(&d.address, &third, gray, "s3")
            .await
            .unwrap()
            .decision,
        "created",
        "only FAIL quarantines"
    );
    assert_eq!(
        d.recorded("quarantined").await,
        ["Cheap pills", "Invoice attached"]
    );
    assert_eq!(d.tickets().await.len(), 1);
}

#[tokio::test]
async fn mail_to_an_address_nobody_has_is_dropped_and_recorded_nowhere() {
    let d = Desk::new().await;
    let stranger = "nobody@elsewhere.example";
    let decision = d
        .receive(stranger, &d.mail("x@example.com", "Hi", "Hi."))
        .await;
    assert_eq!(decision.decision, "dropped");
    assert_eq!(decision.tenant_id, None);
    let forged =
        switchboard_domain::email::ReplyAddresses::new(channels_support::MAIL_DOMAIN, [9; 32])
            .address(d.acme.id(), 1);
    let decision = d
        .receive(&forged, &d.mail("x@example.com", "Re: Hi", "Hi."))
        .await;
    assert_eq!(
        decision.reason,
        "no mailbox or valid reply address has this address"
    );
    assert!(d.recorded("dropped").await.is_empty());
    assert!(d.store.take_events().is_empty());
}

#[tokio::test]
async fn mail_without_a_sender_is_dropped_and_recorded() {
    let d = Desk::new().await;
    let raw = raw_mail(
        &[
            ("To", &d.address),
            ("Subject", "Who am I"),
            ("Message-ID", &format!("<{}>", message_id())),
        ],
        "Anonymous.",
    );
    let decision = d.receive(&d.address, &raw).await;
    assert_eq!(
        (decision.decision.as_str(), decision.reason.as_str()),
        ("dropped", "no sender")
    );
    assert_eq!(d.recorded("dropped").await, ["Who am I"]);
}

#[tokio::test]
async fn mail_to_a_suspended_helpdesk_opens_nothing() {
    let d = Desk::new().await;
    fixtures::accounts(d.store.clone())
        .unwrap()
        .set_tenant_status(d.acme.id(), TenantStatus::Suspended, d.clock.now())
        .await
        .unwrap();
    d.store.take_events();
    let decision = d
        .receive(&d.address, &d.mail("ana@example.com", "Hello", "Hi."))
        .await;
    assert_eq!(
        (decision.decision.as_str(), decision.reason.as_str()),
        ("dropped", "the helpdesk is suspended or the sender invalid")
    );
    assert!(d.store.take_events().is_empty(), "no user was made");
}

#[tokio::test]
async fn files_become_attachments_and_refused_ones_are_listed_on_the_comment() {
    let d = Desk::new().await;
    let raw = format!(
        "From: ana@example.com\r\nTo: {}\r\nSubject: Photos\r\nMessage-ID: <{}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nHere are photos.\r\n\
         --b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=jam.png\r\n\
         Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
         --b\r\nContent-Type: application/x-msdownload\r\nContent-Disposition: attachment; filename=fix.exe\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n",
        d.address,
        message_id()
    );
    let decision = d.receive(&d.address, &raw).await;
    let ticket = decision.ticket_id.unwrap();
    let detail = d
        .ticketing
        .get(&d.acme.owner.principal, ticket)
        .await
        .unwrap();
    let body = &detail.comments[0].body;
    assert!(body.starts_with("Here are photos."), "{body}");
    assert!(
        body.contains("[Not attached:\n- fix.exe (executables and scripts cannot be attached)]"),
        "{body}"
    );
    let files = d.store.attachments(d.acme.id(), ticket).await.unwrap();
    assert_eq!(files.len(), 1);
    let png = &files[0];
    assert_eq!(
        (png.filename.as_str(), png.content_type.as_str(), png.size),
        ("jam.png", "image/png", 8)
    );
    assert_eq!(png.comment_id, decision.comment_id);
    assert!(png.public);
    assert_eq!(d.objects.file(png).unwrap().bytes, b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn an_empty_subject_and_body_still_open_a_ticket() {
    let d = Desk::new().await;
    let raw = raw_mail(
        &[
            ("From", "ana@example.com"),
            ("To", &d.address),
            ("Message-ID", &format!("<{}>", message_id())),
        ],
        "",
    );
    let decision = d.receive(&d.address, &raw).await;
    let detail = d
        .ticketing
        .get(&d.acme.owner.principal, decision.ticket_id.unwrap())
        .await
        .unwrap();
    assert_eq!(detail.ticket.subject, "(no subject)");
    assert_eq!(detail.comments[0].body, "(no text)");
}

#[tokio::test]
async fn a_decision_that_could_not_be_recorded_is_taken_again_without_a_second_ticket() {
    let d = Desk::new().await;
    let raw = d.mail("ana@example.com", "Refund", "Charged twice.");
    d.store
        .fail_next_call_to("record_message", StoreError::Unavailable("injected".into()));
    let failed = d
        .try_receive(&d.address, &raw, Verdicts::default(), "s")
        .await;
    assert!(
        matches!(failed, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{failed:?}"
    );
    let first_events = d.store.take_events();
    let ticket = one_of(&first_events, EventType::TicketCreated)
        .subject
        .ticket_id;

    // SES tries again: the same ticket, recorded this time.
    let retried = d.receive(&d.address, &raw).await;
    assert_eq!(retried.decision, "created");
    assert_eq!(retried.ticket_id, ticket);
    assert_eq!(d.tickets().await.len(), 1);
    assert!(d.store.take_events().is_empty(), "no event twice");
    assert_eq!(d.recorded("created").await, ["Refund"]);
}

#[tokio::test]
async fn files_of_a_mail_whose_first_try_failed_are_attached_on_the_retry() {
    let d = Desk::new().await;
    let raw = format!(
        "From: ana@example.com\r\nTo: {}\r\nSubject: Log\r\nMessage-ID: <{}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe log.\r\n\
         --b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\nline 1\r\n--b--\r\n",
        d.address,
        message_id()
    );
    // The bucket fails once, after the ticket was written.
    d.objects
        .fail_next(StoreError::Unavailable("injected".into()));
    assert!(
        d.try_receive(&d.address, &raw, Verdicts::default(), "s")
            .await
            .is_err()
    );
    let retried = d.receive(&d.address, &raw).await;
    let files = d
        .store
        .attachments(d.acme.id(), retried.ticket_id.unwrap())
        .await
        .unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["log.txt"], "the file of the mail is kept");
}
