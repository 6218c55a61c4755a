//! The event router against the emulator: stream batches in the exact
//! Lambda shape, redelivered and partly failing, as the mapping does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use aws_lambda_events::dynamodb::Event;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use switchboard_aws::DynamoStore;
use switchboard_aws::items::EventItem;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::permissions::Caller;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::ports::MailQueue;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::{Actor, DomainEvent, EventType, Subject};
use switchboard_domain::kernel::ids::{SessionId, TicketId, UserId, WebhookId};
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::notifications::ports::NotificationStore;
use switchboard_domain::realtime::model::{Connection, Listener, Topic};
use switchboard_domain::realtime::ports::{ConnectionStore, PushResult, Pusher};
use switchboard_domain::routing::router::EventRouter;
use switchboard_domain::sla::ports::SlaQueue;
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::tickets::input::{Body, NewTicket, SubjectLine};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::webhooks::ports::{DeliveryQueue, WebhookStore};
use switchboard_domain::webhooks::webhook::{
    DeliveryRef, Endpoint, EventFilter, Secret, SigningKey, delivery_id,
};
use switchboard_harness::{self as kit, TestTenant};

/// Records pushes; can fail one call, and knows gone connections.
#[derive(Default)]
struct FakeGateway {
    pushed: Mutex<Vec<(String, Value)>>,
    calls: Mutex<usize>,
    /// This call (1-based) fails as a gateway hiccup would.
    fail_call: Option<usize>,
    gone: HashSet<String>,
    closed: Mutex<Vec<String>>,
}

impl Pusher for &FakeGateway {
    async fn push(&self, connection_id: &str, message: &[u8]) -> StoreResult<PushResult> {
        let call = {
            let mut calls = self.calls.lock().unwrap();
            *calls += 1;
            *calls
        };
        if self.fail_call == Some(call) {
            return Err(StoreError::Unavailable("gateway hiccup".into()));
        }
        if self.gone.contains(connection_id) {
            return Ok(PushResult::Gone);
        }
        let v: Value = serde_json::from_slice(message).unwrap();
        self.pushed
            .lock()
            .unwrap()
            .push((connection_id.to_owned(), v));
        Ok(PushResult::Delivered)
    }

    async fn close(&self, connection_id: &str) -> StoreResult<()> {
        self.closed.lock().unwrap().push(connection_id.to_owned());
        Ok(())
    }
}

/// Records the deliveries the router queues.
#[derive(Default)]
struct FakeQueue(Mutex<Vec<DeliveryRef>>);

impl DeliveryQueue for &FakeQueue {
    async fn enqueue(&self, delivery: &DeliveryRef) -> StoreResult<()> {
        self.0.lock().unwrap().push(delivery.clone());
        Ok(())
    }
}

/// Records the jobs the router hands the email worker.
#[derive(Default)]
struct FakeMail(Mutex<Vec<MailJob>>);

impl MailQueue for &FakeMail {
    async fn enqueue_mail(&self, job: &MailJob) -> StoreResult<()> {
        self.0.lock().unwrap().push(job.clone());
        Ok(())
    }
}

/// Records the SLA checks the router arms.
#[derive(Default)]
struct FakeChecks(Mutex<Vec<(SlaCheck, u32)>>);

impl SlaQueue for &FakeChecks {
    async fn enqueue_check(&self, check: &SlaCheck, delay: u32) -> StoreResult<()> {
        self.0.lock().unwrap().push((*check, delay));
        Ok(())
    }
}

/// A stream batch carrying `events` (and any raw records) as Lambda
/// delivers it.
fn batch(records: Vec<Value>) -> Event {
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

fn record(sequence: &str, image: Value) -> Value {
    json!({
        "eventID": format!("id-{sequence}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_700_000_000,
            "Keys": {"PK": {"S": "x"}, "SK": {"S": "EVT"}},
            "NewImage": image,
            "SequenceNumber": sequence,
            "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x"
    })
}

fn outbox_record(sequence: &str, event: &DomainEvent) -> Value {
    let item =
        serde_dynamo::to_item::<_, serde_dynamo::Item>(EventItem::new(event).unwrap()).unwrap();
    record(sequence, serde_json::to_value(item).unwrap())
}

struct World {
    store: DynamoStore,
    tenant: TestTenant,
    agent: UserId,
    owner: UserId,
    ticket: TicketId,
    /// The live session of each person, for their sockets.
    sessions: HashMap<UserId, SessionId>,
}

async fn session_of(auth: &str) -> SessionId {
    match kit::principal(auth).await.caller {
        Caller::User { session_id, .. } => session_id,
        other => panic!("not a person: {other:?}"),
    }
}

async fn world() -> World {
    let store = kit::store().await;
    let tenant = TestTenant::new().await;
    let agent = tenant.person("agent", "Ada Agent").await;
    let customer = tenant.person("customer", "Cal Customer").await;
    let principal = kit::accounts()
        .await
        .authenticate(
            customer.auth.trim_start_matches("Bearer "),
            Timestamp::now(),
        )
        .await
        .unwrap();
    let created = Ticketing::new(store.clone())
        .create(
            &principal,
            NewTicket::new(
                SubjectLine::parse("Refund").unwrap(),
                Body::parse("Please").unwrap(),
            ),
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let ticket = created.into_inner().0.ticket.id;
    let sessions = HashMap::from([
        (agent.id, session_of(&agent.auth).await),
        (tenant.owner_id, session_of(&tenant.owner).await),
    ]);
    World {
        store,
        agent: agent.id,
        owner: tenant.owner_id,
        tenant,
        ticket,
        sessions,
    }
}

/// `ticket.assigned` to the agent, by the owner.
fn assigned(w: &World) -> DomainEvent {
    switchboard_domain::kernel::events::DomainEvent {
        id: switchboard_domain::kernel::ids::EventId::new(),
        kind: EventType::TicketAssigned,
        tenant_id: w.tenant.id,
        occurred_at: Timestamp::now(),
        actor: Actor::user(w.owner),
        subject: Subject {
            ticket_id: Some(w.ticket),
            ..Subject::default()
        },
        data: json!({"assigneeId": w.agent, "previousAssigneeId": null, "teamId": null, "previousTeamId": null}),
    }
}

async fn notifications_of(w: &World, user: UserId) -> Vec<String> {
    let page = PageRequest::parse(Some(100), None).unwrap();
    w.store
        .notifications(w.tenant.id, user, false, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| n.event_id.to_string())
        .collect()
}

async fn connect(w: &World, user: UserId, role: Role, topic: Topic) -> Connection {
    let connection = Connection {
        id: format!("c{}=", ulid::Ulid::new()),
        listener: Listener {
            tenant_id: w.tenant.id,
            user_id: user,
            role,
            session_id: w.sessions.get(&user).copied(),
        },
        connected_at: Timestamp::now(),
        expires_at: Timestamp::now() + jiff::SignedDuration::from_hours(2),
        topics: Default::default(),
    };
    w.store.put_connection(&connection).await.unwrap();
    w.store.subscribe(&connection, &topic).await.unwrap();
    connection
}

#[tokio::test]
async fn the_same_batch_delivered_twice_notifies_and_pushes_once() {
    let w = world().await;
    let gateway = FakeGateway::default();
    let queue = FakeQueue::default();
    let watcher = connect(&w, w.agent, Role::Agent, Topic::User(w.agent)).await;
    let mail = FakeMail::default();
    let checks = FakeChecks::default();
    let router = EventRouter::new(w.store.clone(), &gateway, &queue, &mail, &checks);
    let first = assigned(&w);
    let second = switchboard_domain::kernel::events::DomainEvent {
        id: switchboard_domain::kernel::ids::EventId::new(),
        kind: EventType::TicketStatusChanged,
        tenant_id: w.tenant.id,
        occurred_at: Timestamp::now(),
        actor: Actor::user(w.owner),
        subject: Subject {
            ticket_id: Some(w.ticket),
            ..Subject::default()
        },
        data: json!({"from": "new", "to": "open"}),
    };
    let records = vec![outbox_record("100", &first), outbox_record("101", &second)];

    for _ in 0..2 {
        let response = event_router::handle(&router, batch(records.clone())).await;
        assert!(response.batch_item_failures.is_empty());
    }

    assert_eq!(
        notifications_of(&w, w.agent).await,
        vec![first.id.to_string()]
    );
    assert_eq!(w.store.unread_count(w.tenant.id, w.agent).await.unwrap(), 1);
    let pushed = gateway.pushed.lock().unwrap().clone();
    assert_eq!(pushed.len(), 1, "{pushed:#?}");
    assert_eq!(pushed[0].0, watcher.id);
    assert_eq!(pushed[0].1["type"], "notification");
    assert_eq!(pushed[0].1["notification"]["kind"], "assigned");
    assert!(
        mail.0.lock().unwrap().is_empty(),
        "neither event mails anyone by default"
    );
}

#[tokio::test]
async fn a_public_reply_goes_to_the_email_worker_once_and_a_note_never() {
    let w = world().await;
    let gateway = FakeGateway::default();
    let queue = FakeQueue::default();
    let mail = FakeMail::default();
    let checks = FakeChecks::default();
    let router = EventRouter::new(w.store.clone(), &gateway, &queue, &mail, &checks);
    let comment = |public: bool| switchboard_domain::kernel::events::DomainEvent {
        id: switchboard_domain::kernel::ids::EventId::new(),
        kind: EventType::CommentCreated,
        tenant_id: w.tenant.id,
        occurred_at: Timestamp::now(),
        actor: Actor::user(w.owner),
        subject: Subject {
            ticket_id: Some(w.ticket),
            ..Subject::default()
        },
        data: json!({"public": public, "mentions": []}),
    };
    let (reply, note) = (comment(true), comment(false));
    let records = vec![outbox_record("200", &reply), outbox_record("201", &note)];
    for _ in 0..2 {
        let response = event_router::handle(&router, batch(records.clone())).await;
        assert!(response.batch_item_failures.is_empty());
    }
    let jobs = mail.0.lock().unwrap().clone();
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert_eq!(jobs[0].event.id, reply.id);
}

#[tokio::test]
async fn a_failing_record_is_reported_alone_and_succeeds_when_retried() {
    let w = world().await;
    // One subscriber of the queue: each event is one push, and the second
    // push (the second record's) hits a gateway hiccup.
    let gateway = FakeGateway {
        fail_call: Some(2),
        ..FakeGateway::default()
    };
    let queue = FakeQueue::default();
    let _queue = connect(&w, w.owner, Role::Owner, Topic::Queue).await;
    let mail = FakeMail::default();
    let checks = FakeChecks::default();
    let router = EventRouter::new(w.store.clone(), &gateway, &queue, &mail, &checks);
    let good = assigned(&w);
    let flaky = switchboard_domain::kernel::events::DomainEvent {
        id: switchboard_domain::kernel::ids::EventId::new(),
        kind: EventType::TicketPriorityChanged,
        tenant_id: w.tenant.id,
        occurred_at: Timestamp::now(),
        actor: Actor::user(w.agent),
        subject: Subject {
            ticket_id: Some(w.ticket),
            ..Subject::default()
        },
        data: json!({"from": "normal", "to": "high"}),
    };
    let later = assigned(&w);
    let records = vec![
        outbox_record("200", &good),
        outbox_record("201", &flaky),
        outbox_record("202", &later),
    ];

    let response = event_router::handle(&router, batch(records.clone())).await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, vec![Some("201".to_owned())]);
    assert_eq!(
        notifications_of(&w, w.agent).await.len(),
        2,
        "both assignments notified despite the failure between them"
    );

    // The mapping retries from the failed record on: everything after it
    // comes again, and only what had not happened happens.
    let retried = event_router::handle(&router, batch(records[1..].to_vec())).await;
    assert!(retried.batch_item_failures.is_empty());
    assert_eq!(notifications_of(&w, w.agent).await.len(), 2);
    let mut pushed: Vec<String> = gateway
        .pushed
        .lock()
        .unwrap()
        .iter()
        .map(|(_, m)| m["event"]["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    pushed.sort();
    let mut want = vec![
        good.id.to_string(),
        flaky.id.to_string(),
        later.id.to_string(),
    ];
    want.sort();
    assert_eq!(pushed, want, "each event reached the queue exactly once");
}

#[tokio::test]
async fn an_unreadable_record_fails_without_holding_up_the_rest() {
    let w = world().await;
    let gateway = FakeGateway::default();
    let queue = FakeQueue::default();
    let mail = FakeMail::default();
    let checks = FakeChecks::default();
    let router = EventRouter::new(w.store.clone(), &gateway, &queue, &mail, &checks);
    let good = assigned(&w);
    let records = vec![
        record(
            "300",
            json!({"entity": {"S": "event"}, "payload": {"S": "{not json"}}),
        ),
        outbox_record("301", &good),
    ];
    let response = event_router::handle(&router, batch(records)).await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, vec![Some("300".to_owned())]);
    assert_eq!(
        notifications_of(&w, w.agent).await,
        vec![good.id.to_string()]
    );
}

#[tokio::test]
async fn a_gone_connection_is_forgotten_with_its_subscriptions() {
    let w = world().await;
    let watcher = connect(&w, w.owner, Role::Owner, Topic::Queue).await;
    w.store
        .subscribe(&watcher, &Topic::Ticket(w.ticket))
        .await
        .unwrap();
    let gateway = FakeGateway {
        gone: HashSet::from([watcher.id.clone()]),
        ..FakeGateway::default()
    };
    let queue = FakeQueue::default();
    let mail = FakeMail::default();
    let checks = FakeChecks::default();
    let router = EventRouter::new(w.store.clone(), &gateway, &queue, &mail, &checks);
    let response =
        event_router::handle(&router, batch(vec![outbox_record("400", &assigned(&w))])).await;
    assert!(response.batch_item_failures.is_empty());
    assert!(w.store.connection(&watcher.id).await.unwrap().is_none());
    for topic in [Topic::Queue, Topic::Ticket(w.ticket)] {
        let left = w
            .store
            .subscribers(w.tenant.id, &topic, Timestamp::now())
            .await
            .unwrap();
        assert!(
            left.iter().all(|s| s.connection_id != watcher.id),
            "{topic}"
        );
    }
}

fn endpoint(w: &World, events: EventFilter, enabled: bool) -> Endpoint {
    Endpoint {
        id: WebhookId::new(),
        tenant_id: w.tenant.id,
        url: "https://hooks.example.com/in".into(),
        description: String::new(),
        events,
        enabled,
        disabled_reason: None,
        keys: vec![SigningKey {
            secret: Secret::generate(),
            created_at: Timestamp::now(),
            retires_at: None,
        }],
        failing_since: None,
        created_at: Timestamp::now(),
        updated_at: Timestamp::now(),
        version: 1,
    }
}

#[tokio::test]
async fn each_matching_enabled_endpoint_gets_one_delivery_however_often_the_event_comes() {
    let w = world().await;
    let gateway = FakeGateway::default();
    let queue = FakeQueue::default();
    let wants = endpoint(
        &w,
        EventFilter::parse(&["ticket.assigned".into()]).unwrap(),
        true,
    );
    let everything = endpoint(&w, EventFilter::All, true);
    let other = endpoint(
        &w,
        EventFilter::parse(&["ticket.created".into()]).unwrap(),
        true,
    );
    let off = endpoint(&w, EventFilter::All, false);
    for e in [&wants, &everything, &other, &off] {
        w.store.put_endpoint(e, None, &[]).await.unwrap();
    }
    let mail = FakeMail::default();
    let checks = FakeChecks::default();
    let router = EventRouter::new(w.store.clone(), &gateway, &queue, &mail, &checks);
    let event = assigned(&w);
    for _ in 0..2 {
        let r = event_router::handle(&router, batch(vec![outbox_record("500", &event)])).await;
        assert!(r.batch_item_failures.is_empty());
    }
    let mut queued: Vec<_> = queue
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|d| d.endpoint_id)
        .collect();
    queued.sort();
    let mut want = vec![wants.id, everything.id];
    want.sort();
    assert_eq!(queued, want, "one delivery per matching enabled endpoint");
    for id in want {
        let d = w
            .store
            .delivery(w.tenant.id, id, delivery_id(event.id, id))
            .await
            .unwrap()
            .expect("recorded");
        let body: Value = serde_json::from_str(&d.payload).unwrap();
        assert_eq!(body["id"], event.id.to_string());
        assert_eq!(body["type"], "ticket.assigned");
    }
}
