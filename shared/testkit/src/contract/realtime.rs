//! WebSocket connection tickets, connections and their subscriptions.

use std::collections::BTreeSet;

use switchboard_domain::StoreError;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::{SessionId, TenantId, TicketId, UserId};
use switchboard_domain::realtime::model::{Connection, ConnectionTicket, Listener, Topic};
use switchboard_domain::realtime::ports::ConnectionStore;

use super::support::*;

fn listener(tenant: TenantId) -> Listener {
    Listener {
        tenant_id: tenant,
        user_id: UserId::new(),
        role: Role::Agent,
        session_id: Some(SessionId::new()),
    }
}

/// A connection ticket is stored once under its digest and taken once
/// (expired or not: its holder checks `expires_at`).
pub async fn connection_tickets_are_taken_once<S: ConnectionStore, O: Outbox>(store: &S, _: &O) {
    let digest = unique("wst");
    let ticket = ConnectionTicket {
        listener: listener(TenantId::new()),
        expires_at: now() - secs(60),
    };
    store
        .put_connection_ticket(&digest, &ticket)
        .await
        .expect("a ticket");
    assert_error(
        store.put_connection_ticket(&digest, &ticket).await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(
        store.take_connection_ticket(&digest).await.expect("take"),
        Some(ticket)
    );
    assert_eq!(
        store.take_connection_ticket(&digest).await.expect("take"),
        None
    );
}

/// Subscriptions live with their connection: subscribing or unsubscribing
/// a closed one does nothing; a topic's subscribers are those not expired
/// at `now` (in connection-id order); closing removes them all; storing a
/// connection again starts its topic set anew.
pub async fn subscriptions_follow_their_connection<S: ConnectionStore, O: Outbox>(
    store: &S,
    _: &O,
) {
    let tenant = TenantId::new();
    let t0 = now();
    let connection = |expires_in| Connection {
        id: unique("conn-"),
        listener: listener(tenant),
        connected_at: t0,
        expires_at: t0 + secs(expires_in),
        topics: BTreeSet::new(),
    };
    let (long, short) = (connection(7200), connection(30));
    let mut both = [long.clone(), short.clone()];
    both.sort_by(|a, b| a.id.cmp(&b.id));
    for c in &both {
        store.put_connection(c).await.expect("a connection");
        store
            .subscribe(c, &Topic::Queue)
            .await
            .expect("a subscription");
    }
    let ticket = Topic::Ticket(TicketId::new());
    store
        .subscribe(&long, &ticket)
        .await
        .expect("a subscription");
    store.subscribe(&long, &ticket).await.expect("again");
    let topics = |c: Option<Connection>| c.map(|c| c.topics).unwrap_or_default();
    assert_eq!(
        topics(store.connection(&long.id).await.expect("read")),
        BTreeSet::from(["queue".to_owned(), ticket.to_string()])
    );
    let ids = async |topic: &Topic, at| {
        store
            .subscribers(tenant, topic, at)
            .await
            .expect("read")
            .into_iter()
            .map(|s| s.connection_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&Topic::Queue, t0).await,
        both.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        ids(&Topic::Queue, t0 + secs(30)).await,
        vec![long.id.clone()]
    );
    let subscriber = store
        .subscribers(tenant, &ticket, t0)
        .await
        .expect("read")
        .pop()
        .expect("a subscriber");
    assert_eq!(subscriber.listener(), long.listener, "the session too");
    assert!(
        store
            .subscribers(TenantId::new(), &Topic::Queue, t0)
            .await
            .expect("read")
            .is_empty()
    );

    store
        .unsubscribe(&long, &Topic::Queue)
        .await
        .expect("an unsubscription");
    assert_eq!(ids(&Topic::Queue, t0).await, vec![short.id.clone()]);
    assert_eq!(
        topics(store.connection(&long.id).await.expect("read")),
        BTreeSet::from([ticket.to_string()])
    );

    let closed = connection(7200);
    store
        .subscribe(&closed, &Topic::Queue)
        .await
        .expect("nothing to do");
    store
        .unsubscribe(&closed, &Topic::Queue)
        .await
        .expect("nothing to do");
    assert_eq!(store.connection(&closed.id).await.expect("read"), None);
    assert_eq!(ids(&Topic::Queue, t0).await, vec![short.id.clone()]);

    store.delete_connection(&long.id).await.expect("a close");
    assert_eq!(store.connection(&long.id).await.expect("read"), None);
    assert!(ids(&ticket, t0).await.is_empty());
    store
        .delete_connection(&long.id)
        .await
        .expect("closing twice");

    // Storing it again keeps no topics (whatever the value given holds:
    // only subscribing writes them); the subscription item stays.
    let mut claimed = short.clone();
    claimed.topics.insert(ticket.to_string());
    store.put_connection(&claimed).await.expect("a put");
    assert_eq!(
        store.connection(&short.id).await.expect("read"),
        Some(short.clone())
    );
    assert_eq!(ids(&Topic::Queue, t0).await, vec![short.id.clone()]);
}
