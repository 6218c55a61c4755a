//! Mail to a ticket merged into another lands on the one it joined, by
//! every way a reply finds its ticket: the signed reply address, the
//! Message-IDs it references, and its `[#n]` subject tag.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use channels_support::{message_id, raw_mail, replies};
use switchboard_domain::tickets::input::TicketMerge;
use switchboard_domain::tickets::ticket::Ticket;

/// Ana's mail opening a ticket with `subject`; its Message-ID and ticket.
async fn opened(d: &Desk, subject: &str) -> (String, Ticket) {
    let id = message_id();
    let bracketed = format!("<{id}>");
    let headers = [
        ("From", "Ana <ana@example.com>"),
        ("To", d.address.as_str()),
        ("Subject", subject),
        ("Message-ID", bracketed.as_str()),
    ];
    let decision = d.receive(&d.address, &raw_mail(&headers, "Smoke.")).await;
    assert_eq!(decision.decision, "created");
    (id, d.detail(decision.ticket_id.unwrap()).await.ticket)
}

#[tokio::test]
async fn replies_to_a_merged_ticket_land_on_the_ticket_it_joined() {
    let d = Desk::new().await;
    let (first_mail, older) = opened(&d, "Printer on fire").await;
    let (_, newer) = opened(&d, "Printer still on fire").await;
    d.ticketing
        .merge(
            &d.acme.agent.principal,
            newer.id,
            TicketMerge {
                sources: vec![older.id],
                note: None,
                public: true,
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();

    let reply_address = replies().address(d.acme.id(), older.number);
    let tag = format!("Re: [#{}] Printer on fire", older.number);
    let in_reply_to = format!("<{first_mail}>");
    let ways: [(&str, Vec<(&str, &str)>); 3] = [
        (
            reply_address.as_str(),
            vec![("Subject", "Re: Printer on fire")],
        ),
        (
            d.address.as_str(),
            vec![
                ("Subject", "Re: Printer"),
                ("In-Reply-To", in_reply_to.as_str()),
            ],
        ),
        (d.address.as_str(), vec![("Subject", tag.as_str())]),
    ];
    for (to, extra) in ways {
        let id = format!("<{}>", message_id());
        let mut headers = vec![
            ("From", "Ana <ana@example.com>"),
            ("To", to),
            ("Message-ID", id.as_str()),
        ];
        headers.extend(extra);
        let decision = d.receive(to, &raw_mail(&headers, "Any news?")).await;
        assert_eq!(
            (decision.decision.as_str(), decision.ticket_id),
            ("threaded", Some(newer.id)),
            "{}",
            decision.reason
        );
    }
    let target = d.detail(newer.id).await;
    let answers = target
        .comments
        .iter()
        .filter(|c| c.body == "Any news?" && c.copied_from.is_none())
        .count();
    assert_eq!(answers, 3);
    assert_eq!(d.tickets().await.len(), 2, "no new ticket opened");
}
