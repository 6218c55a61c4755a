//! Live sockets follow their session: a socket stands for one person's
//! session with the role they had, checked again on `$connect`, on each
//! message and before each push. When the session ends (deactivation,
//! demotion, logout, a new password) the socket hears nothing more and is
//! closed through the @connections API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use support::*;
use switchboard_domain::accounts::input::UserPatch;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::realtime::model::Topic;
use switchboard_domain::realtime::ports::ConnectionStore;
use switchboard_domain::realtime::service::Live;
use switchboard_domain::routing::router::{EventRouter, Routed};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_testkit::fixtures::{accounts, directory};
use switchboard_testkit::{MemoryPusher, MemoryQueues, MemoryStore, TestClock, TestTenant};

type Router = EventRouter<MemoryStore, MemoryPusher, MemoryQueues, MemoryQueues, MemoryQueues>;

struct Room {
    store: MemoryStore,
    router: Router,
    pusher: MemoryPusher,
    live: Live<MemoryStore, MemoryPusher>,
}

impl Room {
    fn new(store: &MemoryStore) -> Self {
        let pusher = MemoryPusher::new();
        let queues = MemoryQueues::new();
        Self {
            store: store.clone(),
            router: EventRouter::new(
                store.clone(),
                pusher.clone(),
                queues.clone(),
                queues.clone(),
                queues,
            ),
            live: Live::new(store.clone(), pusher.clone()),
            pusher,
        }
    }

    /// `who` connects as `id` and follows `topics`.
    async fn follow(&self, who: &Principal, id: &str, topics: &[Topic], now: Timestamp) {
        let issued = self.live.issue_ticket(who, now).await.unwrap();
        self.live
            .connect(Some(&issued.secret), id, now)
            .await
            .unwrap()
            .unwrap();
        for t in topics {
            self.say(
                id,
                json!({"action": "subscribe", "topic": t.to_string()}),
                now,
            )
            .await;
        }
        self.pusher.take_pushes();
    }

    async fn say(&self, id: &str, body: serde_json::Value, now: Timestamp) {
        self.live.receive(id, &body.to_string(), now).await.unwrap();
    }

    async fn route(&self, now: Timestamp) -> Vec<Routed> {
        let events: Vec<DomainEvent> = self.store.take_events();
        let mut out = Vec::new();
        for e in &events {
            out.push(self.router.route(e, now).await.unwrap());
        }
        out
    }

    /// A comment on a new ticket of the customer: an event for the queue.
    async fn some_news(&self, acme: &TestTenant, now: Timestamp) {
        let tickets = Ticketing::new(self.store.clone());
        let t = open(&tickets, &acme.customer.principal, "News", now).await;
        tickets
            .add_comment(&acme.customer.principal, t.id, reply("Hello?"), None, now)
            .await
            .unwrap();
    }

    fn heard(&self, id: &str) -> usize {
        self.pusher.messages_to(id).len()
    }

    fn closed(&self, id: &str) -> bool {
        self.pusher.closed().iter().any(|c| c == id)
    }
}

async fn setup() -> (TestClock, MemoryStore, TestTenant, Room) {
    let (clock, store, acme) = world().await;
    store.take_events();
    let room = Room::new(&store);
    (clock, store, acme, room)
}

#[tokio::test]
async fn a_deactivated_agents_socket_is_closed_and_hears_nothing_more() {
    let (clock, store, acme, room) = setup().await;
    let now = clock.now();
    room.follow(&acme.agent.principal, "conn-agent", &[Topic::Queue], now)
        .await;
    room.follow(&acme.owner.principal, "conn-owner", &[Topic::Queue], now)
        .await;
    room.some_news(&acme, now).await;
    room.route(now).await;
    assert!(room.heard("conn-agent") > 0 && room.heard("conn-owner") > 0);
    room.pusher.take_pushes();

    directory(store.clone())
        .unwrap()
        .deactivate_user(&acme.owner.principal, acme.agent.user.id, now)
        .await
        .unwrap();
    let routed = room.route(now).await;
    assert_eq!(
        routed.iter().map(|r| r.closed_sockets).sum::<usize>(),
        1,
        "the deactivation closes the socket at once"
    );
    assert!(room.closed("conn-agent"));
    assert!(store.connection("conn-agent").await.unwrap().is_none());

    room.some_news(&acme, now).await;
    room.route(now).await;
    assert_eq!(room.heard("conn-agent"), 0);
    assert!(room.heard("conn-owner") > 0, "others still hear");
    assert!(!room.closed("conn-owner"));
}

#[tokio::test]
async fn a_ticket_issued_before_the_session_ended_does_not_connect() {
    let (clock, store, acme, room) = setup().await;
    let now = clock.now();
    let issued = room
        .live
        .issue_ticket(&acme.agent.principal, now)
        .await
        .unwrap();
    directory(store.clone())
        .unwrap()
        .deactivate_user(&acme.owner.principal, acme.agent.user.id, now)
        .await
        .unwrap();
    let refused = room
        .live
        .connect(Some(&issued.secret), "conn-late", now)
        .await
        .unwrap();
    assert_eq!(refused.map_err(|r| r.code), Err("unauthorized"));
    assert!(store.connection("conn-late").await.unwrap().is_none());
}

#[tokio::test]
async fn a_logged_out_session_loses_its_sockets_and_the_other_session_keeps_its_own() {
    let (clock, store, acme, room) = setup().await;
    let now = clock.now();
    let second = acme
        .person(&store, "agent", "Two Devices", now)
        .await
        .unwrap();
    let laptop = second.principal.clone();
    room.follow(&laptop, "conn-laptop", &[Topic::Queue], now)
        .await;
    let other = acme
        .person(&store, "agent", "Other Agent", now)
        .await
        .unwrap();
    room.follow(&other.principal, "conn-other", &[Topic::Queue], now)
        .await;
    accounts(store.clone())
        .unwrap()
        .logout(&laptop, now)
        .await
        .unwrap();
    let routed = room.route(now).await;
    assert_eq!(
        routed.iter().map(|r| r.closed_sockets).sum::<usize>(),
        1,
        "the logout closes its socket at once"
    );
    assert!(room.closed("conn-laptop"));
    room.some_news(&acme, now).await;
    room.route(now).await;
    assert_eq!(
        room.heard("conn-laptop"),
        0,
        "the ended session hears nothing"
    );
    assert!(room.closed("conn-laptop"));
    assert!(room.heard("conn-other") > 0);
    assert!(store.connection("conn-laptop").await.unwrap().is_none());
}

#[tokio::test]
async fn a_demoted_agent_can_neither_follow_the_queue_nor_another_customers_ticket() {
    let (clock, store, acme, room) = setup().await;
    let now = clock.now();
    let tickets = Ticketing::new(store.clone());
    let theirs = open(&tickets, &acme.customer.principal, "Private", now).await;
    room.follow(&acme.agent.principal, "conn-agent", &[], now)
        .await;
    directory(store.clone())
        .unwrap()
        .update_user(
            &acme.owner.principal,
            acme.agent.user.id,
            UserPatch {
                role: Some(Role::Customer),
                ..UserPatch::default()
            },
            None,
            now,
        )
        .await
        .unwrap();
    store.take_events();
    room.say(
        "conn-agent",
        json!({"action": "subscribe", "topic": Topic::Ticket(theirs.id).to_string()}),
        now,
    )
    .await;
    let answers = room.pusher.messages_to("conn-agent");
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0]["type"], "error");
    assert_eq!(answers[0]["code"], "session_ended");
    assert!(room.closed("conn-agent"));
    let held = store
        .subscribers(acme.id(), &Topic::Ticket(theirs.id), now)
        .await;
    assert!(held.unwrap().is_empty());
}

#[tokio::test]
async fn a_new_password_ends_the_other_sockets_of_that_person() {
    let (clock, store, acme, room) = setup().await;
    let now = clock.now();
    room.follow(&acme.agent.principal, "conn-agent", &[Topic::Queue], now)
        .await;
    clock.advance(SignedDuration::from_secs(5));
    let later = clock.now();
    let mut user = acme.agent.user.clone();
    user.password_changed_at = Some(later);
    let stored = switchboard_domain::accounts::ports::UserStore::user(&store, acme.id(), user.id)
        .await
        .unwrap()
        .unwrap();
    user.version = stored.version + 1;
    switchboard_domain::accounts::ports::UserStore::update_user(
        &store,
        &user,
        stored.version,
        None,
        &[],
    )
    .await
    .unwrap();
    room.some_news(&acme, later).await;
    room.route(later).await;
    assert_eq!(room.heard("conn-agent"), 0);
    assert!(room.closed("conn-agent"));
}
