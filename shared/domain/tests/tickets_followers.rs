//! Agents who follow a ticket: set by staff (active agents only, at most
//! 50, in the history), or by a trigger's `follow` action.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use support::*;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::firing::fire;
use switchboard_domain::automation::trigger::On;
use switchboard_domain::automation::triggers::{TriggerInput, TriggerRules};
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::UserId;
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::ports::TicketStore;
use switchboard_domain::tickets::service::Ticketing;

fn following(ids: &[UserId]) -> TicketPatch {
    TicketPatch {
        followers: Some(ids.iter().copied().collect()),
        ..TicketPatch::default()
    }
}

#[tokio::test]
async fn staff_set_followers_who_must_be_active_agents() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Refund", clock.now()).await;
    let agents = [acme.agent.user.id, acme.owner.user.id];
    let followed = tickets
        .update(
            &acme.agent.principal,
            t.id,
            following(&agents),
            Some(t.version),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(followed.followers, BTreeSet::from(agents));
    let history = tickets.history(&acme.owner.principal, t.id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.changes.iter().any(|c| c.field == "followers")),
        "the change is in the history"
    );

    let customer = invalid(
        tickets
            .update(
                &acme.agent.principal,
                t.id,
                following(&[acme.customer.user.id]),
                None,
                clock.now(),
            )
            .await,
    );
    assert_eq!(customer, [("followers".to_owned(), "invalid_follower")]);
    let stranger = invalid(
        tickets
            .update(
                &acme.agent.principal,
                t.id,
                following(&[UserId::new()]),
                None,
                clock.now(),
            )
            .await,
    );
    assert_eq!(stranger, [("followers".to_owned(), "invalid_follower")]);
    let crowd: Vec<UserId> = (0..51).map(|_| UserId::new()).collect();
    assert_eq!(
        invalid(
            tickets
                .update(
                    &acme.agent.principal,
                    t.id,
                    following(&crowd),
                    None,
                    clock.now()
                )
                .await
        ),
        [("followers".to_owned(), "too_many")]
    );
    let unchanged = store.ticket(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(unchanged.followers, BTreeSet::from(agents));
}

#[tokio::test]
async fn a_trigger_makes_an_agent_follow_and_must_name_an_agent() {
    let (clock, store, acme) = world().await;
    let rules = TriggerRules::new(store.clone());
    let rule = |user| TriggerInput {
        title: Some("The owner watches new tickets".into()),
        on: Some([On::Created].into()),
        actions: Some(vec![Action::Follow { user_id: user }]),
        ..TriggerInput::default()
    };
    assert_eq!(
        invalid(
            rules
                .create(
                    &acme.owner.principal,
                    rule(acme.customer.user.id),
                    clock.now()
                )
                .await
        ),
        [("actions.0".to_owned(), "invalid_follower")]
    );
    rules
        .create(&acme.owner.principal, rule(acme.owner.user.id), clock.now())
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Printer", clock.now()).await;
    let created = only(&store.take_events(), EventType::TicketCreated);
    fire(&store, &tickets, &created, clock.now())
        .await
        .unwrap()
        .expect("the trigger fired");
    let t = store.ticket(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(t.followers, BTreeSet::from([acme.owner.user.id]));
}
