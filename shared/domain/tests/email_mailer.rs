//! The email worker, `Mailer::send`, on ticket events: acknowledgements and
//! agents' replies (with the participants copied), never an internal note,
//! nothing to bouncing addresses, each mail once however often the job
//! comes, and replies to what it sent threaded back. Password links and
//! files are in `email_mailer_links.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use channels_support::outbox::{APP_URL, Outbox, read, text};
use channels_support::{MAIL_DOMAIN, open_ticket, open_with, page, raw_mail, replies};
use switchboard_domain::StoreError;
use switchboard_domain::accounts::tenant::TenantStatus;
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::mailboxes::{MailboxInput, Mailboxes};
use switchboard_domain::email::mailing::{MailSettings, Mailer, Sent};
use switchboard_domain::email::outbound::{MailKind, Notified};
use switchboard_domain::email::ports::{Bounces, MessageLog};
use switchboard_domain::email::thread_id;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::notifications::notification::NotificationKind;
use switchboard_domain::tickets::comment::Comment;
use switchboard_domain::tickets::input::{Body, NewComment, NewTicket, RequesterRef};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::Ticket;
use switchboard_testkit::{MemoryMailer, fixtures};

/// A comment `who` adds; its `comment.created` job follows.
async fn comment(
    o: &Outbox,
    who: &switchboard_domain::accounts::permissions::Principal,
    ticket: &Ticket,
    input: NewComment,
) -> (Comment, MailJob) {
    let c = Ticketing::new(o.store.clone())
        .add_comment(who, ticket.id, input, None, o.clock.now())
        .await
        .unwrap()
        .into_inner()
        .0;
    (c, o.job(EventType::CommentCreated))
}

fn reply(text: &str) -> NewComment {
    NewComment::reply(Body::parse(text).unwrap())
}

/// A ticket the customer opens with Bo copied, and its events taken.
async fn copied_ticket(o: &Outbox) -> Ticket {
    let t = open_with(
        &o.store,
        &o.acme.customer.principal,
        "Printer on fire",
        |t| NewTicket {
            cc: ["bo@example.com".to_owned()].into(),
            ..t
        },
        o.clock.now(),
    )
    .await;
    o.store.take_events();
    t
}

#[tokio::test]
async fn a_customers_new_ticket_is_acknowledged_once_with_a_signed_reply_address() {
    let o = Outbox::new().await;
    let ticket = open_ticket(
        &o.store,
        &o.acme.customer.principal,
        "Printer on fire",
        o.clock.now(),
    )
    .await;
    let job = o.job(EventType::TicketCreated);
    let first = o.send(&job).await;
    let [
        Sent::Sent {
            kind: MailKind::Acknowledgement,
            provider_id,
        },
    ] = first.as_slice()
    else {
        panic!("{first:?}");
    };
    assert_eq!(
        o.send(&job).await,
        [Sent::AlreadySent {
            kind: MailKind::Acknowledgement
        }],
        "a redelivered job sends nothing"
    );
    let sent = o.mailer.sent();
    assert_eq!(sent.len(), 1);
    let customer = o.acme.customer.user.email.as_str();
    assert_eq!(sent[0].recipients, [customer]);
    assert_eq!(&sent[0].provider_id, provider_id);
    let slug = o.acme.tenant.slug.as_str();
    assert_eq!(sent[0].from, format!("{slug}@{MAIL_DOMAIN}"));

    let mail = read(&sent[0]);
    assert_eq!(
        mail.subject(),
        Some(format!("[#{}] Printer on fire", ticket.number).as_str())
    );
    let reply_to = mail.reply_to().unwrap().first().unwrap().address().unwrap();
    assert_eq!(
        replies().verify(reply_to),
        Some((o.acme.id(), ticket.number))
    );
    assert_eq!(
        mail.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    assert_eq!(
        mail.header_raw("X-Auto-Response-Suppress").map(str::trim),
        Some("All")
    );
    let body = text(&mail);
    assert!(body.starts_with("Hello Casey Customer,"), "{body}");
    assert!(
        body.contains(&format!("gave it the number #{}", ticket.number)),
        "{body}"
    );
    assert!(mail.body_html(0).is_some());

    // Recorded as sent, under our Message-ID and SES's.
    let own = thread_id(mail.message_id().unwrap());
    let ses = thread_id(&format!("{provider_id}@email.amazonses.com"));
    for id in [own, ses] {
        let record = o.store.message(o.acme.id(), &id).await.unwrap().unwrap();
        assert_eq!(
            (record.decision.as_str(), record.ticket_id),
            ("sent", Some(ticket.id))
        );
        assert_eq!(record.reason, format!("acknowledgement to {customer}"));
    }
    let listed = Mailboxes::new(
        o.store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    )
    .messages(&o.acme.owner.principal, "sent", &page(10))
    .await
    .unwrap();
    assert_eq!(listed.items.len(), 1, "the alias is found, not listed");
}

#[tokio::test]
async fn a_ticket_staff_open_for_themselves_is_not_acknowledged_but_one_for_a_customer_is() {
    let o = Outbox::new().await;
    open_ticket(
        &o.store,
        &o.acme.agent.principal,
        "Internal task",
        o.clock.now(),
    )
    .await;
    assert!(o.send(&o.job(EventType::TicketCreated)).await.is_empty());
    open_with(
        &o.store,
        &o.acme.agent.principal,
        "Phoned in",
        |t| NewTicket {
            requester: Some(RequesterRef::Email {
                email: switchboard_domain::accounts::user::Email::parse("dana@example.com")
                    .unwrap(),
                name: Some("Dana".into()),
            }),
            ..t
        },
        o.clock.now(),
    )
    .await;
    let outcome = o.send(&o.job(EventType::TicketCreated)).await;
    assert!(matches!(
        outcome.as_slice(),
        [Sent::Sent {
            kind: MailKind::Acknowledgement,
            ..
        }]
    ));
    assert_eq!(o.mailer.sent()[0].recipients, ["dana@example.com"]);
}

#[tokio::test]
async fn an_agents_public_reply_goes_to_the_requester_with_the_participants_copied() {
    let o = Outbox::new().await;
    let ticket = copied_ticket(&o).await;
    let (_, job) = comment(
        &o,
        &o.acme.agent.principal,
        &ticket,
        reply("We sent a technician."),
    )
    .await;
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
    let sent = o.mailer.sent();
    assert_eq!(
        sent[0].recipients,
        [o.acme.customer.user.email.as_str(), "bo@example.com"]
    );
    let mail = read(&sent[0]);
    assert_eq!(
        mail.cc().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("bo@example.com")
    );
    assert_eq!(
        mail.subject(),
        Some(format!("Re: [#{}] Printer on fire", ticket.number).as_str())
    );
    let body = text(&mail);
    assert!(body.starts_with("We sent a technician."), "{body}");
    assert!(body.contains("— Alex Agent, Acme Support"), "{body}");
    assert!(
        mail.header_raw("Auto-Submitted").is_none(),
        "a person wrote it"
    );
    let reply_to = mail.reply_to().unwrap().first().unwrap().address().unwrap();
    assert_eq!(
        replies().verify(reply_to),
        Some((o.acme.id(), ticket.number))
    );
    let references = mail.references().as_text_list().unwrap();
    assert!(
        references[0].starts_with("ticket."),
        "the conversation's thread: {references:?}"
    );
    assert_eq!(
        o.send(&job).await,
        [Sent::AlreadySent {
            kind: MailKind::Reply
        }]
    );
    assert_eq!(o.mailer.sent().len(), 1);
}

#[tokio::test]
async fn an_internal_note_the_requesters_own_reply_and_the_opening_message_are_never_mailed() {
    let o = Outbox::new().await;
    let ticket = copied_ticket(&o).await;
    let note = NewComment::note(Body::parse("The customer is grumpy.").unwrap());
    let (_, job) = comment(&o, &o.acme.agent.principal, &ticket, note).await;
    assert!(o.send(&job).await.is_empty());
    let (_, job) = comment(&o, &o.acme.customer.principal, &ticket, reply("Any news?")).await;
    assert!(o.send(&job).await.is_empty());
    open_ticket(
        &o.store,
        &o.acme.customer.principal,
        "Another",
        o.clock.now(),
    )
    .await;
    let opening = MailJob {
        event: channels_support::one_of(&o.store.take_events(), EventType::CommentCreated),
        notify: Vec::new(),
    };
    assert!(o.send(&opening).await.is_empty());
    assert!(o.mailer.sent().is_empty());
}

#[tokio::test]
async fn nothing_is_sent_to_a_bouncing_address_and_a_bouncing_participant_is_left_off() {
    let o = Outbox::new().await;
    let ticket = copied_ticket(&o).await;
    o.store
        .mark_bouncing(o.acme.id(), "BO@example.com", o.clock.now())
        .await
        .unwrap();
    let (_, job) = comment(&o, &o.acme.agent.principal, &ticket, reply("First answer.")).await;
    o.send(&job).await;
    assert_eq!(
        o.mailer.sent()[0].recipients,
        [o.acme.customer.user.email.as_str()]
    );
    assert!(read(&o.mailer.sent()[0]).cc().is_none());

    let customer = o.acme.customer.user.email.as_str();
    o.store
        .mark_bouncing(o.acme.id(), customer, o.clock.now())
        .await
        .unwrap();
    let (_, job) = comment(
        &o,
        &o.acme.agent.principal,
        &ticket,
        reply("Second answer."),
    )
    .await;
    assert_eq!(
        o.send(&job).await,
        [Sent::Bouncing {
            kind: MailKind::Reply
        }]
    );
    assert_eq!(o.mailer.sent().len(), 1);
}

#[tokio::test]
async fn a_failed_send_gives_its_claim_back_so_the_retry_sends_exactly_once() {
    let o = Outbox::new().await;
    open_ticket(
        &o.store,
        &o.acme.customer.principal,
        "Refund",
        o.clock.now(),
    )
    .await;
    let job = o.job(EventType::TicketCreated);
    o.mailer
        .fail_next(StoreError::Unavailable("SES is down".into()));
    let failed = o.worker.send(&job, o.clock.now()).await;
    assert!(
        matches!(failed, Err(StoreError::Unavailable(_))),
        "{failed:?}"
    );
    assert!(o.mailer.sent().is_empty());
    assert!(matches!(o.send(&job).await.as_slice(), [Sent::Sent { .. }]));
    assert_eq!(
        o.send(&job).await,
        [Sent::AlreadySent {
            kind: MailKind::Acknowledgement
        }]
    );
    assert_eq!(o.mailer.sent().len(), 1);
}

#[tokio::test]
async fn a_mail_sent_but_not_indexed_does_not_fail_the_job_nor_go_out_twice() {
    let o = Outbox::new().await;
    open_ticket(
        &o.store,
        &o.acme.customer.principal,
        "Refund",
        o.clock.now(),
    )
    .await;
    let job = o.job(EventType::TicketCreated);
    o.store
        .fail_next_call_to("record_message", StoreError::Unavailable("injected".into()));
    assert!(matches!(o.send(&job).await.as_slice(), [Sent::Sent { .. }]));
    let own = thread_id(read(&o.mailer.sent()[0]).message_id().unwrap());
    assert_eq!(o.store.message(o.acme.id(), &own).await.unwrap(), None);
    assert_eq!(
        o.send(&job).await,
        [Sent::AlreadySent {
            kind: MailKind::Acknowledgement
        }]
    );
    assert_eq!(o.mailer.sent().len(), 1);
}

#[tokio::test]
async fn a_suspended_helpdesk_and_a_deactivated_requester_get_no_mail() {
    let o = Outbox::new().await;
    let ticket = open_ticket(
        &o.store,
        &o.acme.customer.principal,
        "Refund",
        o.clock.now(),
    )
    .await;
    let job = o.job(EventType::TicketCreated);
    fixtures::directory(o.store.clone())
        .unwrap()
        .deactivate_user(&o.acme.owner.principal, ticket.requester_id, o.clock.now())
        .await
        .unwrap();
    assert!(o.send(&job).await.is_empty(), "deactivated");

    let other = Outbox::new().await;
    open_ticket(
        &other.store,
        &other.acme.customer.principal,
        "Refund",
        other.clock.now(),
    )
    .await;
    let job = other.job(EventType::TicketCreated);
    fixtures::accounts(other.store.clone())
        .unwrap()
        .set_tenant_status(other.acme.id(), TenantStatus::Suspended, other.clock.now())
        .await
        .unwrap();
    assert!(other.send(&job).await.is_empty(), "suspended");
    assert!(o.mailer.sent().is_empty() && other.mailer.sent().is_empty());
}

#[tokio::test]
async fn a_mailbox_on_the_mail_domain_sends_as_itself_under_the_first_mailboxs_name() {
    let o = Outbox::new().await;
    let boxes = Mailboxes::new(
        o.store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let owner = &o.acme.owner.principal;
    let own_domain = format!("help@{}.example", o.acme.tenant.slug.as_str());
    boxes
        .create(
            owner,
            MailboxInput {
                address: Some(own_domain),
                from_name: Some("Acme Help".into()),
                ..MailboxInput::default()
            },
            o.clock.now(),
        )
        .await
        .unwrap();
    o.clock.advance(jiff::SignedDuration::from_secs(1));
    let on_domain = format!("{}+desk@{MAIL_DOMAIN}", o.acme.tenant.slug.as_str());
    boxes
        .create(
            owner,
            MailboxInput {
                address: Some(on_domain.clone()),
                from_name: Some("Desk".into()),
                ..MailboxInput::default()
            },
            o.clock.now(),
        )
        .await
        .unwrap();
    open_ticket(
        &o.store,
        &o.acme.customer.principal,
        "Refund",
        o.clock.now(),
    )
    .await;
    o.send(&o.job(EventType::TicketCreated)).await;
    let sent = &o.mailer.sent()[0];
    assert_eq!(sent.from, on_domain);
    let mail = read(sent);
    let from = mail.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Acme Help"), Some(on_domain.as_str()))
    );
    assert!(text(&mail).ends_with("— Acme Help"), "{}", text(&mail));
}

#[tokio::test]
async fn a_customer_answering_a_mailed_reply_is_threaded_by_its_message_id() {
    let d = Desk::new().await;
    let first = raw_mail(
        &[
            ("From", "ana@example.com"),
            ("To", &d.address),
            ("Subject", "Scanner"),
            (
                "Message-ID",
                &format!("<{}>", channels_support::message_id()),
            ),
        ],
        "It jams.",
    );
    let ticket = d.receive(&d.address, &first).await.ticket_id.unwrap();
    d.store.take_events();
    d.ticketing
        .add_comment(
            &d.acme.agent.principal,
            ticket,
            reply("Open the tray."),
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    let event = channels_support::one_of(&d.store.take_events(), EventType::CommentCreated);
    let mailer = MemoryMailer::new();
    let worker = Mailer::new(
        d.store.clone(),
        mailer.clone(),
        d.objects.clone(),
        MailSettings {
            app_url: APP_URL.into(),
            replies: replies(),
            surveys: [5; 32],
        },
    );
    worker
        .send(
            &MailJob {
                event,
                notify: Vec::new(),
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    let sent = mailer.sent().remove(0);
    let ours = read(&sent).message_id().unwrap().to_owned();
    for (n, in_reply_to) in [
        ours.clone(),
        format!("{}@email.amazonses.com", sent.provider_id),
    ]
    .into_iter()
    .enumerate()
    {
        // Sent to the mailbox, not the reply address: only the id threads.
        let answer = raw_mail(
            &[
                ("From", "ana@example.com"),
                ("To", &d.address),
                ("Subject", &format!("Thanks {n}")),
                (
                    "Message-ID",
                    &format!("<{}>", channels_support::message_id()),
                ),
                ("In-Reply-To", &format!("<{in_reply_to}>")),
            ],
            "That worked.",
        );
        let decision = d.receive(&d.address, &answer).await;
        assert_eq!(
            (decision.decision.as_str(), decision.ticket_id),
            ("threaded", Some(ticket)),
            "{in_reply_to}"
        );
    }
    assert_eq!(d.detail(ticket).await.comments.len(), 4);
}

#[tokio::test]
async fn notices_go_to_staff_who_asked_for_them_and_never_to_customers() {
    let o = Outbox::new().await;
    let ticket = copied_ticket(&o).await;
    let (_, mut job) = comment(&o, &o.acme.customer.principal, &ticket, reply("Hello?")).await;
    job.notify = vec![
        Notified {
            user_id: o.acme.agent.user.id,
            kind: NotificationKind::CustomerReplied,
        },
        Notified {
            user_id: o.acme.customer.user.id,
            kind: NotificationKind::StatusChanged,
        },
    ];
    let outcome = o.send(&job).await;
    assert!(
        matches!(
            outcome.as_slice(),
            [Sent::Sent {
                kind: MailKind::Notice,
                ..
            }]
        ),
        "{outcome:?}"
    );
    let sent = o.mailer.sent();
    assert_eq!(sent[0].recipients, [o.acme.agent.user.email.as_str()]);
    let mail = read(&sent[0]);
    let body = text(&mail);
    assert!(
        body.contains(&format!(
            "Ticket #{} has a new reply from the customer.",
            ticket.number
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!("{APP_URL}/tickets/{}", ticket.id)),
        "{body}"
    );
    assert!(mail.header_raw("Auto-Submitted").is_some());
    assert!(mail.attachment(0).is_none());
    assert_eq!(
        o.send(&job).await,
        [Sent::AlreadySent {
            kind: MailKind::Notice
        }]
    );
}

#[tokio::test]
async fn participants_get_the_reply_when_the_requesters_address_bounces() {
    let o = Outbox::new().await;
    let ticket = copied_ticket(&o).await;
    let customer = o.acme.customer.user.email.as_str();
    o.store
        .mark_bouncing(o.acme.id(), customer, o.clock.now())
        .await
        .unwrap();
    let (_, job) = comment(&o, &o.acme.agent.principal, &ticket, reply("Fixed.")).await;
    o.send(&job).await;
    let sent = o.mailer.sent();
    assert_eq!(sent.len(), 1, "Bo is copied and his address works");
    assert_eq!(sent[0].recipients, ["bo@example.com"]);
}

#[tokio::test]
async fn mails_continue_the_customers_thread_answering_their_latest_message() {
    let d = Desk::new().await;
    let (first, second) = (
        channels_support::message_id(),
        channels_support::message_id(),
    );
    let opening = raw_mail(
        &[
            ("From", "ana@example.com"),
            ("To", &d.address),
            ("Subject", "Scanner"),
            ("Message-ID", &format!("<{first}>")),
        ],
        "It jams.",
    );
    let ticket = d.receive(&d.address, &opening).await.ticket_id.unwrap();
    let number = d.detail(ticket).await.ticket.number;
    let mailer = MemoryMailer::new();
    let worker = Mailer::new(
        d.store.clone(),
        mailer.clone(),
        d.objects.clone(),
        MailSettings {
            app_url: APP_URL.into(),
            replies: replies(),
            surveys: [5; 32],
        },
    );
    let job = |event| MailJob {
        event,
        notify: Vec::new(),
    };
    let created = channels_support::one_of(&d.store.take_events(), EventType::TicketCreated);
    worker.send(&job(created), d.clock.now()).await.unwrap();
    let acks = mailer.sent();
    let ack = read(&acks[0]);
    assert_eq!(
        ack.in_reply_to().as_text(),
        Some(first.as_str()),
        "the acknowledgement answers the customer's mail"
    );

    // Her second mail comes later: comments are ordered by their ids, ULIDs
    // of the wall clock, which order nothing within one millisecond.
    d.clock.advance(jiff::SignedDuration::from_secs(60));
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let again = raw_mail(
        &[
            ("From", "ana@example.com"),
            ("To", &d.address),
            ("Subject", &format!("Re: [#{number}] Scanner")),
            ("Message-ID", &format!("<{second}>")),
        ],
        "Still jams.",
    );
    assert_eq!(d.receive(&d.address, &again).await.decision, "threaded");
    d.store.take_events();
    d.ticketing
        .add_comment(
            &d.acme.agent.principal,
            ticket,
            reply("Open the tray."),
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    let event = channels_support::one_of(&d.store.take_events(), EventType::CommentCreated);
    worker.send(&job(event), d.clock.now()).await.unwrap();
    let sent = mailer.sent();
    let mail = read(&sent[1]);
    let own = mail.message_id().unwrap();
    assert_eq!(mail.in_reply_to().as_text(), Some(second.as_str()));
    let references: Vec<String> = mail
        .references()
        .as_text_list()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert!(references[0].starts_with("ticket."), "{references:?}");
    assert_eq!(&references[1..], [first.clone(), second.clone()]);
    assert!(!references.iter().any(|r| r == own), "{references:?}");
}
