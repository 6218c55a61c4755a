//! The event router's side effects for real outbox events: webhook
//! deliveries, in-app notifications, the hand-over to the email worker and
//! the SLA recompute, each done once however often an event is delivered.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use support::*;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::email::outbound::Notified;
use switchboard_domain::kernel::events::{Actor, DomainEvent, EventType, NoData, Subject};
use switchboard_domain::notifications::notification::{NotificationKind, Preferences};
use switchboard_domain::notifications::ports::{NotificationStore, PreferenceStore};
use switchboard_domain::routing::router::{EventRouter, Routed};
use switchboard_domain::sla::policy::{Target, Targets};
use switchboard_domain::sla::ports::TicketSlaStore;
use switchboard_domain::sla::settings::{PolicyInput, SlaSettings};
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::tickets::input::{NewTicket, RequesterRef, TicketPatch};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Priority, Status};
use switchboard_domain::webhooks::ports::WebhookStore;
use switchboard_domain::webhooks::service::{EndpointInput, Webhooks};
use switchboard_domain::webhooks::webhook::{DeliveryStatus, delivery_id};
use switchboard_testkit::fixtures::directory;
use switchboard_testkit::{MemoryPusher, MemoryQueues, MemoryStore, TestTenant};

type Router = EventRouter<MemoryStore, MemoryPusher, MemoryQueues, MemoryQueues, MemoryQueues>;

fn router(store: &MemoryStore) -> (Router, MemoryPusher, MemoryQueues) {
    let pusher = MemoryPusher::new();
    let queues = MemoryQueues::new();
    let router = EventRouter::new(
        store.clone(),
        pusher.clone(),
        queues.clone(),
        queues.clone(),
        queues.clone(),
    );
    (router, pusher, queues)
}

async fn route_all(router: &Router, events: &[DomainEvent], now: Timestamp) -> Vec<Routed> {
    let mut out = Vec::new();
    for e in events {
        out.push(router.route(e, now).await.unwrap());
    }
    out
}

async fn endpoint(
    store: &MemoryStore,
    t: &TestTenant,
    events: &[&str],
    enabled: bool,
    now: Timestamp,
) -> switchboard_domain::kernel::ids::WebhookId {
    let (endpoint, _) = Webhooks::new(store.clone(), MemoryQueues::new(), false)
        .create(
            &t.owner.principal,
            EndpointInput {
                url: Some("https://hooks.example.com/in".into()),
                description: None,
                events: Some(events.iter().map(|e| (*e).to_owned()).collect()),
                enabled: Some(enabled),
            },
            now,
        )
        .await
        .unwrap();
    endpoint.id
}

/// The notifications `user` has, as (kind, event type) pairs.
async fn inbox(
    store: &MemoryStore,
    t: &TestTenant,
    user: switchboard_domain::kernel::ids::UserId,
) -> Vec<(NotificationKind, Option<EventType>)> {
    store
        .notifications(t.id(), user, false, &page(100))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| (n.kind, n.event_type))
        .collect()
}

#[tokio::test]
async fn each_matching_enabled_endpoint_gets_one_delivery_however_often_the_event_comes() {
    let (clock, store, acme) = world().await;
    let all = endpoint(&store, &acme, &["*"], true, clock.now()).await;
    let created = endpoint(&store, &acme, &["ticket.created"], true, clock.now()).await;
    endpoint(&store, &acme, &["comment.created"], true, clock.now()).await;
    endpoint(&store, &acme, &["*"], false, clock.now()).await;
    let (router, _, queues) = router(&store);
    let tickets = Ticketing::new(store.clone());
    open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let event = only(&store.take_events(), EventType::TicketCreated);

    let first = router.route(&event, clock.now()).await.unwrap();
    assert_eq!(first.webhooks, Some(2));
    let again = router.route(&event, clock.now()).await.unwrap();
    assert_eq!(again.webhooks, None, "marked done");
    let mut queued: Vec<_> = queues
        .deliveries()
        .into_iter()
        .map(|d| d.endpoint_id)
        .collect();
    queued.sort();
    let mut want = vec![all, created];
    want.sort();
    assert_eq!(queued, want);
    for id in want {
        let d = store
            .delivery(acme.id(), id, delivery_id(event.id, id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((d.event_id, d.status), (event.id, DeliveryStatus::Pending));
        let body: serde_json::Value = serde_json::from_str(&d.payload).unwrap();
        assert_eq!(body["type"], "ticket.created");
    }
}

#[tokio::test]
async fn a_delivery_recorded_but_not_queued_is_queued_when_the_event_comes_again() {
    let (clock, store, acme) = world().await;
    let hook = endpoint(&store, &acme, &["*"], true, clock.now()).await;
    let (router, _, queues) = router(&store);
    let tickets = Ticketing::new(store.clone());
    open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let event = only(&store.take_events(), EventType::TicketCreated);
    queues.fail_next(StoreError::Unavailable("queue down".into()));
    assert!(router.route(&event, clock.now()).await.is_err());
    assert!(
        store
            .delivery(acme.id(), hook, delivery_id(event.id, hook))
            .await
            .unwrap()
            .is_some()
    );
    assert!(queues.deliveries().is_empty());
    let retried = router.route(&event, clock.now()).await.unwrap();
    assert_eq!(retried.webhooks, Some(1));
    router.route(&event, clock.now()).await.unwrap();
    assert_eq!(queues.deliveries().len(), 1);
}

#[tokio::test]
async fn an_assignment_notifies_the_assignee_once_and_never_the_one_who_made_it() {
    let (clock, store, acme) = world().await;
    let (router, _, _) = router(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Refund", clock.now()).await;
    store.take_events();
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
    let first = router.route(&assigned, clock.now()).await.unwrap();
    assert_eq!((first.notifications, first.new_notifications), (1, 1));
    let again = router.route(&assigned, clock.now()).await.unwrap();
    assert_eq!((again.notifications, again.new_notifications), (1, 0));
    assert_eq!(
        inbox(&store, &acme, acme.agent.user.id).await,
        vec![(NotificationKind::Assigned, Some(EventType::TicketAssigned))]
    );
    assert_eq!(
        store
            .unread_count(acme.id(), acme.agent.user.id)
            .await
            .unwrap(),
        1
    );
    let n = &store
        .notifications(acme.id(), acme.agent.user.id, false, &page(1))
        .await
        .unwrap()
        .items[0];
    assert_eq!(n.title, format!("#{} assigned to you: Refund", t.number));
    assert_eq!(n.actor, Actor::user(acme.owner.user.id));

    tickets
        .update(
            &acme.owner.principal,
            t.id,
            TicketPatch {
                assignee: Some(Some(acme.owner.user.id)),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let to_self = only(&store.take_events(), EventType::TicketAssigned);
    assert_eq!(
        router
            .route(&to_self, clock.now())
            .await
            .unwrap()
            .notifications,
        0
    );
    assert!(inbox(&store, &acme, acme.owner.user.id).await.is_empty());
}

#[tokio::test]
async fn customers_hear_of_status_changes_and_assignees_of_customer_replies() {
    let (clock, store, acme) = world().await;
    let (router, _, _) = router(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                assignee: Some(Some(acme.agent.user.id)),
                status: Some(Status::Pending),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    route_all(&router, &store.take_events(), clock.now()).await;
    assert_eq!(
        inbox(&store, &acme, acme.customer.user.id).await,
        vec![(
            NotificationKind::StatusChanged,
            Some(EventType::TicketStatusChanged)
        )]
    );
    assert!(
        inbox(&store, &acme, acme.agent.user.id).await.is_empty(),
        "they did it"
    );

    next_millisecond().await;
    tickets
        .add_comment(
            &acme.customer.principal,
            t.id,
            reply("Here is the info"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    route_all(&router, &store.take_events(), clock.now()).await;
    assert_eq!(
        inbox(&store, &acme, acme.agent.user.id).await,
        vec![(
            NotificationKind::CustomerReplied,
            Some(EventType::CommentCreated)
        )]
    );
    assert_eq!(
        inbox(&store, &acme, acme.customer.user.id).await.len(),
        1,
        "the customer reopened it themselves: no second notice"
    );
}

#[tokio::test]
async fn mail_goes_to_the_email_worker_once_for_what_may_cause_one() {
    let (clock, store, acme) = world().await;
    let (router, _, queues) = router(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let opened = store.take_events();
    let routed = route_all(&router, &opened, clock.now()).await;
    assert_eq!(
        routed.iter().map(|r| r.mailed).collect::<Vec<_>>(),
        vec![Some(true), Some(false)],
        "the acknowledgement; the opening message is no reply"
    );
    assert_eq!(
        route_all(&router, &opened, clock.now()).await[0].mailed,
        None
    );
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            note("internal"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("public"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let conversation = store.take_events();
    route_all(&router, &conversation, clock.now()).await;
    route_all(&router, &conversation, clock.now()).await;
    let jobs: Vec<EventType> = queues.mail_jobs().iter().map(|j| j.event.kind).collect();
    assert_eq!(
        jobs,
        vec![EventType::TicketCreated, EventType::CommentCreated]
    );
    let reply_job = &queues.mail_jobs()[1];
    assert!(
        reply_job
            .event
            .payload::<switchboard_domain::tickets::events::CommentCreated>()
            .unwrap()
            .public
    );
    assert!(reply_job.notify.is_empty());
}

#[tokio::test]
async fn a_notification_its_owner_wants_by_mail_goes_to_the_email_worker() {
    let (clock, store, acme) = world().await;
    store
        .put_preferences(
            acme.id(),
            acme.agent.user.id,
            &Preferences {
                muted: BTreeSet::new(),
                emailed: BTreeSet::from([NotificationKind::Assigned]),
            },
        )
        .await
        .unwrap();
    store
        .put_preferences(
            acme.id(),
            acme.customer.user.id,
            &Preferences {
                muted: BTreeSet::from([NotificationKind::StatusChanged]),
                emailed: BTreeSet::from([NotificationKind::StatusChanged]),
            },
        )
        .await
        .unwrap();
    let (router, _, queues) = router(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    tickets
        .update(
            &acme.owner.principal,
            t.id,
            TicketPatch {
                assignee: Some(Some(acme.agent.user.id)),
                status: Some(Status::Open),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    route_all(&router, &store.take_events(), clock.now()).await;
    let jobs = queues.mail_jobs();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].event.kind, EventType::TicketAssigned);
    assert_eq!(
        jobs[0].notify,
        vec![Notified {
            user_id: acme.agent.user.id,
            kind: NotificationKind::Assigned
        }]
    );
    assert!(
        inbox(&store, &acme, acme.customer.user.id).await.is_empty(),
        "a muted kind is neither shown nor mailed"
    );
}

#[tokio::test]
async fn an_internal_event_is_mailed_but_never_offered_to_webhooks_or_sockets() {
    let (clock, store, acme) = world().await;
    endpoint(&store, &acme, &["*"], true, clock.now()).await;
    let (router, pusher, queues) = router(&store);
    let event = DomainEvent::new(
        EventType::PasswordResetRequested,
        acme.id(),
        clock.now(),
        Actor::operator(),
        Subject {
            user_id: Some(acme.agent.user.id),
            ..Subject::default()
        },
        &NoData {},
    );
    let routed = router.route(&event, clock.now()).await.unwrap();
    assert_eq!(routed.webhooks, Some(0));
    assert_eq!(routed.mailed, Some(true));
    assert!(queues.deliveries().is_empty());
    assert_eq!(queues.mail_jobs().len(), 1);
    assert!(pusher.pushes().is_empty());
    assert_eq!(routed.sla_deadline, None);
}

async fn first_response_policy(store: &MemoryStore, t: &TestTenant, now: Timestamp) {
    SlaSettings::new(store.clone())
        .create_policy(
            &t.owner.principal,
            PolicyInput {
                name: Some("Standard".into()),
                targets: Some(BTreeMap::from([(
                    Priority::Normal,
                    Targets {
                        first_response: Some(Target {
                            minutes: 4,
                            business_hours: None,
                        }),
                        ..Targets::default()
                    },
                )])),
                warn_at: Some(0.5),
                ..PolicyInput::default()
            },
            now,
        )
        .await
        .unwrap();
    // The policy's own `configuration.changed` is not what these tests route.
    store.take_events();
}

#[tokio::test]
async fn ticket_events_recompute_the_sla_and_hand_a_near_deadline_to_the_worker() {
    let (clock, store, acme) = world().await;
    first_response_policy(&store, &acme, clock.now()).await;
    let (router, _, queues) = router(&store);
    let tickets = Ticketing::new(store.clone());
    let opened_at = clock.now();
    let t = open(&tickets, &acme.customer.principal, "S", opened_at).await;
    let routed = route_all(&router, &store.take_events(), clock.now()).await;
    let warn_at = opened_at + SignedDuration::from_mins(2);
    assert_eq!(routed[0].sla_deadline, Some(warn_at));
    let check = SlaCheck {
        tenant_id: acme.id(),
        ticket_id: t.id,
    };
    assert_eq!(queues.sla_checks()[0], (check, 120));
    let stored = store.ticket_sla(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(stored.next_deadline, Some(warn_at));
    let redelivered = store.events()[store.events().len() - 2].clone();
    assert_eq!(redelivered.kind, EventType::TicketCreated);
    clock.advance(SignedDuration::from_secs(10));
    let again = router.route(&redelivered, clock.now()).await.unwrap();
    assert_eq!(again.sla_deadline, Some(warn_at));
    let kept = store.ticket_sla(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(
        kept.computed_at, stored.computed_at,
        "an unchanged SLA is not rewritten"
    );

    clock.advance(SignedDuration::from_mins(1));
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("Hello!"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    queues.take_sla_checks();
    let routed = route_all(&router, &store.take_events(), clock.now()).await;
    assert!(
        routed.iter().all(|r| r.sla_deadline.is_none()),
        "{routed:?}"
    );
    assert!(queues.sla_checks().is_empty(), "nothing left to time");
    let met = store.ticket_sla(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(met.next_deadline, None);
}

#[tokio::test]
async fn without_a_policy_nothing_is_timed() {
    let (clock, store, acme) = world().await;
    let (router, _, queues) = router(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let routed = route_all(&router, &store.take_events(), clock.now()).await;
    assert!(routed.iter().all(|r| r.sla_deadline.is_none()));
    assert!(queues.sla_checks().is_empty());
    assert!(store.ticket_sla(acme.id(), t.id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_redelivered_event_repeats_no_side_effect() {
    let (clock, store, acme) = world().await;
    endpoint(&store, &acme, &["*"], true, clock.now()).await;
    let (router, pusher, queues) = router(&store);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    let live = switchboard_domain::realtime::service::Live::new(store.clone(), pusher.clone());
    let issued = live
        .issue_ticket(&acme.agent.principal, clock.now())
        .await
        .unwrap();
    live.connect(Some(&issued.secret), "conn-a", clock.now())
        .await
        .unwrap()
        .unwrap();
    live.receive(
        "conn-a",
        r#"{"action":"subscribe","topic":"queue"}"#,
        clock.now(),
    )
    .await
    .unwrap();
    pusher.take_pushes();
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
    let events = store.take_events();
    let first = route_all(&router, &events, clock.now()).await;
    assert!(
        first
            .iter()
            .all(|r| r.pushed.is_some() && r.webhooks == Some(1) && r.mailed.is_some())
    );
    let (deliveries, mails, pushes) = (
        queues.deliveries().len(),
        queues.mail_jobs().len(),
        pusher.pushes().len(),
    );
    assert_eq!(deliveries, events.len());
    assert!(pushes > 0);
    let again = route_all(&router, &events, clock.now()).await;
    assert!(again.iter().all(|r| r.webhooks.is_none()
        && r.mailed.is_none()
        && r.pushed.is_none()
        && r.new_notifications == 0));
    assert_eq!(queues.deliveries().len(), deliveries);
    assert_eq!(queues.mail_jobs().len(), mails);
    assert_eq!(pusher.pushes().len(), pushes);
    assert_eq!(inbox(&store, &acme, acme.agent.user.id).await.len(), 1);
    assert!(store.take_events().is_empty(), "routing writes no events");
}

#[tokio::test]
async fn a_new_ticket_notifies_its_assignee_and_the_members_of_its_team() {
    let (clock, store, acme) = world().await;
    let (colleague, _) = invite(&store, &acme, Role::Agent, "Colleague", clock.now()).await;
    let team = directory(store.clone())
        .unwrap()
        .create_team(
            &acme.owner.principal,
            NewTeam {
                name: "Billing".into(),
                description: String::new(),
                members: BTreeSet::from([acme.agent.user.id, colleague.id, acme.owner.user.id]),
            },
            clock.now(),
        )
        .await
        .unwrap();
    store.take_events();
    let (router, _, _) = router(&store);
    let tickets = Ticketing::new(store.clone());
    open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: Some(RequesterRef::Id(acme.customer.user.id)),
            assignee: Some(colleague.id),
            team: Some(team.id),
            ..new_ticket("Invoice", "Wrong VAT")
        },
        clock.now(),
    )
    .await;
    let created = only(&store.take_events(), EventType::TicketCreated);
    let routed = router.route(&created, clock.now()).await.unwrap();
    assert_eq!(routed.notifications, 2);
    assert_eq!(
        inbox(&store, &acme, colleague.id).await,
        vec![(NotificationKind::Assigned, Some(EventType::TicketCreated))],
        "assigned wins over team"
    );
    assert_eq!(
        inbox(&store, &acme, acme.owner.user.id).await,
        vec![(
            NotificationKind::TeamAssigned,
            Some(EventType::TicketCreated)
        )]
    );
    assert!(
        inbox(&store, &acme, acme.agent.user.id).await.is_empty(),
        "not the agent who opened it"
    );
    assert!(inbox(&store, &acme, acme.customer.user.id).await.is_empty());
}
