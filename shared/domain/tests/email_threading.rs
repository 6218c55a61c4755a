//! Inbound email, `Intake::receive` onto existing tickets: a reply is
//! threaded by the signed reply address, by In-Reply-To/References, or by a
//! `[#n]` tag from the requester or a participant; closed, deleted and
//! other people's tickets take no replies (a new ticket opens instead), and
//! another helpdesk's threads never match.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use channels_support::{kinds, message_id, one_of, raw_mail, replies};
use switchboard_domain::StoreError;
use switchboard_domain::email::Verdicts;
use switchboard_domain::email::intake::Decision;
use switchboard_domain::email::mailboxes::{MailboxInput, Mailboxes};
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::tickets::events::{CommentCreated, StatusChanged};
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::ticket::{Status, Ticket};

/// A mail Ana sends opening a ticket; its Message-ID and the ticket.
async fn opened(d: &Desk, extra: &[(&str, &str)]) -> (String, Ticket) {
    let id = message_id();
    let bracketed = format!("<{id}>");
    let mut headers = vec![
        ("From", "Ana <ana@example.com>"),
        ("To", d.address.as_str()),
        ("Subject", "Printer on fire"),
        ("Message-ID", bracketed.as_str()),
    ];
    headers.extend_from_slice(extra);
    let decision = d
        .receive(&d.address, &raw_mail(&headers, "Smoke everywhere."))
        .await;
    assert_eq!(decision.decision, "created");
    let ticket = d.detail(decision.ticket_id.unwrap()).await.ticket;
    d.store.take_events();
    (id, ticket)
}

/// A reply from `from` to `to` with these headers besides From, To and a
/// fresh Message-ID.
async fn reply(d: &Desk, from: &str, to: &str, headers: &[(&str, &str)], body: &str) -> Decision {
    let id = format!("<{}>", message_id());
    let mut all = vec![("From", from), ("To", to), ("Message-ID", id.as_str())];
    all.extend_from_slice(headers);
    d.receive(to, &raw_mail(&all, body)).await
}

async fn set_status(d: &Desk, ticket: TicketId, status: Status) {
    d.ticketing
        .update(
            &d.acme.agent.principal,
            ticket,
            TicketPatch {
                status: Some(status),
                ..TicketPatch::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    d.store.take_events();
}

#[tokio::test]
async fn a_reply_to_the_signed_reply_address_threads_onto_its_ticket_with_only_its_new_text() {
    let d = Desk::new().await;
    let (_, ticket) = opened(&d, &[]).await;
    let to = replies().address(d.acme.id(), ticket.number);
    let decision = reply(
        &d,
        "ana@example.com",
        &to,
        &[("Subject", "photos")],
        "Still broken.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Support <x@y.example> wrote:\n> Please restart it.",
    )
    .await;
    assert_eq!(
        (decision.decision.as_str(), decision.reason.as_str()),
        ("threaded", "its signed reply address")
    );
    assert_eq!(decision.ticket_id, Some(ticket.id));
    let detail = d.detail(ticket.id).await;
    assert_eq!(detail.comments.len(), 2);
    // Comments made in one millisecond may list in either order.
    let comment = detail
        .comments
        .iter()
        .find(|c| Some(c.id) == decision.comment_id)
        .unwrap();
    assert_eq!(comment.body, "Still broken.", "the quote is cut");
    assert_eq!(
        comment.mail.as_ref().map(|m| m.quoted.as_str()),
        Some("On Mon, Nov 23, 2026 at 10:00 AM Support <x@y.example> wrote:\n> Please restart it."),
        "and kept as quoted text"
    );
    assert!(comment.public);
    assert_eq!(comment.author_id, Some(ticket.requester_id));

    let events = d.store.take_events();
    assert_eq!(kinds(&events), [EventType::CommentCreated]);
    assert_eq!(events[0].actor.kind, ActorType::User);
    let created = events[0].payload::<CommentCreated>().unwrap();
    assert!(created.public && !created.opening);
    assert_eq!(d.recorded("threaded").await, ["photos"]);
}

#[tokio::test]
async fn a_customer_answering_below_the_quote_keeps_every_word() {
    let d = Desk::new().await;
    let (_, ticket) = opened(&d, &[]).await;
    let to = replies().address(d.acme.id(), ticket.number);
    let text = "Hi,\n\nOn Mon, Nov 23, 2026 at 10:00 AM Support <x@y.example> wrote:\n> What is the serial number?\n\nIt is XK-4471-B.\n\nAna";
    let decision = reply(&d, "ana@example.com", &to, &[("Subject", "Re: x")], text).await;
    let detail = d.detail(ticket.id).await;
    let comment = detail
        .comments
        .iter()
        .find(|c| Some(c.id) == decision.comment_id)
        .unwrap();
    assert_eq!(comment.body, text);
    assert_eq!(comment.mail.as_ref().map(|m| m.quoted.as_str()), Some(""));
}

#[tokio::test]
async fn a_reply_threads_by_in_reply_to_or_else_by_references() {
    let d = Desk::new().await;
    let (first, ticket) = opened(&d, &[]).await;
    let by_reply = reply(
        &d,
        "ana@example.com",
        &d.address,
        &[
            ("Subject", "Re: Printer on fire"),
            ("In-Reply-To", &format!("<{first}>")),
        ],
        "Still smoking.",
    )
    .await;
    assert_eq!(
        (by_reply.decision.as_str(), by_reply.ticket_id),
        ("threaded", Some(ticket.id))
    );
    assert_eq!(by_reply.reason, format!("In-Reply-To/References <{first}>"));

    let unknown = message_id();
    let by_references = reply(
        &d,
        "ana@example.com",
        &d.address,
        &[
            ("Subject", "Re: Re: Printer on fire"),
            ("In-Reply-To", &format!("<{unknown}>")),
            ("References", &format!("<{first}> <{unknown}>")),
        ],
        "And now the fax.",
    )
    .await;
    assert_eq!(by_references.ticket_id, Some(ticket.id));
    assert_eq!(
        by_references.reason,
        format!("In-Reply-To/References <{first}>")
    );
    assert_eq!(d.detail(ticket.id).await.comments.len(), 3);
}

#[tokio::test]
async fn a_subject_tag_threads_a_reply_from_the_requester_or_a_participant() {
    let d = Desk::new().await;
    let (_, ticket) = opened(&d, &[("Cc", "Bo <bo@example.com>")]).await;
    let subject = format!("Re: [#{}] Printer on fire", ticket.number);
    let reason = format!(
        "subject tag [#{}] from its requester or a participant",
        ticket.number
    );
    for from in ["ana@example.com", "bo@example.com"] {
        let decision = reply(&d, from, &d.address, &[("Subject", &subject)], "Hi.").await;
        assert_eq!(
            (decision.decision.as_str(), decision.reason.as_str()),
            ("threaded", reason.as_str()),
            "{from}"
        );
        assert_eq!(decision.ticket_id, Some(ticket.id));
    }
    assert_eq!(d.detail(ticket.id).await.comments.len(), 3);
}

#[tokio::test]
async fn a_subject_tag_from_a_stranger_opens_a_ticket_of_their_own() {
    let d = Desk::new().await;
    let (_, ticket) = opened(&d, &[]).await;
    let subject = format!("Re: [#{}] Printer on fire", ticket.number);
    let decision = reply(
        &d,
        "eve@example.com",
        &d.address,
        &[("Subject", &subject)],
        "Me too.",
    )
    .await;
    assert_eq!(decision.decision, "created");
    assert_ne!(decision.ticket_id, Some(ticket.id));
    assert_eq!(d.detail(ticket.id).await.comments.len(), 1, "untouched");
}

#[tokio::test]
async fn a_stranger_writing_to_a_reply_address_gets_a_ticket_of_their_own() {
    let d = Desk::new().await;
    let (_, ticket) = opened(&d, &[]).await;
    let to = replies().address(d.acme.id(), ticket.number);
    let decision = reply(
        &d,
        "eve@example.com",
        &to,
        &[("Subject", "Re: hi")],
        "Let me in.",
    )
    .await;
    assert_eq!(
        (decision.decision.as_str(), decision.reason.as_str()),
        ("created", "a new conversation")
    );
    let theirs = d.detail(decision.ticket_id.unwrap()).await.ticket;
    assert_ne!(theirs.id, ticket.id);
    assert_ne!(theirs.requester_id, ticket.requester_id);
    assert_eq!(d.detail(ticket.id).await.comments.len(), 1);
}

#[tokio::test]
async fn a_customer_reply_by_mail_reopens_a_solved_ticket() {
    let d = Desk::new().await;
    let (first, ticket) = opened(&d, &[]).await;
    set_status(&d, ticket.id, Status::Solved).await;
    let decision = reply(
        &d,
        "ana@example.com",
        &d.address,
        &[("Subject", "Re: x"), ("In-Reply-To", &format!("<{first}>"))],
        "It is back.",
    )
    .await;
    assert_eq!(decision.decision, "threaded");
    assert_eq!(d.detail(ticket.id).await.ticket.status, Status::Open);
    let events = d.store.take_events();
    assert_eq!(
        kinds(&events),
        [
            EventType::CommentCreated,
            EventType::TicketUpdated,
            EventType::TicketStatusChanged
        ]
    );
    assert_eq!(
        one_of(&events, EventType::TicketStatusChanged)
            .payload::<StatusChanged>()
            .unwrap(),
        StatusChanged {
            from: Status::Solved,
            to: Status::Open
        }
    );
}

#[tokio::test]
async fn an_auto_reply_on_a_thread_neither_comments_nor_reopens() {
    let d = Desk::new().await;
    let (first, ticket) = opened(&d, &[]).await;
    set_status(&d, ticket.id, Status::Solved).await;
    let to = replies().address(d.acme.id(), ticket.number);
    let decision = reply(
        &d,
        "ana@example.com",
        &to,
        &[
            ("Subject", "Automatic reply: Printer on fire"),
            ("In-Reply-To", &format!("<{first}>")),
        ],
        "I am on leave.",
    )
    .await;
    assert_eq!(decision.decision, "auto_reply");
    let detail = d.detail(ticket.id).await;
    assert_eq!(detail.ticket.status, Status::Solved);
    assert_eq!(detail.comments.len(), 1);
    assert!(d.store.take_events().is_empty());
}

#[tokio::test]
async fn a_reply_to_a_closed_or_deleted_ticket_opens_a_new_one() {
    let d = Desk::new().await;
    let (first, closed) = opened(&d, &[]).await;
    set_status(&d, closed.id, Status::Solved).await;
    set_status(&d, closed.id, Status::Closed).await;
    let decision = reply(
        &d,
        "ana@example.com",
        &replies().address(d.acme.id(), closed.number),
        &[
            (
                "Subject",
                &format!("Re: [#{}] Printer on fire", closed.number),
            ),
            ("In-Reply-To", &format!("<{first}>")),
        ],
        "One more thing.",
    )
    .await;
    assert_eq!(decision.decision, "created");
    assert_ne!(decision.ticket_id, Some(closed.id));
    assert_eq!(d.detail(closed.id).await.comments.len(), 1);

    let (_, deleted) = opened(&d, &[]).await;
    d.ticketing
        .delete(&d.acme.owner.principal, deleted.id, d.clock.now())
        .await
        .unwrap();
    let decision = reply(
        &d,
        "ana@example.com",
        &replies().address(d.acme.id(), deleted.number),
        &[("Subject", "Re: gone")],
        "Hello?",
    )
    .await;
    assert_eq!(decision.decision, "created");
    assert_ne!(decision.ticket_id, Some(deleted.id));
}

#[tokio::test]
async fn another_helpdesks_message_ids_tags_and_tickets_never_thread_here() {
    let d = Desk::new().await;
    let (first, ours) = opened(&d, &[]).await;
    let other = channels_support::other_helpdesk(&d.store, &d.clock).await;
    let theirs = format!("help@{}.example", other.tenant.slug.as_str());
    Mailboxes::new(
        d.store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    )
    .create(
        &other.owner.principal,
        MailboxInput {
            address: Some(theirs.clone()),
            ..MailboxInput::default()
        },
        d.clock.now(),
    )
    .await
    .unwrap();
    let decision = reply(
        &d,
        "ana@example.com",
        &theirs,
        &[
            (
                "Subject",
                &format!("Re: [#{}] Printer on fire", ours.number),
            ),
            ("In-Reply-To", &format!("<{first}>")),
        ],
        "Wrong desk.",
    )
    .await;
    assert_eq!(decision.decision, "created");
    assert_eq!(decision.tenant_id, Some(other.id()));
    assert_ne!(decision.ticket_id, Some(ours.id));
    assert_eq!(d.detail(ours.id).await.comments.len(), 1);

    // Their reply address names their ticket #1, never ours.
    let decision = reply(
        &d,
        "ana@example.com",
        &replies().address(other.id(), ours.number),
        &[("Subject", "Re: hi")],
        "Hi.",
    )
    .await;
    assert_eq!(decision.tenant_id, Some(other.id()));
    assert_eq!(d.detail(ours.id).await.comments.len(), 1);
}

#[tokio::test]
async fn a_reply_delivered_twice_or_retried_after_a_failed_record_adds_one_comment() {
    let d = Desk::new().await;
    let (first, ticket) = opened(&d, &[]).await;
    let raw = raw_mail(
        &[
            ("From", "ana@example.com"),
            ("To", &d.address),
            ("Subject", "Re: Printer on fire"),
            ("Message-ID", &format!("<{}>", message_id())),
            ("In-Reply-To", &format!("<{first}>")),
        ],
        "Still smoking.",
    );
    d.store
        .fail_next_call_to("record_message", StoreError::Unavailable("injected".into()));
    assert!(
        d.try_receive(&d.address, &raw, Verdicts::default(), "s")
            .await
            .is_err()
    );
    assert_eq!(kinds(&d.store.take_events()), [EventType::CommentCreated]);
    let retried = d.receive(&d.address, &raw).await;
    assert_eq!(retried.decision, "threaded");
    let again = d.receive(&d.address, &raw).await;
    assert_eq!(again.decision, "duplicate");
    assert_eq!(again.comment_id, retried.comment_id);
    assert_eq!(d.detail(ticket.id).await.comments.len(), 2);
    assert!(
        d.store.take_events().is_empty(),
        "one comment.created in all"
    );
}

#[tokio::test]
async fn a_sender_failing_dmarc_never_speaks_on_their_tickets_it_opens_a_tagged_one_or_is_held() {
    use switchboard_domain::accounts::ports::TenantStore;
    use switchboard_domain::accounts::tenant::UnverifiedMail;
    use switchboard_domain::email::Verdict;
    let d = Desk::new().await;
    let (first, ticket) = opened(&d, &[]).await;
    let spoofed = |subject: &str| {
        raw_mail(
            &[
                ("From", "ana@example.com"),
                ("To", d.address.as_str()),
                ("Subject", subject),
                ("Message-ID", &format!("<{}>", message_id())),
                ("In-Reply-To", &format!("<{first}>")),
            ],
            "Please send the refund to account 9999.",
        )
    };
    let failing = Verdicts {
        dmarc: Verdict::Fail,
        ..Verdicts::default()
    };
    let tagged = format!("Re: [#{}] Printer on fire", ticket.number);
    let decision = d
        .try_receive(&d.address, &spoofed(&tagged), failing, "s1")
        .await
        .unwrap();
    assert_eq!(decision.decision, "created");
    assert_eq!(
        decision.reason,
        "a new conversation; the sender is not proven (DMARC failed)"
    );
    assert_ne!(decision.ticket_id, Some(ticket.id));
    assert_eq!(d.detail(ticket.id).await.comments.len(), 1, "not threaded");
    let opened = d.detail(decision.ticket_id.unwrap()).await.ticket;
    let tags: Vec<&str> = opened.tags.iter().map(|t| t.as_str()).collect();
    assert_eq!(tags, ["unverified-sender"]);

    // Without a DMARC policy, failing both SPF and DKIM is as unproven.
    let both = Verdicts {
        dmarc: Verdict::Gray,
        spf: Verdict::Fail,
        dkim: Verdict::Fail,
        ..Verdicts::default()
    };
    let decision = d
        .try_receive(&d.address, &spoofed(&tagged), both, "s2")
        .await
        .unwrap();
    assert!(decision.reason.ends_with("(SPF and DKIM failed)"));

    // A helpdesk that holds such mail opens nothing.
    let mut tenant = d.store.tenant(d.acme.id()).await.unwrap().unwrap();
    tenant.settings.unverified_mail = UnverifiedMail::Hold;
    tenant.version += 1;
    d.store
        .update_tenant(&tenant, tenant.version - 1, &[])
        .await
        .unwrap();
    let before = d.tickets().await.len();
    let decision = d
        .try_receive(&d.address, &spoofed("Held"), failing, "s3")
        .await
        .unwrap();
    assert_eq!(
        (decision.decision.as_str(), decision.ticket_id),
        ("held", None)
    );
    assert_eq!(d.tickets().await.len(), before);
    assert_eq!(d.recorded("held").await, ["Held"]);

    // A proven sender threads as before.
    let proven = reply(
        &d,
        "ana@example.com",
        &d.address,
        &[("Subject", tagged.as_str())],
        "Any news?",
    )
    .await;
    assert_eq!(
        (proven.decision.as_str(), proven.ticket_id),
        ("threaded", Some(ticket.id))
    );
}
