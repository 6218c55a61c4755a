//! Mail and organisations: a sender at an organisation's domain is in it,
//! whether the mail creates them or they were there before the domain was
//! claimed; the ticket the mail opens belongs to it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use channels_support::{message_id, raw_mail};
use switchboard_domain::accounts::organization::{NewOrganization, SharedTickets};
use switchboard_domain::accounts::organizations::Organizations;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::user::Email;

async fn mail_from(
    d: &Desk,
    from: &str,
    subject: &str,
) -> switchboard_domain::email::intake::Decision {
    let id = format!("<{}>", message_id());
    let headers = [
        ("From", from),
        ("To", d.address.as_str()),
        ("Subject", subject),
        ("Message-ID", id.as_str()),
    ];
    d.receive(&d.address, &raw_mail(&headers, "Help.")).await
}

#[tokio::test]
async fn a_senders_domain_puts_them_and_their_ticket_in_its_organisation() {
    let d = Desk::new().await;
    // Bo wrote before the domain was claimed.
    assert_eq!(
        mail_from(&d, "bo@globex.example", "Earlier").await.decision,
        "created"
    );
    let org = Organizations::new(d.store.clone())
        .create(
            &d.acme.owner.principal,
            NewOrganization {
                name: "Globex".into(),
                domains: ["globex.example".to_owned()].into(),
                notes: String::new(),
                shared_tickets: SharedTickets::None,
            },
            d.clock.now(),
        )
        .await
        .unwrap();

    let decision = mail_from(&d, "Ana <ana@globex.example>", "Printer").await;
    assert_eq!(decision.decision, "created");
    let ticket = d.detail(decision.ticket_id.unwrap()).await.ticket;
    assert_eq!(ticket.organization_id, Some(org.id));
    let d = &d;
    let who = async |address: &'static str| {
        d.store
            .user_by_email(d.acme.id(), &Email::parse(address).unwrap())
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(
        who("ana@globex.example").await.organization_id,
        Some(org.id)
    );

    let later = mail_from(d, "bo@globex.example", "Again").await;
    assert_eq!(who("bo@globex.example").await.organization_id, Some(org.id));
    let again = d.detail(later.ticket_id.unwrap()).await.ticket;
    assert_eq!(again.organization_id, Some(org.id), "joined as he wrote");
    let outsider = mail_from(d, "cy@elsewhere.example", "Other").await;
    let theirs = d.detail(outsider.ticket_id.unwrap()).await.ticket;
    assert_eq!(theirs.organization_id, None);
}
