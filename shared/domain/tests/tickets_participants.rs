//! A ticket's participants, edited by staff (`Ticketing::update` with
//! `cc`): addresses parsed one by one, at most twenty, recorded in the
//! history; whoever is added may read the ticket when they sign in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::tickets::input::{Participants, RequesterRef, TicketPatch};
use switchboard_domain::tickets::service::Ticketing;

fn copied(addresses: &[&str]) -> TicketPatch {
    let raw: Vec<String> = addresses.iter().map(|a| (*a).to_owned()).collect();
    TicketPatch {
        cc: Some(Participants::parse(&raw).unwrap()),
        ..TicketPatch::default()
    }
}

#[tokio::test]
async fn staff_replace_the_participants_and_those_added_may_read_the_ticket() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let (_, requester) = invite(
        &store,
        &acme,
        switchboard_domain::accounts::user::Role::Customer,
        "Req Uester",
        clock.now(),
    )
    .await;
    let t = open_detail(
        &tickets,
        &acme.agent.principal,
        switchboard_domain::tickets::input::NewTicket {
            requester: Some(RequesterRef::Id(requester.user_id().unwrap())),
            ..new_ticket("Outage", "Down for everyone")
        },
        clock.now(),
    )
    .await
    .ticket;
    assert!(matches!(
        tickets.get(&acme.customer.principal, t.id).await,
        Err(DomainError::NotFound)
    ));
    let customer = acme.customer.user.email.as_str().to_uppercase();
    let updated = tickets
        .update(
            &acme.agent.principal,
            t.id,
            copied(&[&customer, "bo@example.com", "bo@example.com"]),
            Some(t.version),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        updated.cc,
        BTreeSet::from([
            "bo@example.com".to_owned(),
            acme.customer.user.email.as_str().to_lowercase()
        ])
    );
    assert!(tickets.get(&acme.customer.principal, t.id).await.is_ok());
    let history = tickets.history(&acme.agent.principal, t.id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.changes.iter().any(|c| c.field == "cc")),
        "{history:?}"
    );

    // The requester may not edit them; staff may clear them.
    assert!(
        tickets
            .update(
                &requester,
                t.id,
                copied(&[]),
                Some(updated.version),
                clock.now()
            )
            .await
            .is_err()
    );
    let cleared = tickets
        .update(
            &acme.agent.principal,
            t.id,
            copied(&[]),
            Some(updated.version),
            clock.now(),
        )
        .await
        .unwrap();
    assert!(cleared.cc.is_empty());
}

#[test]
fn participants_are_refused_address_by_address_and_beyond_twenty() {
    let raw = vec!["ok@example.com".to_owned(), "not an address".to_owned()];
    let errors = Participants::parse(&raw).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "participants.1");
    let many: Vec<String> = (0..21).map(|i| format!("p{i}@example.com")).collect();
    let errors = Participants::parse(&many).unwrap_err();
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1.code),
        ("participants", "too_many")
    );
}
