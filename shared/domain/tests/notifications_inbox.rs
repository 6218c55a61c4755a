//! A person's in-app notifications and preferences (`Inbox::list`,
//! `unread_count`, `mark_read`, `mark_all_read`, `delete`, `preferences`,
//! `set_preferences`). Notifications are recorded as the event router
//! records them, through the store's port.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use std::collections::BTreeSet;

use accounts_support::*;
use jiff::{SignedDuration, Timestamp};
use switchboard_domain::DomainError;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::{Actor, EventType};
use switchboard_domain::kernel::ids::{EventId, NotificationId, TicketId};
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::notifications::notification::{
    Notification, NotificationKind, Preferences,
};
use switchboard_domain::notifications::ports::NotificationStore;
use switchboard_testkit::{MemoryStore, TestClock};
use ulid::Ulid;

/// What the router records for `to` about an event at `at` (the id is the
/// event's, so ids sort by time).
async fn notify(store: &MemoryStore, to: &Principal, title: &str, at: Timestamp) -> Notification {
    let millis = u64::try_from(at.as_millisecond()).unwrap();
    let event = EventId::from_ulid(Ulid::from_parts(millis, rand_bits()));
    let n = Notification {
        id: NotificationId::from_ulid(event.ulid()),
        tenant_id: to.tenant_id(),
        user_id: to.user_id().unwrap(),
        kind: NotificationKind::Assigned,
        event_id: event,
        event_type: Some(EventType::TicketAssigned),
        ticket_id: Some(TicketId::new()),
        comment_id: None,
        actor: Actor::operator(),
        title: title.into(),
        created_at: at,
        read_at: None,
    };
    assert!(store.add_notification(&n).await.unwrap());
    n
}

fn rand_bits() -> u128 {
    Ulid::new().random()
}

/// Three notifications a second apart, oldest first.
async fn three(store: &MemoryStore, clock: &TestClock, to: &Principal) -> Vec<Notification> {
    let mut out = Vec::new();
    for title in ["first", "second", "third"] {
        out.push(notify(store, to, title, clock.now()).await);
        clock.advance(SignedDuration::from_secs(1));
    }
    out
}

fn titles(items: &[Notification]) -> Vec<&str> {
    items.iter().map(|n| n.title.as_str()).collect()
}

async fn listed(store: &MemoryStore, who: &Principal, unread_only: bool) -> Vec<Notification> {
    inbox(store)
        .list(who, unread_only, &page(100))
        .await
        .unwrap()
        .items
}

async fn unread(store: &MemoryStore, who: &Principal) -> u64 {
    inbox(store).unread_count(who).await.unwrap()
}

fn kinds_named(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn the_bell_lists_ones_notifications_newest_first_a_page_at_a_time() {
    let (clock, store) = world();
    let (_, me) = helpdesk(&store, clock.now()).await;
    three(&store, &clock, &me).await;
    let inbox = inbox(&store);
    let first = inbox.list(&me, false, &page(2)).await.unwrap();
    assert_eq!(titles(&first.items), ["third", "second"]);
    let next = PageRequest {
        limit: 2,
        cursor: first.next_cursor.clone(),
    };
    assert!(next.cursor.is_some());
    let rest = inbox.list(&me, false, &next).await.unwrap();
    assert_eq!(titles(&rest.items), ["first"]);
    assert_eq!(rest.next_cursor, None);
}

#[tokio::test]
async fn the_unread_list_leaves_out_what_was_read() {
    let (clock, store) = world();
    let (_, me) = helpdesk(&store, clock.now()).await;
    let n = three(&store, &clock, &me).await;
    inbox(&store)
        .mark_read(&me, n[1].id, clock.now())
        .await
        .unwrap();
    assert_eq!(titles(&listed(&store, &me, true).await), ["third", "first"]);
    assert_eq!(listed(&store, &me, false).await.len(), 3);
}

#[tokio::test]
async fn marking_one_read_records_when_once_and_lowers_the_count() {
    let (clock, store) = world();
    let (_, me) = helpdesk(&store, clock.now()).await;
    let n = three(&store, &clock, &me).await;
    assert_eq!(unread(&store, &me).await, 3);
    let inbox = inbox(&store);
    let read_at = clock.now();
    let read = inbox.mark_read(&me, n[0].id, read_at).await.unwrap();
    assert_eq!((read.id, read.read_at), (n[0].id, Some(read_at)));
    assert_eq!(unread(&store, &me).await, 2);

    clock.advance(SignedDuration::from_mins(1));
    let again = inbox.mark_read(&me, n[0].id, clock.now()).await.unwrap();
    assert_eq!(again.read_at, Some(read_at), "the first reading stays");
    assert_eq!(unread(&store, &me).await, 2);
}

#[tokio::test]
async fn marking_all_read_says_how_many_it_marked() {
    let (clock, store) = world();
    let (_, me) = helpdesk(&store, clock.now()).await;
    let n = three(&store, &clock, &me).await;
    let inbox = inbox(&store);
    inbox.mark_read(&me, n[2].id, clock.now()).await.unwrap();
    assert_eq!(inbox.mark_all_read(&me, clock.now()).await.unwrap(), 2);
    assert_eq!(unread(&store, &me).await, 0);
    assert!(listed(&store, &me, true).await.is_empty());
    assert!(
        listed(&store, &me, false)
            .await
            .iter()
            .all(|n| n.read_at.is_some())
    );
    assert_eq!(inbox.mark_all_read(&me, clock.now()).await.unwrap(), 0);
}

#[tokio::test]
async fn deleting_a_notification_takes_it_off_the_list_and_an_unread_one_off_the_count() {
    let (clock, store) = world();
    let (_, me) = helpdesk(&store, clock.now()).await;
    let n = three(&store, &clock, &me).await;
    let inbox = inbox(&store);
    inbox.mark_read(&me, n[0].id, clock.now()).await.unwrap();
    assert_eq!(unread(&store, &me).await, 2);

    inbox.delete(&me, n[2].id).await.unwrap();
    assert_eq!(unread(&store, &me).await, 1, "an unread one was deleted");
    inbox.delete(&me, n[0].id).await.unwrap();
    assert_eq!(unread(&store, &me).await, 1, "a read one was deleted");
    assert_eq!(titles(&listed(&store, &me, false).await), ["second"]);

    let again = inbox.delete(&me, n[2].id).await;
    assert!(matches!(again, Err(DomainError::NotFound)), "{again:?}");
}

#[tokio::test]
async fn another_persons_notification_is_not_found_and_untouched() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, agent) = member(&store, &owner, Role::Agent, "Ada Agent", clock.now()).await;
    let theirs = notify(&store, &agent, "for the agent", clock.now()).await;
    let inbox = inbox(&store);

    let read = inbox.mark_read(&owner, theirs.id, clock.now()).await;
    assert!(matches!(read, Err(DomainError::NotFound)), "{read:?}");
    let deleted = inbox.delete(&owner, theirs.id).await;
    assert!(matches!(deleted, Err(DomainError::NotFound)), "{deleted:?}");
    assert!(listed(&store, &owner, false).await.is_empty());
    assert_eq!(unread(&store, &owner).await, 0);
    assert_eq!(inbox.mark_all_read(&owner, clock.now()).await.unwrap(), 0);

    assert_eq!(listed(&store, &agent, true).await, [theirs]);
    assert_eq!(unread(&store, &agent).await, 1);
}

#[tokio::test]
async fn another_helpdesks_notification_is_not_found_like_an_absent_one() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (_, b) = helpdesk(&store, clock.now()).await;
    let theirs = notify(&store, &a, "for A's owner", clock.now()).await;
    let inbox = inbox(&store);
    for id in [theirs.id, NotificationId::new()] {
        let read = inbox.mark_read(&b, id, clock.now()).await;
        assert!(matches!(read, Err(DomainError::NotFound)), "{read:?}");
        let deleted = inbox.delete(&b, id).await;
        assert!(matches!(deleted, Err(DomainError::NotFound)), "{deleted:?}");
    }
    assert!(listed(&store, &b, false).await.is_empty());
    assert_eq!(listed(&store, &a, true).await, [theirs]);
}

#[tokio::test]
async fn keys_and_switchboard_itself_have_no_notifications() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (_, _, key) = api_key(&store, &owner, Role::Admin, &Scope::ALL, clock.now()).await;
    let someone = notify(&store, &owner, "mine", clock.now()).await;
    let inbox = inbox(&store);
    for who in [key, Principal::system(signed.tenant.clone())] {
        let forbidden = |r: Result<(), DomainError>| matches!(r, Err(DomainError::Forbidden));
        assert!(forbidden(
            inbox.list(&who, false, &page(10)).await.map(drop)
        ));
        assert!(forbidden(inbox.unread_count(&who).await.map(drop)));
        assert!(forbidden(
            inbox
                .mark_read(&who, someone.id, clock.now())
                .await
                .map(drop)
        ));
        assert!(forbidden(
            inbox.mark_all_read(&who, clock.now()).await.map(drop)
        ));
        assert!(forbidden(inbox.delete(&who, someone.id).await));
        assert!(forbidden(inbox.preferences(&who).await.map(drop)));
        assert!(forbidden(
            inbox.set_preferences(&who, vec![], None).await.map(drop)
        ));
    }
    assert_eq!(unread(&store, &owner).await, 1);
}

#[tokio::test]
async fn customers_have_an_inbox_of_their_own() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, customer) = member(&store, &owner, Role::Customer, "Cleo Customer", clock.now()).await;
    let n = notify(
        &store,
        &customer,
        "Your request #1 is now solved",
        clock.now(),
    )
    .await;
    assert_eq!(
        listed(&store, &customer, false).await,
        std::slice::from_ref(&n)
    );
    inbox(&store)
        .mark_read(&customer, n.id, clock.now())
        .await
        .unwrap();
    assert_eq!(unread(&store, &customer).await, 0);
}

#[tokio::test]
async fn preferences_start_with_everything_in_the_app_and_nothing_by_mail() {
    let (clock, store) = world();
    let (_, me) = helpdesk(&store, clock.now()).await;
    let preferences = inbox(&store).preferences(&me).await.unwrap();
    assert_eq!(preferences, Preferences::default());
    assert!(
        NotificationKind::ALL
            .iter()
            .all(|k| preferences.wants(*k) && !preferences.wants_mail(*k))
    );
}

#[tokio::test]
async fn setting_preferences_replaces_the_muted_kinds_and_keeps_mail_choices_not_given() {
    let (clock, store) = world();
    let (_, me) = helpdesk(&store, clock.now()).await;
    let inbox = inbox(&store);
    let set = inbox
        .set_preferences(
            &me,
            kinds_named(&["team_assigned", "mentioned"]),
            Some(kinds_named(&["assigned"])),
        )
        .await
        .unwrap();
    assert_eq!(
        set.muted,
        BTreeSet::from([NotificationKind::TeamAssigned, NotificationKind::Mentioned])
    );
    assert_eq!(set.emailed, BTreeSet::from([NotificationKind::Assigned]));
    assert_eq!(inbox.preferences(&me).await.unwrap(), set);

    let replaced = inbox
        .set_preferences(&me, kinds_named(&["sla_warning"]), None)
        .await
        .unwrap();
    assert_eq!(
        replaced.muted,
        BTreeSet::from([NotificationKind::SlaWarning])
    );
    assert_eq!(
        replaced.emailed,
        BTreeSet::from([NotificationKind::Assigned]),
        "kept"
    );
    assert_eq!(inbox.preferences(&me).await.unwrap(), replaced);

    let cleared = inbox
        .set_preferences(&me, vec![], Some(vec![]))
        .await
        .unwrap();
    assert_eq!(cleared, Preferences::default());
    assert_eq!(
        inbox.preferences(&me).await.unwrap(),
        Preferences::default()
    );
}

#[tokio::test]
async fn unknown_kinds_are_refused_by_position_and_nothing_is_saved() {
    let (clock, store) = world();
    let (_, me) = helpdesk(&store, clock.now()).await;
    let inbox = inbox(&store);
    let before = inbox
        .set_preferences(&me, kinds_named(&["mentioned"]), None)
        .await
        .unwrap();
    let err = inbox
        .set_preferences(
            &me,
            kinds_named(&["assigned", "all"]),
            Some(kinds_named(&["nope"])),
        )
        .await
        .expect_err("unknown kinds");
    assert_eq!(
        field_errors(&err),
        [
            ("muted.1".to_owned(), "unknown_kind"),
            ("emailed.0".to_owned(), "unknown_kind")
        ]
    );
    assert_eq!(inbox.preferences(&me).await.unwrap(), before);
}

#[tokio::test]
async fn preferences_are_each_persons_own() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, agent) = member(&store, &owner, Role::Agent, "Ada Agent", clock.now()).await;
    let (_, other) = helpdesk(&store, clock.now()).await;
    let inbox = inbox(&store);
    inbox
        .set_preferences(&agent, kinds_named(&["assigned"]), None)
        .await
        .unwrap();
    assert_eq!(
        inbox.preferences(&owner).await.unwrap(),
        Preferences::default()
    );
    assert_eq!(
        inbox.preferences(&other).await.unwrap(),
        Preferences::default()
    );
    assert!(
        !inbox
            .preferences(&agent)
            .await
            .unwrap()
            .wants(NotificationKind::Assigned)
    );
}
