//! In-app notifications, the unread counter, preferences.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::{Actor, EventType};
use switchboard_domain::kernel::ids::{EventId, NotificationId, TenantId, UserId};
use switchboard_domain::notifications::notification::{
    Notification, NotificationKind, Preferences,
};
use switchboard_domain::notifications::ports::{NotificationStore, PreferenceStore};

use super::support::*;

fn notification(tenant: TenantId, user: UserId, at: Timestamp) -> Notification {
    let event = EventId::new();
    Notification {
        id: NotificationId::from_ulid(event.ulid()),
        tenant_id: tenant,
        user_id: user,
        kind: NotificationKind::Assigned,
        event_id: event,
        event_type: Some(EventType::TicketAssigned),
        ticket_id: None,
        comment_id: None,
        actor: Actor::system(),
        title: "#1 assigned to you".into(),
        created_at: at,
        read_at: None,
    }
}

/// A notification is recorded and counted once: the second add of it is
/// `false` and counts nothing.
pub async fn notifications_are_added_once<S: NotificationStore, O: Outbox>(store: &S, _: &O) {
    let (tenant, person) = (TenantId::new(), UserId::new());
    let n = notification(tenant, person, now());
    assert!(store.add_notification(&n).await.expect("an add"));
    let mut again = n.clone();
    again.title = "changed".into();
    assert!(!store.add_notification(&again).await.expect("a redelivery"));
    assert_eq!(store.unread_count(tenant, person).await.expect("count"), 1);
    let listed = all_pages(10, |p| async move {
        store.notifications(tenant, person, false, &p).await
    })
    .await;
    assert_eq!(listed, vec![n]);
    assert_eq!(
        store
            .unread_count(tenant, UserId::new())
            .await
            .expect("count"),
        0
    );
}

/// A person's notifications list newest first, all or only unread ones,
/// in full pages; each list's cursor is its own.
pub async fn notifications_are_listed_newest_first<S: NotificationStore, O: Outbox>(
    store: &S,
    _: &O,
) {
    let (tenant, person) = (TenantId::new(), UserId::new());
    let t0 = now();
    let mut all = Vec::new();
    for i in 0..6 {
        let n = notification(tenant, person, t0 + secs(i));
        store.add_notification(&n).await.expect("an add");
        all.push(n);
    }
    store
        .add_notification(&notification(tenant, UserId::new(), t0))
        .await
        .expect("someone else's");
    all.sort_by_key(|n| std::cmp::Reverse(n.id));
    for i in [1, 4] {
        all[i] = store
            .mark_read(tenant, person, all[i].id, t0 + secs(60))
            .await
            .expect("a read");
    }
    let unread: Vec<Notification> = all
        .iter()
        .filter(|n| n.read_at.is_none())
        .cloned()
        .collect();
    let listed = all_pages(2, |p| async move {
        store.notifications(tenant, person, false, &p).await
    })
    .await;
    assert_eq!(listed, all);
    let listed = all_pages(3, |p| async move {
        store.notifications(tenant, person, true, &p).await
    })
    .await;
    assert_eq!(listed, unread);
    let cursor =
        first_cursor(|p| async move { store.notifications(tenant, person, true, &p).await }).await;
    assert_invalid_cursor(
        store
            .notifications(tenant, person, false, &after(&cursor))
            .await,
    );
    assert_invalid_cursor(
        store
            .notifications(tenant, UserId::new(), true, &after(&cursor))
            .await,
    );
}

/// Reading one lowers the count once (`NotFound` if absent); reading all
/// reads the rest and says how many; deleting an unread one lowers the
/// count, a read one does not (`NotFound` if absent).
pub async fn reading_notifications_keeps_the_count<S: NotificationStore, O: Outbox>(
    store: &S,
    _: &O,
) {
    let (tenant, person) = (TenantId::new(), UserId::new());
    let t0 = now();
    let ns: Vec<Notification> = (0..4)
        .map(|i| notification(tenant, person, t0 + secs(i)))
        .collect();
    for n in &ns {
        store.add_notification(n).await.expect("an add");
    }
    let count = async || store.unread_count(tenant, person).await.expect("count");
    assert_eq!(count().await, 4);
    let read = store
        .mark_read(tenant, person, ns[0].id, t0 + secs(10))
        .await
        .expect("a read");
    assert_eq!(read.read_at, Some(t0 + secs(10)));
    assert_eq!(count().await, 3);
    let again = store
        .mark_read(tenant, person, ns[0].id, t0 + secs(20))
        .await
        .expect("a second read");
    assert_eq!(again.read_at, Some(t0 + secs(10)), "no change");
    assert_eq!(count().await, 3);
    assert_error(
        store
            .mark_read(tenant, person, NotificationId::new(), t0)
            .await,
        &StoreError::NotFound,
    );

    store
        .delete_notification(tenant, person, ns[1].id)
        .await
        .expect("deleting an unread one");
    assert_eq!(count().await, 2);
    store
        .delete_notification(tenant, person, ns[0].id)
        .await
        .expect("deleting a read one");
    assert_eq!(count().await, 2);
    assert_error(
        store.delete_notification(tenant, person, ns[0].id).await,
        &StoreError::NotFound,
    );

    assert_eq!(
        store
            .mark_all_read(tenant, person, t0 + secs(30))
            .await
            .expect("read all"),
        2
    );
    assert_eq!(count().await, 0);
    assert_eq!(
        store
            .mark_all_read(tenant, person, t0 + secs(40))
            .await
            .expect("read all"),
        0
    );
    let left = all_pages(10, |p| async move {
        store.notifications(tenant, person, false, &p).await
    })
    .await;
    let read_at: BTreeSet<_> = left.iter().map(|n| n.read_at).collect();
    assert_eq!(read_at, BTreeSet::from([Some(t0 + secs(30))]));
    assert_eq!(left.len(), 2);
}

/// Preferences are kept per person and replaced whole; people without any
/// are left out.
pub async fn preferences_are_kept_per_person<S: PreferenceStore, O: Outbox>(store: &S, _: &O) {
    let (tenant, a, b) = (TenantId::new(), UserId::new(), UserId::new());
    let first = Preferences {
        muted: BTreeSet::from([NotificationKind::StatusChanged]),
        emailed: BTreeSet::from([NotificationKind::Assigned, NotificationKind::SlaBreached]),
    };
    store
        .put_preferences(tenant, a, &first)
        .await
        .expect("a put");
    assert_eq!(
        store.preferences(tenant, &[a, b]).await.expect("read"),
        BTreeMap::from([(a, first)])
    );
    let second = Preferences::default();
    store
        .put_preferences(tenant, a, &second)
        .await
        .expect("a put");
    assert_eq!(
        store.preferences(tenant, &[a]).await.expect("read"),
        BTreeMap::from([(a, second)])
    );
    assert!(
        store
            .preferences(TenantId::new(), &[a])
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        store
            .preferences(tenant, &[])
            .await
            .expect("read")
            .is_empty()
    );
}
