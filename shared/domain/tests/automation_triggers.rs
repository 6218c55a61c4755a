//! Triggers through the event router on the in-memory store: what fires on
//! a real change, written once as Switchboard with its cause, starting no
//! new cycle; the trial that writes nothing; what a trigger may name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::json;
use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::condition::{ActorKind, Condition, Conditions, Contains, Is};
use switchboard_domain::automation::trigger::On;
use switchboard_domain::automation::triggers::{TriggerInput, TriggerRules};
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_domain::kernel::ids::{TeamId, TriggerId};
use switchboard_domain::routing::router::EventRouter;
use switchboard_domain::tickets::input::NewComment;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Cause, Priority, Tag};
use switchboard_domain::webhooks::service::{EndpointInput, Webhooks};
use switchboard_testkit::fixtures::directory;
use switchboard_testkit::{MemoryPusher, MemoryQueues, MemoryStore, TestTenant};

type Router = EventRouter<MemoryStore, MemoryPusher, MemoryQueues, MemoryQueues, MemoryQueues>;

fn router(store: &MemoryStore) -> (Router, MemoryQueues) {
    let queues = MemoryQueues::new();
    let router = EventRouter::new(
        store.clone(),
        MemoryPusher::new(),
        queues.clone(),
        queues.clone(),
        queues.clone(),
    );
    (router, queues)
}

fn tag(t: &str) -> Tag {
    Tag::parse(t).unwrap()
}

async fn team(store: &MemoryStore, t: &TestTenant, name: &str, now: Timestamp) -> TeamId {
    directory(store.clone())
        .unwrap()
        .create_team(
            &t.owner.principal,
            NewTeam {
                name: name.into(),
                description: String::new(),
                members: BTreeSet::from([t.agent.user.id]),
            },
            now,
        )
        .await
        .unwrap()
        .id
}

fn refunds_to(team: TeamId) -> TriggerInput {
    TriggerInput {
        title: Some("Refunds go to Billing".into()),
        on: Some([On::Created].into()),
        conditions: Some(Conditions {
            all: vec![Condition::Body {
                operator: Contains::Contains,
                value: "refund \"money back\"".into(),
            }],
            any: Vec::new(),
        }),
        actions: Some(vec![
            Action::AssignTeam {
                team_id: Some(team),
            },
            Action::AddTags {
                tags: [tag("billing")].into(),
            },
            Action::AddNote {
                body: "Routed to Billing.".into(),
            },
        ]),
        ..TriggerInput::default()
    }
}

#[tokio::test]
async fn a_trigger_routes_a_new_ticket_once_and_its_change_starts_no_new_cycle() {
    let (clock, store, acme) = world().await;
    let billing = team(&store, &acme, "Billing", clock.now()).await;
    let rules = TriggerRules::new(store.clone());
    let (trigger, _) = rules
        .create(&acme.owner.principal, refunds_to(billing), clock.now())
        .await
        .unwrap();
    // A second trigger that needs the first one's tag: it fires in the same run.
    rules
        .create(
            &acme.owner.principal,
            TriggerInput {
                title: Some("Billing is urgent".into()),
                on: Some([On::Created].into()),
                conditions: Some(Conditions {
                    all: vec![Condition::Tags {
                        operator: switchboard_domain::automation::condition::Has::Has,
                        value: tag("billing"),
                    }],
                    any: Vec::new(),
                }),
                actions: Some(vec![Action::SetPriority {
                    priority: Priority::Urgent,
                }]),
                position: Some(0),
                ..TriggerInput::default()
            },
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let ticket = open_detail(
        &tickets,
        &acme.customer.principal,
        new_ticket("My order", "I would like a REFUND for order 12."),
        clock.now(),
    )
    .await
    .ticket;
    let created = only(&store.take_events(), EventType::TicketCreated);
    let (router, _) = router(&store);

    let routed = router.route(&created, clock.now()).await.unwrap();
    let fired = routed.triggered.expect("the triggers fired");
    let titles: Vec<&str> = fired.triggers.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Refunds go to Billing", "Billing is urgent"]);
    assert_eq!(fired.passes, 3, "the first one's tag woke the second");

    let after = store_ticket(&store, &acme, ticket.id).await;
    assert_eq!(after.team_id, Some(billing));
    assert!(after.tags.contains(&tag("billing")));
    assert_eq!(after.priority, Priority::Urgent);
    let history = tickets
        .history(&acme.owner.principal, ticket.id)
        .await
        .unwrap();
    let by_triggers = history
        .iter()
        .find(|h| h.caused_by.is_some())
        .expect("the triggers' entry");
    assert_eq!(by_triggers.actor.kind, ActorType::System);
    match &by_triggers.caused_by {
        Some(Cause::Triggers { triggers }) => {
            assert_eq!(triggers[0].id, trigger.trigger.id.to_string());
        }
        other => panic!("caused by {other:?}"),
    }

    // The trigger's write: one change, with the note, by Switchboard.
    let written = store.take_events();
    assert!(written.iter().all(|e| e.actor.kind == ActorType::System));
    assert_eq!(
        kinds(&written)
            .iter()
            .filter(|k| **k == EventType::CommentCreated)
            .count(),
        1
    );
    for e in &written {
        assert_eq!(router.route(e, clock.now()).await.unwrap().triggered, None);
    }

    // A second delivery of the same event writes nothing more.
    assert_eq!(
        router.route(&created, clock.now()).await.unwrap().triggered,
        None
    );
    assert!(store.take_events().is_empty());
    assert_eq!(
        store_ticket(&store, &acme, ticket.id).await.version,
        after.version
    );
}

async fn store_ticket(
    store: &MemoryStore,
    t: &TestTenant,
    id: switchboard_domain::kernel::ids::TicketId,
) -> switchboard_domain::tickets::ticket::Ticket {
    use switchboard_domain::tickets::ports::TicketStore;
    store.ticket(t.id(), id).await.unwrap().unwrap()
}

#[tokio::test]
async fn who_acted_and_what_changed_decide_on_comments() {
    let (clock, store, acme) = world().await;
    TriggerRules::new(store.clone())
        .create(
            &acme.owner.principal,
            TriggerInput {
                title: Some("Customer came back".into()),
                on: Some([On::Comment].into()),
                conditions: Some(Conditions {
                    all: vec![
                        Condition::Actor {
                            operator: Is::Is,
                            value: ActorKind::Customer,
                        },
                        Condition::Changed {
                            what: switchboard_domain::automation::condition::Watched::Status,
                            from: Some(json!("solved")),
                            to: None,
                        },
                    ],
                    any: Vec::new(),
                }),
                actions: Some(vec![Action::AddTags {
                    tags: [tag("reopened")].into(),
                }]),
                ..TriggerInput::default()
            },
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let ticket = open(&tickets, &acme.customer.principal, "Printer", clock.now()).await;
    let (router, _) = router(&store);
    let comment = |body: &str, public: bool| NewComment {
        public,
        ..reply(body)
    };
    // An agent's reply changes nothing the trigger asks for.
    tickets
        .add_comment(
            &acme.agent.principal,
            ticket.id,
            comment("Try this", true),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    tickets
        .update(
            &acme.agent.principal,
            ticket.id,
            switchboard_domain::tickets::input::TicketPatch {
                status: Some(switchboard_domain::tickets::ticket::Status::Solved),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    for e in store.take_events() {
        assert_eq!(router.route(&e, clock.now()).await.unwrap().triggered, None);
    }
    // The customer's reply reopens it: one comment.created carries the change.
    tickets
        .add_comment(
            &acme.customer.principal,
            ticket.id,
            comment("Still broken", true),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let mut fired = 0;
    for e in store.take_events() {
        if router
            .route(&e, clock.now())
            .await
            .unwrap()
            .triggered
            .is_some()
        {
            assert_eq!(e.kind, EventType::CommentCreated);
            fired += 1;
        }
    }
    assert_eq!(fired, 1, "once per change, not once per event");
    assert!(
        store_ticket(&store, &acme, ticket.id)
            .await
            .tags
            .contains(&tag("reopened"))
    );
}

#[tokio::test]
async fn a_notify_action_reaches_the_named_endpoint_only() {
    let (clock, store, acme) = world().await;
    let webhooks = Webhooks::new(store.clone(), MemoryQueues::new(), false);
    let endpoint = |events: &[&str]| {
        let input = EndpointInput {
            url: Some("https://hooks.example.com/in".into()),
            description: None,
            events: Some(events.iter().map(|e| (*e).to_owned()).collect()),
            enabled: Some(true),
        };
        let webhooks = &webhooks;
        let principal = acme.owner.principal.clone();
        let now = clock.now();
        async move { webhooks.create(&principal, input, now).await.unwrap().0.id }
    };
    let named = endpoint(&["user.created"]).await;
    let everything = endpoint(&["*"]).await;
    TriggerRules::new(store.clone())
        .create(
            &acme.owner.principal,
            TriggerInput {
                title: Some("Tell the ops channel".into()),
                on: Some([On::Created].into()),
                actions: Some(vec![Action::NotifyWebhook { webhook_id: named }]),
                ..TriggerInput::default()
            },
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    open(&tickets, &acme.customer.principal, "Outage", clock.now()).await;
    let (router, queues) = router(&store);
    for e in store.take_events() {
        router.route(&e, clock.now()).await.unwrap();
    }
    let notified = store.take_events();
    let notice = only(&notified, EventType::TriggerNotified);
    let before: Vec<_> = queues.deliveries();
    let routed = router.route(&notice, clock.now()).await.unwrap();
    assert_eq!(routed.webhooks, Some(1));
    let to: Vec<_> = queues.deliveries()[before.len()..]
        .iter()
        .map(|d| d.endpoint_id)
        .collect();
    assert_eq!(to, [named]);
    assert_ne!(named, everything);
}

#[tokio::test]
async fn a_trial_shows_what_would_happen_and_writes_nothing() {
    let (clock, store, acme) = world().await;
    let billing = team(&store, &acme, "Billing", clock.now()).await;
    let rules = TriggerRules::new(store.clone());
    let (trigger, version) = rules
        .create(&acme.owner.principal, refunds_to(billing), clock.now())
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let ticket = open(
        &tickets,
        &acme.customer.principal,
        "Refund please",
        clock.now(),
    )
    .await;
    store.take_events();
    let trial = rules
        .trial(
            &acme.agent.principal,
            trigger.trigger.id,
            ticket.id,
            clock.now(),
        )
        .await
        .unwrap();
    // The trial has no comment to read: the body condition is not met.
    assert!(!trial.matches);
    assert_eq!(trial.conditions.len(), 1);
    assert!(!trial.conditions[0].met);
    assert!(store.take_events().is_empty());

    let subject_rule = TriggerInput {
        conditions: Some(Conditions {
            all: vec![Condition::Subject {
                operator: Contains::Contains,
                value: "refund".into(),
            }],
            any: Vec::new(),
        }),
        ..TriggerInput::default()
    };
    rules
        .update(
            &acme.owner.principal,
            trigger.trigger.id,
            subject_rule,
            Some(version),
            clock.now(),
        )
        .await
        .unwrap();
    let saved = store.take_events();
    assert_eq!(saved.len(), 1, "the rule's change, for the audit log");
    let trial = rules
        .trial(
            &acme.agent.principal,
            trigger.trigger.id,
            ticket.id,
            clock.now(),
        )
        .await
        .unwrap();
    assert!(trial.matches);
    let fields: Vec<&str> = trial.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["teamId", "tags"]);
    assert_eq!(trial.notes, ["Routed to Billing."]);
    assert!(store.take_events().is_empty(), "a trial writes nothing");
    assert_eq!(
        store_ticket(&store, &acme, ticket.id).await.version,
        ticket.version
    );
}

#[tokio::test]
async fn what_a_trigger_names_must_exist_and_only_admins_write_them() {
    let (clock, store, acme) = world().await;
    let other = other_tenant(&store, &clock).await;
    let foreign = team(&store, &other, "Theirs", clock.now()).await;
    let rules = TriggerRules::new(store.clone());
    let bad = TriggerInput {
        title: Some(" ".into()),
        on: Some(BTreeSet::new()),
        conditions: Some(Conditions {
            all: vec![Condition::Subject {
                operator: Contains::Contains,
                value: "  ".into(),
            }],
            any: Vec::new(),
        }),
        actions: Some(vec![Action::AssignTeam {
            team_id: Some(foreign),
        }]),
        ..TriggerInput::default()
    };
    let mut errors = invalid(rules.create(&acme.owner.principal, bad, clock.now()).await);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("actions.0".to_owned(), "unknown_team"),
            ("conditions.all.0".to_owned(), "invalid_value"),
            ("on".to_owned(), "required"),
            ("title".to_owned(), "required"),
        ]
    );
    let billing = team(&store, &acme, "Billing", clock.now()).await;
    assert!(matches!(
        rules
            .create(&acme.agent.principal, refunds_to(billing), clock.now())
            .await,
        Err(DomainError::Forbidden)
    ));
    let (a, _) = rules
        .create(&acme.owner.principal, refunds_to(billing), clock.now())
        .await
        .unwrap();
    let (b, v) = rules
        .create(&acme.owner.principal, refunds_to(billing), clock.now())
        .await
        .unwrap();
    assert_eq!(
        invalid(
            rules
                .reorder(&acme.owner.principal, vec![b.trigger.id], None, clock.now())
                .await
        ),
        [("ids".to_owned(), "invalid_order")]
    );
    assert!(matches!(
        rules
            .reorder(
                &acme.owner.principal,
                vec![b.trigger.id, a.trigger.id],
                Some(v - 1),
                clock.now()
            )
            .await,
        Err(DomainError::PreconditionFailed)
    ));
    let set = rules
        .reorder(
            &acme.owner.principal,
            vec![b.trigger.id, a.trigger.id],
            Some(v),
            clock.now(),
        )
        .await
        .unwrap();
    let order: Vec<TriggerId> = set.triggers.iter().map(|t| t.id).collect();
    assert_eq!(order, [b.trigger.id, a.trigger.id]);
    assert!(matches!(
        rules.get(&other.owner.principal, a.trigger.id).await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn a_redelivered_event_adds_no_second_note() {
    let (clock, store, acme) = world().await;
    TriggerRules::new(store.clone())
        .create(
            &acme.owner.principal,
            TriggerInput {
                title: Some("Greet".into()),
                on: Some([On::Created].into()),
                actions: Some(vec![Action::AddNote {
                    body: "Read the runbook first.".into(),
                }]),
                ..TriggerInput::default()
            },
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let ticket = open(&tickets, &acme.customer.principal, "Hello", clock.now()).await;
    let created = only(&store.take_events(), EventType::TicketCreated);
    let (router, _) = router(&store);
    assert!(
        router
            .route(&created, clock.now())
            .await
            .unwrap()
            .triggered
            .is_some()
    );
    assert_eq!(kinds(&store.take_events()), [EventType::CommentCreated]);
    // The same note would be written again: the mark of the event refuses it.
    assert_eq!(
        router.route(&created, clock.now()).await.unwrap().triggered,
        None
    );
    assert!(store.take_events().is_empty());
    let (_, comments, _) = {
        use switchboard_domain::tickets::ports::TicketStore;
        store
            .conversation(acme.id(), ticket.id, 10, false)
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(comments.len(), 2, "the description and one note");
}
