//! Changing a ticket: the status lifecycle, optimistic locking, history,
//! the events each change writes, tags, assignment and custom fields.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use jiff::SignedDuration;
use serde_json::json;
use support::*;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::{Actor, EventType};
use switchboard_domain::kernel::ids::TeamId;
use switchboard_domain::tickets::events::{
    PriorityChanged, StatusChanged, TicketAssigned, TicketUpdated,
};
use switchboard_domain::tickets::fields::FieldKind;
use switchboard_domain::tickets::input::{NewTicket, TicketPatch};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Change, Priority, Status, Tag, Ticket};
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::fixtures::directory;

fn to(status: Status) -> TicketPatch {
    TicketPatch {
        status: Some(status),
        ..Default::default()
    }
}

fn tags(names: &[&str]) -> BTreeSet<Tag> {
    names.iter().map(|n| Tag::parse(n).unwrap()).collect()
}

#[tokio::test]
async fn a_ticket_moves_through_its_lifecycle_keeping_its_timestamps() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    let mut current: Ticket = t;
    let mut moved = Vec::new();
    for status in [
        Status::Open,
        Status::Pending,
        Status::OnHold,
        Status::Solved,
        Status::Open,
        Status::Solved,
        Status::Closed,
    ] {
        clock.advance(SignedDuration::from_mins(1));
        let before = current.status;
        current = tickets
            .update(
                agent,
                current.id,
                to(status),
                Some(current.version),
                clock.now(),
            )
            .await
            .unwrap();
        assert_eq!(current.status, status);
        let changed = only(&store.take_events(), EventType::TicketStatusChanged)
            .payload::<StatusChanged>()
            .unwrap();
        assert_eq!(
            changed,
            StatusChanged {
                from: before,
                to: status
            }
        );
        moved.push((status, current.solved_at, current.closed_at));
        if status == Status::Open {
            assert_eq!(current.solved_at, None, "reopening clears solved_at");
        }
    }
    let (_, solved_at, closed_at) = moved[6];
    assert!(solved_at.is_some());
    assert_eq!(closed_at, Some(clock.now()));
    assert_eq!(current.version, 8);
}

#[tokio::test]
async fn moves_the_lifecycle_forbids_are_refused_on_the_status_field() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let closing_unsolved = tickets
        .update(agent, t.id, to(Status::Closed), None, clock.now())
        .await;
    assert_eq!(
        invalid(closing_unsolved),
        vec![("status".into(), "invalid_transition")]
    );
    let opened = tickets
        .update(agent, t.id, to(Status::Open), None, clock.now())
        .await
        .unwrap();
    let back_to_new = tickets
        .update(agent, t.id, to(Status::New), None, clock.now())
        .await;
    assert_eq!(
        invalid(back_to_new),
        vec![("status".into(), "invalid_transition")]
    );
    tickets
        .update(agent, t.id, to(Status::Solved), None, clock.now())
        .await
        .unwrap();
    let closed = tickets
        .update(agent, t.id, to(Status::Closed), None, clock.now())
        .await
        .unwrap();
    store.take_events();
    for status in [Status::Open, Status::Solved, Status::Pending] {
        let reopened = tickets
            .update(agent, t.id, to(status), None, clock.now())
            .await;
        assert_eq!(
            invalid(reopened),
            vec![("status".into(), "invalid_transition")],
            "closed is final ({status})"
        );
    }
    assert!(store.take_events().is_empty());
    let now = tickets.get(agent, t.id).await.unwrap().ticket;
    assert_eq!(now.version, closed.version);
    assert!(opened.version < closed.version);
}

#[tokio::test]
async fn a_stale_version_is_precondition_failed_and_changes_nothing() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let v2 = tickets
        .update(agent, t.id, to(Status::Open), Some(1), clock.now())
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    store.take_events();
    let stale = tickets
        .update(
            &acme.owner.principal,
            t.id,
            TicketPatch {
                subject: Some(subject("Overwritten")),
                ..Default::default()
            },
            Some(1),
            clock.now(),
        )
        .await;
    assert!(
        matches!(stale, Err(DomainError::PreconditionFailed)),
        "{stale:?}"
    );
    assert!(store.take_events().is_empty());
    let now = tickets.get(agent, t.id).await.unwrap().ticket;
    assert_eq!(now, v2);
    assert_eq!(tickets.history(agent, t.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_write_that_loses_a_race_is_precondition_failed_and_writes_nothing() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    store.fail_next_call_to("write_ticket", StoreError::VersionMismatch);
    let lost = tickets
        .update(agent, t.id, to(Status::Open), Some(1), clock.now())
        .await;
    assert!(
        matches!(lost, Err(DomainError::PreconditionFailed)),
        "{lost:?}"
    );
    assert!(store.take_events().is_empty());
    assert!(tickets.history(agent, t.id).await.unwrap().is_empty());

    store.fail_next_call_to("write_ticket", StoreError::Unavailable("down".into()));
    let down = tickets
        .update(agent, t.id, to(Status::Open), Some(1), clock.now())
        .await;
    assert!(
        matches!(down, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{down:?}"
    );
    assert!(store.take_events().is_empty());
    assert_eq!(tickets.get(agent, t.id).await.unwrap().ticket, t);
}

#[tokio::test]
async fn an_update_writes_one_history_entry_and_the_events_integrations_subscribe_to() {
    let (clock, store, acme) = world().await;
    let team = directory(store.clone())
        .unwrap()
        .create_team(
            &acme.owner.principal,
            NewTeam {
                name: "Billing".into(),
                description: String::new(),
                members: BTreeSet::new(),
            },
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_mins(3));
    let changed = tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                status: Some(Status::Open),
                priority: Some(Priority::Urgent),
                assignee: Some(Some(acme.agent.user.id)),
                team: Some(Some(team.id)),
                ..Default::default()
            },
            Some(1),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!((changed.version, changed.updated_at), (2, clock.now()));
    let events = store.take_events();
    assert_eq!(
        kinds(&events),
        vec![
            EventType::TicketUpdated,
            EventType::TicketStatusChanged,
            EventType::TicketAssigned,
            EventType::TicketPriorityChanged,
        ]
    );
    assert!(events.iter().all(|e| e.subject.ticket_id == Some(t.id)
        && e.actor == Actor::user(acme.agent.user.id)
        && e.occurred_at == clock.now()));
    let updated = events[0].payload::<TicketUpdated>().unwrap();
    let fields: Vec<&str> = updated.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, vec!["status", "priority", "assigneeId", "teamId"]);
    assert_eq!(
        events[2].payload::<TicketAssigned>(),
        Some(TicketAssigned {
            assignee_id: Some(acme.agent.user.id),
            previous_assignee_id: None,
            team_id: Some(team.id),
            previous_team_id: None,
        })
    );
    assert_eq!(
        events[3].payload::<PriorityChanged>(),
        Some(PriorityChanged {
            from: Priority::Normal,
            to: Priority::Urgent
        })
    );
    let history = tickets.history(&acme.agent.principal, t.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].changes, updated.changes);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_writes_nothing() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Same", clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_mins(1));
    let same = tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                subject: Some(subject("Same")),
                status: Some(Status::New),
                priority: Some(Priority::Normal),
                assignee: Some(None),
                tags: Some(BTreeSet::new()),
                ..Default::default()
            },
            Some(1),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(same, t);
    assert!(store.take_events().is_empty());
    assert!(
        tickets
            .history(&acme.agent.principal, t.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn only_staff_and_keys_with_the_write_scope_change_tickets() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Mine", clock.now()).await;
    let own = tickets
        .update(
            &acme.customer.principal,
            t.id,
            to(Status::Solved),
            None,
            clock.now(),
        )
        .await;
    assert!(matches!(own, Err(DomainError::Forbidden)), "{own:?}");
    let reader = api_key(&acme, Role::Agent, &[Scope::TicketsRead]);
    let read_only = tickets
        .update(&reader, t.id, to(Status::Open), None, clock.now())
        .await;
    assert!(
        matches!(read_only, Err(DomainError::Forbidden)),
        "{read_only:?}"
    );
    let writer = api_key(
        &acme,
        Role::Agent,
        &[Scope::TicketsRead, Scope::TicketsWrite],
    );
    let by_key = tickets
        .update(&writer, t.id, to(Status::Open), None, clock.now())
        .await
        .unwrap();
    assert_eq!(by_key.status, Status::Open);
    let history = tickets.history(&acme.agent.principal, t.id).await.unwrap();
    assert_eq!(history[0].actor, writer.actor());
}

#[tokio::test]
async fn tags_are_replaced_then_added_and_removed_and_capped_at_thirty() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open_detail(
        &tickets,
        agent,
        NewTicket {
            tags: Some(tags(&["old", "keep"])),
            ..new_ticket("S", "d")
        },
        clock.now(),
    )
    .await
    .ticket;
    let retagged = tickets
        .update(
            agent,
            t.id,
            TicketPatch {
                tags: Some(tags(&["keep", "billing"])),
                add_tags: Some(tags(&["vip"])),
                remove_tags: Some(tags(&["billing"])),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(retagged.tags, tags(&["keep", "vip"]));
    let change = &tickets.history(agent, t.id).await.unwrap()[0].changes[0];
    assert_eq!(
        change,
        &Change {
            field: "tags".into(),
            before: json!(["keep", "old"]),
            after: json!(["keep", "vip"]),
        }
    );
    let many: Vec<String> = (0..29).map(|i| format!("t{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let too_many = tickets
        .update(
            agent,
            t.id,
            TicketPatch {
                add_tags: Some(tags(&many)),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(invalid(too_many), vec![("tags".into(), "too_many")]);
}

#[tokio::test]
async fn an_assignee_must_be_active_staff_and_a_team_must_exist_when_changed() {
    let (clock, store, acme) = world().await;
    let (helper, _) = invite(&store, &acme, Role::Agent, "Second Agent", clock.now()).await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let refused = tickets
        .update(
            agent,
            t.id,
            TicketPatch {
                assignee: Some(Some(acme.customer.user.id)),
                team: Some(Some(TeamId::new())),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(refused),
        vec![
            ("assigneeId".into(), "invalid_assignee"),
            ("teamId".into(), "unknown_team")
        ]
    );
    let assigned = tickets
        .update(
            agent,
            t.id,
            TicketPatch {
                assignee: Some(Some(helper.id)),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(assigned.assignee_id, Some(helper.id));
    directory(store.clone())
        .unwrap()
        .deactivate_user(&acme.owner.principal, helper.id, clock.now())
        .await
        .unwrap();
    let unassigned = tickets
        .update(
            agent,
            t.id,
            TicketPatch {
                assignee: Some(None),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(unassigned.assignee_id, None);
    let again = tickets
        .update(
            agent,
            t.id,
            TicketPatch {
                assignee: Some(Some(helper.id)),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(again),
        vec![("assigneeId".into(), "invalid_assignee")],
        "a deactivated agent takes no tickets"
    );
}

#[tokio::test]
async fn custom_field_changes_merge_clear_and_are_checked() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    tickets
        .put_fields(
            &acme.owner.principal,
            vec![
                field("order", FieldKind::Text, true, true),
                field("amount", FieldKind::Number, false, false),
            ],
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let agent = &acme.agent.principal;
    let t = open_detail(
        &tickets,
        agent,
        NewTicket {
            custom_fields: BTreeMap::from([("order".into(), json!("A-1"))]),
            ..new_ticket("S", "d")
        },
        clock.now(),
    )
    .await
    .ticket;
    let set = |values: serde_json::Value| TicketPatch {
        custom_fields: Some(serde_json::from_value(values).unwrap()),
        ..Default::default()
    };
    let merged = tickets
        .update(agent, t.id, set(json!({"amount": 12})), None, clock.now())
        .await
        .unwrap();
    next_millisecond().await;
    assert_eq!(
        merged.custom_fields,
        BTreeMap::from([
            ("amount".to_owned(), json!(12)),
            ("order".to_owned(), json!("A-1"))
        ])
    );
    let cleared = tickets
        .update(agent, t.id, set(json!({"amount": null})), None, clock.now())
        .await
        .unwrap();
    assert!(!cleared.custom_fields.contains_key("amount"));
    let changes = &tickets.history(agent, t.id).await.unwrap()[1].changes;
    assert_eq!(
        changes,
        &vec![Change {
            field: "customFields.amount".into(),
            before: json!(12),
            after: serde_json::Value::Null,
        }]
    );
    let wrong = tickets
        .update(
            agent,
            t.id,
            set(json!({"order": null, "amount": "x", "ghost": 1})),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(wrong),
        vec![
            ("customFields.amount".into(), "invalid_type"),
            ("customFields.ghost".into(), "unknown_field"),
            ("customFields.order".into(), "required"),
        ]
    );
}
