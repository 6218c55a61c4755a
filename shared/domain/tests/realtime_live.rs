//! Live updates on the WebSocket side: one-time connection tickets,
//! `$connect` and `$disconnect`, what a connected client may follow, typing
//! relays, and the fan-out that forgets closed connections.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use support::*;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::realtime::model::{Connection, Subscriber, Topic};
use switchboard_domain::realtime::ports::ConnectionStore;
use switchboard_domain::realtime::service::{FanOut, Live, LiveSessions, fan_out};
use switchboard_domain::tickets::input::{NewTicket, RequesterRef};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::{MemoryPusher, MemoryStore};

type Socket = Live<MemoryStore, MemoryPusher>;

/// `who` takes a ticket and connects as `id`.
async fn connect(live: &Socket, who: &Principal, id: &str, now: Timestamp) -> Connection {
    let issued = live.issue_ticket(who, now).await.unwrap();
    live.connect(Some(&issued.secret), id, now)
        .await
        .unwrap()
        .unwrap()
}

/// Sends `body` on `connection` and returns what came back on it.
async fn say(
    live: &Socket,
    pusher: &MemoryPusher,
    connection: &str,
    body: Value,
    now: Timestamp,
) -> Vec<Value> {
    pusher.take_pushes();
    live.receive(connection, &body.to_string(), now)
        .await
        .unwrap();
    pusher.messages_to(connection)
}

fn subscribe(topic: impl std::fmt::Display) -> Value {
    json!({"action": "subscribe", "topic": topic.to_string()})
}

async fn subscribers(
    store: &MemoryStore,
    p: &Principal,
    topic: Topic,
    now: Timestamp,
) -> Vec<String> {
    store
        .subscribers(p.tenant_id(), &topic, now)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.connection_id)
        .collect()
}

#[tokio::test]
async fn a_connection_ticket_opens_one_connection_once() {
    let (clock, store, acme) = world().await;
    let live = Live::new(store.clone(), MemoryPusher::new());
    let issued = live
        .issue_ticket(&acme.agent.principal, clock.now())
        .await
        .unwrap();
    assert!(issued.secret.starts_with("wst_"));
    assert_eq!(
        issued.expires_at,
        clock.now() + SignedDuration::from_secs(30)
    );
    clock.advance(SignedDuration::from_secs(10));
    let connection = live
        .connect(Some(&issued.secret), "conn-1", clock.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(connection.listener.user_id, acme.agent.user.id);
    assert_eq!(connection.listener.tenant_id, acme.id());
    assert_eq!(connection.listener.role, Role::Agent);
    assert_eq!(
        connection.expires_at,
        clock.now() + SignedDuration::from_hours(2)
    );
    assert!(store.connection("conn-1").await.unwrap().is_some());
    let reused = live
        .connect(Some(&issued.secret), "conn-2", clock.now())
        .await
        .unwrap();
    assert_eq!(reused.map_err(|r| r.code), Err("unauthorized"));
    assert!(store.connection("conn-2").await.unwrap().is_none());
}

#[tokio::test]
async fn an_expired_missing_or_made_up_ticket_is_refused() {
    let (clock, store, acme) = world().await;
    let live = Live::new(store.clone(), MemoryPusher::new());
    let issued = live
        .issue_ticket(&acme.customer.principal, clock.now())
        .await
        .unwrap();
    clock.advance(SignedDuration::from_secs(31));
    let made_up = "wst_".to_owned() + &"x".repeat(43);
    let too_long = "wst_".to_owned() + &"x".repeat(300);
    for secret in [
        Some(issued.secret.as_str()),
        None,
        Some("not-a-ticket"),
        Some(made_up.as_str()),
        Some(too_long.as_str()),
    ] {
        let refused = live.connect(secret, "conn", clock.now()).await.unwrap();
        assert_eq!(
            refused.map_err(|r| r.code),
            Err("unauthorized"),
            "{secret:?}"
        );
    }
    assert!(store.connection("conn").await.unwrap().is_none());
}

#[tokio::test]
async fn api_keys_and_switchboard_itself_get_no_connection_ticket() {
    let (clock, store, acme) = world().await;
    let live = Live::new(store.clone(), MemoryPusher::new());
    let key = api_key(&acme, Role::Admin, &Scope::ALL);
    let refused = live.issue_ticket(&key, clock.now()).await;
    assert!(
        matches!(refused, Err(DomainError::Forbidden)),
        "{:?}",
        refused.err()
    );
    let system = Principal::system(acme.tenant.clone());
    let refused = live.issue_ticket(&system, clock.now()).await;
    assert!(
        matches!(refused, Err(DomainError::Forbidden)),
        "{:?}",
        refused.err()
    );
    assert!(!store.calls().iter().any(|c| c == "put_connection_ticket"));
}

#[tokio::test]
async fn disconnect_forgets_the_connection_and_every_subscription() {
    let (clock, store, acme) = world().await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let agent = &acme.agent.principal;
    connect(&live, agent, "conn-a", clock.now()).await;
    for topic in [Topic::Queue.to_string(), Topic::Ticket(t.id).to_string()] {
        let answer = say(&live, &pusher, "conn-a", subscribe(&topic), clock.now()).await;
        assert_eq!(answer, vec![json!({"type": "subscribed", "topic": topic})]);
    }
    assert_eq!(
        subscribers(&store, agent, Topic::Queue, clock.now()).await,
        vec!["conn-a"]
    );
    live.disconnect("conn-a").await.unwrap();
    assert!(store.connection("conn-a").await.unwrap().is_none());
    assert!(
        subscribers(&store, agent, Topic::Queue, clock.now())
            .await
            .is_empty()
    );
    assert!(
        subscribers(&store, agent, Topic::Ticket(t.id), clock.now())
            .await
            .is_empty()
    );
    let after = say(
        &live,
        &pusher,
        "conn-a",
        json!({"action": "ping"}),
        clock.now(),
    )
    .await;
    assert_eq!(after[0]["code"], "unknown_connection");
    live.disconnect("conn-a").await.unwrap();
}

#[tokio::test]
async fn customers_follow_only_their_own_tickets_and_notifications() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let (_, other) = invite(&store, &acme, Role::Customer, "Other Customer", clock.now()).await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let mine = open(&tickets, me, "Mine", clock.now()).await;
    let theirs = open(&tickets, &other, "Theirs", clock.now()).await;
    let foreign = open(
        &tickets,
        &globex.customer.principal,
        "Elsewhere",
        clock.now(),
    )
    .await;
    let gone = open(&tickets, me, "Deleted", clock.now()).await;
    tickets
        .delete(&acme.owner.principal, gone.id, clock.now())
        .await
        .unwrap();
    connect(&live, me, "conn-c", clock.now()).await;
    let now = clock.now();
    let refusal = |topic: String| {
        let (live, pusher) = (&live, &pusher);
        async move {
            let answer = say(live, pusher, "conn-c", subscribe(&topic), now).await;
            assert_eq!(answer.len(), 1);
            assert_eq!(answer[0]["type"], "error");
            assert_eq!(answer[0]["action"], "subscribe");
            answer[0]["code"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(refusal(Topic::Queue.to_string()).await, "forbidden");
    for t in [theirs.id, foreign.id, gone.id, TicketId::new()] {
        assert_eq!(
            refusal(Topic::Ticket(t).to_string()).await,
            "not_found",
            "{t}"
        );
    }
    assert_eq!(
        refusal(Topic::User(acme.agent.user.id).to_string()).await,
        "forbidden"
    );
    assert_eq!(refusal("room:lobby".into()).await, "invalid_topic");
    for topic in [Topic::Ticket(mine.id), Topic::User(acme.customer.user.id)] {
        let ok = say(&live, &pusher, "conn-c", subscribe(topic), now).await;
        assert_eq!(
            ok,
            vec![json!({"type": "subscribed", "topic": topic.to_string()})]
        );
    }
    let held = store.connection("conn-c").await.unwrap().unwrap().topics;
    assert_eq!(
        held,
        BTreeSet::from([
            Topic::Person(acme.customer.user.id).to_string(),
            Topic::Ticket(mine.id).to_string(),
            Topic::User(acme.customer.user.id).to_string()
        ])
    );
}

#[tokio::test]
async fn agents_follow_the_queue_and_any_ticket_of_their_tenant_only() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let tickets = Ticketing::new(store.clone());
    let ours = open(&tickets, &acme.customer.principal, "Ours", clock.now()).await;
    let theirs = open(&tickets, &globex.customer.principal, "Theirs", clock.now()).await;
    connect(&live, &acme.agent.principal, "conn-a", clock.now()).await;
    let now = clock.now();
    for topic in [Topic::Queue, Topic::Ticket(ours.id)] {
        let ok = say(&live, &pusher, "conn-a", subscribe(topic), now).await;
        assert_eq!(ok[0]["type"], "subscribed");
    }
    let refused = say(
        &live,
        &pusher,
        "conn-a",
        subscribe(Topic::Ticket(theirs.id)),
        now,
    )
    .await;
    assert_eq!(refused[0]["code"], "not_found");
    assert!(
        subscribers(
            &store,
            &globex.agent.principal,
            Topic::Ticket(theirs.id),
            now
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn a_customer_copied_on_a_ticket_follows_it_live() {
    let (clock, store, acme) = world().await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let tickets = Ticketing::new(store.clone());
    let (_, requester) = invite(&store, &acme, Role::Customer, "Req Uester", clock.now()).await;
    let shared = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: Some(RequesterRef::Id(requester.user_id().unwrap())),
            cc: BTreeSet::from([acme.customer.user.email.as_str().to_lowercase()]),
            ..new_ticket("Outage", "Down for everyone")
        },
        clock.now(),
    )
    .await
    .ticket;
    assert!(
        tickets
            .get(&acme.customer.principal, shared.id)
            .await
            .is_ok()
    );
    connect(&live, &acme.customer.principal, "conn-cc", clock.now()).await;
    let answer = say(
        &live,
        &pusher,
        "conn-cc",
        subscribe(Topic::Ticket(shared.id)),
        clock.now(),
    )
    .await;
    assert_eq!(answer[0]["type"], "subscribed", "{answer:?}");
}

#[tokio::test]
async fn topics_are_held_once_up_to_fifty_and_can_be_left() {
    let (clock, store, acme) = world().await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let agent = &acme.agent.principal;
    let connection = connect(&live, agent, "conn-a", clock.now()).await;
    let now = clock.now();
    for _ in 0..2 {
        let ok = say(&live, &pusher, "conn-a", subscribe(Topic::Queue), now).await;
        assert_eq!(ok[0]["type"], "subscribed");
    }
    assert_eq!(subscribers(&store, agent, Topic::Queue, now).await.len(), 1);
    let left = say(
        &live,
        &pusher,
        "conn-a",
        json!({"action": "unsubscribe", "topic": "queue"}),
        now,
    )
    .await;
    assert_eq!(
        left,
        vec![json!({"type": "unsubscribed", "topic": "queue"})]
    );
    assert!(
        subscribers(&store, agent, Topic::Queue, now)
            .await
            .is_empty()
    );

    for _ in 0..50 {
        store
            .subscribe(&connection, &Topic::Ticket(TicketId::new()))
            .await
            .unwrap();
    }
    let full = say(&live, &pusher, "conn-a", subscribe(Topic::Queue), now).await;
    assert_eq!(full[0]["code"], "too_many_topics");
    assert!(
        subscribers(&store, agent, Topic::Queue, now)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn typing_reaches_the_others_in_the_room_and_a_notes_typing_only_staff() {
    let (clock, store, acme) = world().await;
    let colleague_p = acme
        .person(&store, "agent", "Colleague", clock.now())
        .await
        .unwrap()
        .principal;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let now = clock.now();
    for (who, id) in [
        (&acme.agent.principal, "conn-a"),
        (&colleague_p, "conn-b"),
        (&acme.customer.principal, "conn-c"),
    ] {
        connect(&live, who, id, now).await;
        say(&live, &pusher, id, subscribe(Topic::Ticket(t.id)), now).await;
    }
    let typing = |internal: bool| json!({"action": "typing", "ticketId": t.id.to_string(), "internal": internal});

    pusher.take_pushes();
    live.receive("conn-a", &typing(true).to_string(), now)
        .await
        .unwrap();
    let pushes = pusher.take_pushes();
    let to: Vec<&str> = pushes.iter().map(|p| p.connection_id.as_str()).collect();
    assert_eq!(
        to,
        vec!["conn-b"],
        "a note's typing is for staff, not the sender"
    );
    assert_eq!(
        pushes[0].json(),
        json!({"type": "typing", "ticketId": t.id.to_string(), "userId": acme.agent.user.id.to_string(), "internal": true})
    );

    live.receive("conn-c", &typing(false).to_string(), now)
        .await
        .unwrap();
    let mut to: Vec<String> = pusher
        .take_pushes()
        .into_iter()
        .map(|p| p.connection_id)
        .collect();
    to.sort();
    assert_eq!(to, vec!["conn-a", "conn-b"]);

    let customer_note = say(&live, &pusher, "conn-c", typing(true), now).await;
    assert_eq!(customer_note[0]["code"], "forbidden");
    live.receive(
        "conn-b",
        &json!({"action": "unsubscribe", "topic": Topic::Ticket(t.id).to_string()}).to_string(),
        now,
    )
    .await
    .unwrap();
    let unsubscribed = say(&live, &pusher, "conn-b", typing(false), now).await;
    assert_eq!(unsubscribed[0]["code"], "not_subscribed");
    let junk = say(
        &live,
        &pusher,
        "conn-a",
        json!({"action": "typing", "ticketId": "tkt_nope"}),
        now,
    )
    .await;
    assert_eq!(junk[0]["code"], "not_found");
}

#[tokio::test]
async fn ping_is_answered_and_junk_refused_on_the_same_connection() {
    let (clock, store, acme) = world().await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    connect(&live, &acme.customer.principal, "conn-c", clock.now()).await;
    clock.advance(SignedDuration::from_mins(3));
    let pong = say(
        &live,
        &pusher,
        "conn-c",
        json!({"action": "ping"}),
        clock.now(),
    )
    .await;
    assert_eq!(
        pong,
        vec![json!({"type": "pong", "connectionId": "conn-c", "at": clock.now().to_string()})]
    );
    for junk in [json!({}), json!({"action": "shout"}), json!([1])] {
        let answer = say(&live, &pusher, "conn-c", junk.clone(), clock.now()).await;
        assert_eq!(answer[0]["code"], "invalid_message", "{junk}");
    }
}

#[tokio::test]
async fn a_connection_past_its_two_hours_is_unknown() {
    let (clock, store, acme) = world().await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    connect(&live, &acme.agent.principal, "conn-a", clock.now()).await;
    clock.advance(SignedDuration::from_hours(2) + SignedDuration::from_secs(1));
    let answer = say(
        &live,
        &pusher,
        "conn-a",
        subscribe(Topic::Queue),
        clock.now(),
    )
    .await;
    assert_eq!(answer[0]["code"], "unknown_connection");
    assert!(
        subscribers(&store, &acme.agent.principal, Topic::Queue, clock.now())
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_answer_to_a_closed_connection_forgets_it() {
    let (clock, store, acme) = world().await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let connection = connect(&live, &acme.agent.principal, "conn-a", clock.now()).await;
    store.subscribe(&connection, &Topic::Queue).await.unwrap();
    pusher.mark_gone("conn-a");
    live.receive("conn-a", r#"{"action":"ping"}"#, clock.now())
        .await
        .unwrap();
    assert!(store.connection("conn-a").await.unwrap().is_none());
    assert!(
        subscribers(&store, &acme.agent.principal, Topic::Queue, clock.now())
            .await
            .is_empty()
    );
}

/// A message for `who`'s connection (their live session).
fn target(connection: &str, who: &Principal, message: &str) -> (Subscriber, Vec<u8>) {
    (
        Subscriber {
            connection_id: connection.into(),
            tenant_id: who.tenant_id(),
            user_id: who.user_id().unwrap(),
            role: who.role(),
            session_id: who.session_id(),
        },
        message.as_bytes().to_vec(),
    )
}

#[tokio::test]
async fn a_fan_out_delivers_each_message_and_forgets_closed_connections() {
    let (clock, store, acme) = world().await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let closed = connect(&live, &acme.agent.principal, "conn-closed", clock.now()).await;
    store.subscribe(&closed, &Topic::Queue).await.unwrap();
    pusher.mark_gone("conn-closed");
    let report = fan_out(
        &store,
        &pusher,
        &LiveSessions::default(),
        vec![
            target("conn-1", &acme.agent.principal, r#"{"n":1}"#),
            target("conn-closed", &acme.agent.principal, r#"{"n":2}"#),
            target("conn-2", &acme.customer.principal, r#"{"n":3}"#),
        ]
        .into_iter(),
        clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        report,
        FanOut {
            delivered: 2,
            gone: 1,
            closed: 0
        }
    );
    assert_eq!(pusher.messages_to("conn-1"), vec![json!({"n": 1})]);
    assert_eq!(pusher.messages_to("conn-2"), vec![json!({"n": 3})]);
    assert!(store.connection("conn-closed").await.unwrap().is_none());
    assert!(
        subscribers(&store, &acme.agent.principal, Topic::Queue, clock.now())
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_failed_push_fails_the_fan_out_after_trying_every_other() {
    let (clock, store, acme) = world().await;
    let pusher = MemoryPusher::new();
    pusher.fail_next(StoreError::Unavailable("gateway hiccup".into()));
    let result = fan_out(
        &store,
        &pusher,
        &LiveSessions::default(),
        (1..=3).map(|i| target(&format!("conn-{i}"), &acme.agent.principal, "{}")),
        clock.now(),
    )
    .await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert_eq!(pusher.pushes().len(), 2, "the other two went out");
    let empty = fan_out(
        &store,
        &pusher,
        &LiveSessions::default(),
        std::iter::empty(),
        clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(empty, FanOut::default());
}
