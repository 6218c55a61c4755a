//! The event router's live pushes: every ticket event to the staff
//! following the ticket or the queue, the customer's view to the customer
//! following their ticket (never an internal note, never routing), each
//! notification to its owner, and a retry after a failed push.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::Timestamp;
use serde_json::{Value, json};
use support::*;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kernel::events::{DomainEvent, EventType};
use switchboard_domain::realtime::model::{Connection, Listener, Topic};
use switchboard_domain::realtime::ports::ConnectionStore;
use switchboard_domain::realtime::service::Live;
use switchboard_domain::routing::router::{EventRouter, Routed};
use switchboard_domain::tickets::fields::FieldKind;
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Priority, Status, Tag};
use switchboard_testkit::{MemoryPusher, MemoryQueues, MemoryStore};

type Router = EventRouter<MemoryStore, MemoryPusher, MemoryQueues, MemoryQueues, MemoryQueues>;

struct Room {
    router: Router,
    pusher: MemoryPusher,
    live: Live<MemoryStore, MemoryPusher>,
}

fn room(store: &MemoryStore) -> Room {
    let pusher = MemoryPusher::new();
    let queues = MemoryQueues::new();
    Room {
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

impl Room {
    /// `who` connects as `id` and follows `topics` through the socket.
    async fn follow(&self, who: &Principal, id: &str, topics: &[Topic], now: Timestamp) {
        let issued = self.live.issue_ticket(who, now).await.unwrap();
        self.live
            .connect(Some(&issued.secret), id, now)
            .await
            .unwrap()
            .unwrap();
        for t in topics {
            let body = json!({"action": "subscribe", "topic": t.to_string()});
            self.live.receive(id, &body.to_string(), now).await.unwrap();
        }
        assert_eq!(self.pusher.messages_to(id).len(), topics.len());
        self.pusher.take_pushes();
    }

    async fn route(&self, events: &[DomainEvent], now: Timestamp) -> Vec<Routed> {
        let mut out = Vec::new();
        for e in events {
            out.push(self.router.route(e, now).await.unwrap());
        }
        out
    }

    /// The events pushed to `connection`, as (topic, type) pairs.
    fn seen(&self, connection: &str) -> Vec<(String, String)> {
        self.pusher
            .messages_to(connection)
            .iter()
            .filter(|m| m["type"] == "event")
            .map(|m| {
                (
                    m["topic"].as_str().unwrap().to_owned(),
                    m["event"]["type"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn events_to(&self, connection: &str) -> Vec<Value> {
        self.pusher
            .messages_to(connection)
            .into_iter()
            .filter(|m| m["type"] == "event")
            .map(|m| m["event"].clone())
            .collect()
    }
}

#[tokio::test]
async fn staff_get_every_event_and_the_customer_never_an_internal_note() {
    let (clock, store, acme) = world().await;
    let r = room(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    let ticket_topic = Topic::Ticket(t.id);
    r.follow(
        &acme.agent.principal,
        "conn-agent",
        &[ticket_topic],
        clock.now(),
    )
    .await;
    r.follow(
        &acme.owner.principal,
        "conn-queue",
        &[Topic::Queue],
        clock.now(),
    )
    .await;
    r.follow(
        &acme.customer.principal,
        "conn-customer",
        &[ticket_topic],
        clock.now(),
    )
    .await;

    let text = format!("@{} can you check?", acme.owner.user.id);
    tickets
        .add_comment(&acme.agent.principal, t.id, note(&text), None, clock.now())
        .await
        .unwrap();
    let noted = store.take_events();
    r.route(&noted, clock.now()).await;
    assert_eq!(
        r.seen("conn-agent"),
        vec![(ticket_topic.to_string(), "comment.created".into())]
    );
    assert_eq!(
        r.seen("conn-queue"),
        vec![("queue".into(), "comment.created".into())]
    );
    assert!(
        r.pusher.messages_to("conn-customer").is_empty(),
        "never an internal note"
    );
    assert_eq!(r.events_to("conn-agent")[0]["data"]["body"], text.as_str());
    let to_owner = r.pusher.messages_to("conn-queue");
    assert!(
        to_owner.iter().all(|m| m["type"] == "event"),
        "the owner follows no user topic"
    );

    r.pusher.take_pushes();
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("Fixed"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    r.route(&store.take_events(), clock.now()).await;
    let kinds = |c: &str| r.seen(c).into_iter().map(|(_, k)| k).collect::<Vec<_>>();
    let all = vec!["comment.created", "ticket.updated", "ticket.status_changed"];
    assert_eq!(kinds("conn-agent"), all);
    assert_eq!(kinds("conn-customer"), all);
    let public = &r.events_to("conn-customer")[0];
    assert_eq!(public["data"]["public"], true);
    assert_eq!(public["data"]["body"], "Fixed", "the text to show");
    assert_eq!(
        public["data"]["authorId"],
        acme.agent.user.id.to_string().as_str()
    );
    assert!(
        public["data"].get("mentions").is_none(),
        "whom agents mention is staff business"
    );
}

#[tokio::test]
async fn the_customer_sees_status_but_not_routing_tags_or_hidden_fields() {
    let (clock, store, acme) = world().await;
    let r = room(&store);
    let tickets = Ticketing::new(store.clone());
    tickets
        .put_fields(
            &acme.owner.principal,
            vec![
                field("order", FieldKind::Text, false, true),
                field("churn_risk", FieldKind::Boolean, false, false),
            ],
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    r.follow(
        &acme.agent.principal,
        "conn-agent",
        &[Topic::Ticket(t.id)],
        clock.now(),
    )
    .await;
    r.follow(
        &acme.customer.principal,
        "conn-customer",
        &[Topic::Ticket(t.id)],
        clock.now(),
    )
    .await;
    tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                status: Some(Status::Pending),
                priority: Some(Priority::High),
                assignee: Some(Some(acme.agent.user.id)),
                add_tags: Some([Tag::parse("vip").unwrap()].into()),
                custom_fields: Some(
                    serde_json::from_value(json!({"order": "A-1", "churn_risk": true})).unwrap(),
                ),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    r.route(&store.take_events(), clock.now()).await;
    let agent: Vec<String> = r.seen("conn-agent").into_iter().map(|(_, k)| k).collect();
    assert_eq!(
        agent,
        vec![
            "ticket.updated",
            "ticket.status_changed",
            "ticket.assigned",
            "ticket.priority_changed"
        ]
    );
    let customer = r.events_to("conn-customer");
    let kinds: Vec<&str> = customer
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "ticket.updated",
            "ticket.status_changed",
            "ticket.priority_changed"
        ]
    );
    let fields: Vec<&str> = customer[0]["data"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["status", "priority", "customFields.order"]);

    r.pusher.take_pushes();
    tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                add_tags: Some([Tag::parse("later").unwrap()].into()),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    r.route(&store.take_events(), clock.now()).await;
    assert_eq!(r.seen("conn-agent").len(), 1);
    assert!(
        r.pusher.messages_to("conn-customer").is_empty(),
        "a tag change is staff business"
    );
}

#[tokio::test]
async fn a_customer_connection_on_the_queue_gets_nothing() {
    let (clock, store, acme) = world().await;
    let r = room(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    // The socket refuses a customer the queue; a subscription that got in
    // anyway (a role changed after subscribing) still hears nothing.
    let connection = Connection {
        id: "conn-sneaky".into(),
        listener: Listener {
            tenant_id: acme.id(),
            user_id: acme.customer.user.id,
            role: acme.customer.user.role,
            session_id: acme.customer.principal.session_id(),
        },
        connected_at: clock.now(),
        expires_at: clock.now() + jiff::SignedDuration::from_hours(2),
        topics: Default::default(),
    };
    store.put_connection(&connection).await.unwrap();
    store.subscribe(&connection, &Topic::Queue).await.unwrap();
    tickets
        .add_comment(&acme.agent.principal, t.id, reply("x"), None, clock.now())
        .await
        .unwrap();
    let routed = r.route(&store.take_events(), clock.now()).await;
    assert!(r.pusher.pushes().is_empty());
    assert!(routed.iter().all(|x| x.pushed.unwrap().delivered == 0));
}

#[tokio::test]
async fn a_notification_is_pushed_to_its_owners_user_topic() {
    let (clock, store, acme) = world().await;
    let r = room(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    r.follow(
        &acme.agent.principal,
        "conn-agent",
        &[Topic::User(acme.agent.user.id)],
        clock.now(),
    )
    .await;
    tickets
        .update(
            &acme.owner.principal,
            t.id,
            TicketPatch {
                assignee: Some(Some(acme.agent.user.id)),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    r.route(&store.take_events(), clock.now()).await;
    let got = r.pusher.messages_to("conn-agent");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["type"], "notification");
    assert_eq!(got[0]["topic"], Topic::User(acme.agent.user.id).to_string());
    assert_eq!(got[0]["notification"]["kind"], "assigned");
}

#[tokio::test]
async fn a_failed_push_is_retried_without_repeating_what_was_done() {
    let (clock, store, acme) = world().await;
    let r = room(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    r.follow(
        &acme.agent.principal,
        "conn-agent",
        &[Topic::Queue],
        clock.now(),
    )
    .await;
    tickets
        .update(
            &acme.owner.principal,
            t.id,
            TicketPatch {
                assignee: Some(Some(acme.agent.user.id)),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let assigned = only(&store.take_events(), EventType::TicketAssigned);
    r.pusher
        .fail_next(StoreError::Unavailable("gateway hiccup".into()));
    let failed = r.router.route(&assigned, clock.now()).await;
    assert!(
        matches!(failed, Err(StoreError::Unavailable(_))),
        "{failed:?}"
    );
    assert!(r.pusher.pushes().is_empty());
    let retried = r.router.route(&assigned, clock.now()).await.unwrap();
    assert_eq!(retried.webhooks, None, "done before the failure");
    assert_eq!(retried.mailed, None);
    assert_eq!(retried.new_notifications, 0);
    assert_eq!(retried.pushed.unwrap().delivered, 1);
    assert_eq!(
        r.seen("conn-agent"),
        vec![("queue".into(), "ticket.assigned".into())]
    );
}

#[tokio::test]
async fn a_closed_connection_is_forgotten_by_the_router() {
    let (clock, store, acme) = world().await;
    let r = room(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    r.follow(
        &acme.agent.principal,
        "conn-agent",
        &[Topic::Queue, Topic::Ticket(t.id)],
        clock.now(),
    )
    .await;
    r.pusher.mark_gone("conn-agent");
    tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                status: Some(Status::Open),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let routed = r.route(&store.take_events(), clock.now()).await;
    assert_eq!(routed[0].pushed.unwrap().gone, 2, "both of its topics");
    assert!(store.connection("conn-agent").await.unwrap().is_none());
    for topic in [Topic::Queue, Topic::Ticket(t.id)] {
        assert!(
            store
                .subscribers(acme.id(), &topic, clock.now())
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn edits_of_an_internal_note_never_reach_the_customer_but_a_replys_do() {
    let (clock, store, acme) = world().await;
    let r = room(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let agent = &acme.agent.principal;
    let (n, _) = tickets
        .add_comment(agent, t.id, note("draft"), None, clock.now())
        .await
        .unwrap()
        .into_inner();
    let (p, _) = tickets
        .add_comment(agent, t.id, reply("Hello"), None, clock.now())
        .await
        .unwrap()
        .into_inner();
    store.take_events();
    r.follow(
        &acme.customer.principal,
        "conn-customer",
        &[Topic::Ticket(t.id)],
        clock.now(),
    )
    .await;
    r.follow(agent, "conn-agent", &[Topic::Ticket(t.id)], clock.now())
        .await;
    tickets
        .edit_comment(agent, t.id, n.id, body("final"), clock.now())
        .await
        .unwrap();
    tickets
        .delete_comment(agent, t.id, n.id, clock.now())
        .await
        .unwrap();
    tickets
        .edit_comment(agent, t.id, p.id, body("Hello there"), clock.now())
        .await
        .unwrap();
    r.route(&store.take_events(), clock.now()).await;
    let staff: Vec<String> = r.seen("conn-agent").into_iter().map(|(_, k)| k).collect();
    assert_eq!(
        staff,
        vec!["comment.updated", "comment.deleted", "comment.updated"]
    );
    let customer = r.events_to("conn-customer");
    assert_eq!(customer.len(), 1, "{customer:?}");
    assert_eq!(customer[0]["type"], "comment.updated");
    assert_eq!(customer[0]["subject"]["commentId"], p.id.to_string());
}
