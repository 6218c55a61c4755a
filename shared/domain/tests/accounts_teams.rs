//! Teams of agents (`Directory::list_teams`, `get_team`, `create_team`,
//! `update_team`, `delete_team`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use std::collections::BTreeSet;

use accounts_support::*;
use jiff::SignedDuration;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::events::TeamChanged;
use switchboard_domain::accounts::input::{NewTeam, TeamPatch};
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::team::Team;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_domain::kernel::ids::{TeamId, UserId};
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::{MemoryStore, TestTenant};

fn new_team(name: &str, members: &[UserId]) -> NewTeam {
    NewTeam {
        name: name.into(),
        description: String::new(),
        members: members.iter().copied().collect(),
    }
}

async fn team(
    store: &MemoryStore,
    admin: &Principal,
    name: &str,
    members: &[UserId],
    now: jiff::Timestamp,
) -> Team {
    directory(store)
        .create_team(admin, new_team(name, members), now)
        .await
        .unwrap()
}

fn members(patch: &[UserId]) -> TeamPatch {
    TeamPatch {
        members: Some(patch.iter().copied().collect()),
        ..TeamPatch::default()
    }
}

fn rename(name: &str) -> TeamPatch {
    TeamPatch {
        name: Some(name.into()),
        ..TeamPatch::default()
    }
}

#[tokio::test]
async fn an_admin_creates_a_team_of_active_agents() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let owner = &t.owner.principal;
    store.take_events();
    let input = NewTeam {
        name: "Billing".into(),
        description: "Refunds and invoices".into(),
        members: BTreeSet::from([t.agent.user.id, t.owner.user.id]),
    };
    let created = directory(&store)
        .create_team(owner, input, clock.now())
        .await
        .unwrap();
    assert_eq!((created.name.as_str(), created.version), ("Billing", 1));
    assert_eq!(created.tenant_id, t.id());
    assert_eq!(created.members.len(), 2);
    assert_eq!(
        directory(&store)
            .get_team(&t.agent.principal, created.id)
            .await
            .unwrap(),
        created
    );

    let event = only(&store.take_events(), EventType::TeamCreated);
    assert_eq!(event.subject.team_id, Some(created.id));
    assert_eq!(event.actor.id, Some(t.owner.user.id.to_string()));
    assert_eq!(
        event.payload::<TeamChanged>(),
        Some(TeamChanged {
            name: "Billing".into(),
            members: 2
        })
    );
}

#[tokio::test]
async fn members_must_be_active_staff_of_the_helpdesk() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let (_, elsewhere) = helpdesk(&store, clock.now()).await;
    let owner = &t.owner.principal;
    let left = add_person(&store, owner, Role::Agent, "Left Agent", clock.now()).await;
    directory(&store)
        .deactivate_user(owner, left.id, clock.now())
        .await
        .unwrap();
    store.take_events();

    let refused = [
        t.customer.user.id,
        left.id,
        elsewhere.user_id().unwrap(),
        UserId::new(),
    ];
    let err = directory(&store)
        .create_team(
            owner,
            new_team("Mixed", &[&refused[..], &[t.agent.user.id]].concat()),
            clock.now(),
        )
        .await
        .expect_err("four are not active agents here");
    let errors = field_errors(&err);
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|(f, c)| f == "members" && *c == "invalid_member")
    );
    assert!(
        directory(&store)
            .list_teams(owner)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn teams_are_listed_by_name_whatever_the_case_and_only_the_helpdesks_own() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, other) = helpdesk(&store, clock.now()).await;
    for name in ["support", "Accounts", "billing"] {
        team(&store, &owner, name, &[], clock.now()).await;
    }
    team(&store, &other, "Theirs", &[], clock.now()).await;
    let listed = directory(&store).list_teams(&owner).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Accounts", "billing", "support"]);
}

#[tokio::test]
async fn agents_read_teams_but_do_not_change_them() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let billing = team(
        &store,
        &t.owner.principal,
        "Billing",
        &[t.agent.user.id],
        clock.now(),
    )
    .await;
    store.take_events();
    let directory = directory(&store);
    let agent = &t.agent.principal;
    assert_eq!(
        directory.list_teams(agent).await.unwrap(),
        std::slice::from_ref(&billing)
    );
    assert_eq!(
        directory.get_team(agent, billing.id).await.unwrap(),
        billing
    );

    let created = directory
        .create_team(agent, new_team("Mine", &[]), clock.now())
        .await;
    assert!(
        matches!(created, Err(DomainError::Forbidden)),
        "{created:?}"
    );
    let updated = directory
        .update_team(agent, billing.id, rename("Mine"), None, clock.now())
        .await;
    assert!(
        matches!(updated, Err(DomainError::Forbidden)),
        "{updated:?}"
    );
    let deleted = directory.delete_team(agent, billing.id, clock.now()).await;
    assert!(
        matches!(deleted, Err(DomainError::Forbidden)),
        "{deleted:?}"
    );
    assert!(store.take_events().is_empty());
    assert_eq!(
        directory.get_team(agent, billing.id).await.unwrap(),
        billing
    );
}

#[tokio::test]
async fn customers_learn_nothing_about_teams() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let billing = team(&store, &t.owner.principal, "Billing", &[], clock.now()).await;
    store.take_events();
    let directory = directory(&store);
    let me = &t.customer.principal;
    let listed = directory.list_teams(me).await;
    assert!(matches!(listed, Err(DomainError::Forbidden)), "{listed:?}");
    // One existing team and one absent one look the same.
    for id in [billing.id, TeamId::new()] {
        let read = directory.get_team(me, id).await;
        assert!(matches!(read, Err(DomainError::NotFound)), "{read:?}");
        let updated = directory
            .update_team(me, id, rename("Mine"), None, clock.now())
            .await;
        assert!(matches!(updated, Err(DomainError::NotFound)), "{updated:?}");
        let deleted = directory.delete_team(me, id, clock.now()).await;
        assert!(matches!(deleted, Err(DomainError::NotFound)), "{deleted:?}");
    }
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn an_update_changes_what_it_names_and_bumps_the_version() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let owner = &t.owner.principal;
    let billing = team(&store, owner, "Billing", &[t.agent.user.id], clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_mins(1));

    let updated = directory(&store)
        .update_team(
            owner,
            billing.id,
            members(&[t.agent.user.id, t.owner.user.id]),
            Some(1),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Billing", "the name is kept");
    assert_eq!(updated.members.len(), 2);
    assert_eq!((updated.version, updated.updated_at), (2, clock.now()));
    assert_eq!(
        directory(&store).get_team(owner, billing.id).await.unwrap(),
        updated
    );
    let event = only(&store.take_events(), EventType::TeamUpdated);
    assert_eq!(event.subject.team_id, Some(billing.id));
    assert_eq!(
        event.payload::<TeamChanged>(),
        Some(TeamChanged {
            name: "Billing".into(),
            members: 2
        })
    );
}

#[tokio::test]
async fn a_stale_if_match_is_a_failed_precondition_and_changes_nothing() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let billing = team(&store, &owner, "Billing", &[], clock.now()).await;
    let directory = directory(&store);
    directory
        .update_team(
            &owner,
            billing.id,
            rename("Billing EU"),
            Some(1),
            clock.now(),
        )
        .await
        .unwrap();
    store.take_events();
    let err = directory
        .update_team(&owner, billing.id, rename("Late"), Some(1), clock.now())
        .await
        .expect_err("version 1 is stale");
    assert!(matches!(err, DomainError::PreconditionFailed), "{err:?}");
    let now = directory.get_team(&owner, billing.id).await.unwrap();
    assert_eq!((now.name.as_str(), now.version), ("Billing EU", 2));
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_write_that_finds_another_version_is_a_failed_precondition() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let billing = team(&store, &owner, "Billing", &[], clock.now()).await;
    store.take_events();
    store.fail_next_call_to("put_team", StoreError::VersionMismatch);
    let err = directory(&store)
        .update_team(&owner, billing.id, rename("Lost"), None, clock.now())
        .await
        .expect_err("changed meanwhile");
    assert!(matches!(err, DomainError::PreconditionFailed), "{err:?}");
    assert_eq!(
        directory(&store)
            .get_team(&owner, billing.id)
            .await
            .unwrap(),
        billing
    );
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn an_update_with_a_member_who_is_not_an_agent_changes_nothing() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let owner = &t.owner.principal;
    let billing = team(&store, owner, "Billing", &[t.agent.user.id], clock.now()).await;
    store.take_events();
    let patch = TeamPatch {
        name: Some("Renamed".into()),
        description: None,
        members: Some(BTreeSet::from([t.customer.user.id])),
    };
    let err = directory(&store)
        .update_team(owner, billing.id, patch, None, clock.now())
        .await
        .expect_err("a customer is no member");
    assert_eq!(
        field_errors(&err),
        [("members".to_owned(), "invalid_member")]
    );
    assert_eq!(
        directory(&store).get_team(owner, billing.id).await.unwrap(),
        billing
    );
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_team_patch_that_changes_nothing_writes_nothing() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let billing = team(&store, &owner, "Billing", &[], clock.now()).await;
    store.take_events();
    let same = TeamPatch {
        name: Some("Billing".into()),
        description: Some(String::new()),
        members: Some(BTreeSet::new()),
    };
    let after = directory(&store)
        .update_team(&owner, billing.id, same, Some(1), clock.now())
        .await
        .unwrap();
    assert_eq!(after.version, 1, "as users and tenants keep theirs");
    assert!(
        store.take_events().is_empty(),
        "team.updated says something changed"
    );
}

#[tokio::test]
async fn a_team_is_deleted_once() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let billing = team(&store, &owner, "Billing", &[signed.user.id], clock.now()).await;
    store.take_events();
    let directory = directory(&store);
    directory
        .delete_team(&owner, billing.id, clock.now())
        .await
        .unwrap();

    let event = only(&store.take_events(), EventType::TeamDeleted);
    assert_eq!(event.subject.team_id, Some(billing.id));
    assert_eq!(event.actor.kind, ActorType::User);
    assert_eq!(
        event.payload::<TeamChanged>(),
        Some(TeamChanged {
            name: "Billing".into(),
            members: 1
        })
    );
    let read = directory.get_team(&owner, billing.id).await;
    assert!(matches!(read, Err(DomainError::NotFound)), "{read:?}");
    assert!(directory.list_teams(&owner).await.unwrap().is_empty());
    let again = directory.delete_team(&owner, billing.id, clock.now()).await;
    assert!(matches!(again, Err(DomainError::NotFound)), "{again:?}");
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn another_helpdesks_team_is_not_found_and_untouched() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (_, b) = helpdesk(&store, clock.now()).await;
    let (_, _, b_key) = api_key(
        &store,
        &b,
        Role::Admin,
        &[Scope::TeamsRead, Scope::TeamsWrite],
        clock.now(),
    )
    .await;
    let secret = team(&store, &a, "Secret team", &[], clock.now()).await;
    store.take_events();
    let directory = directory(&store);
    for who in [&b, &b_key] {
        let read = directory.get_team(who, secret.id).await;
        assert!(matches!(read, Err(DomainError::NotFound)), "{read:?}");
        let updated = directory
            .update_team(who, secret.id, rename("Mine"), None, clock.now())
            .await;
        assert!(matches!(updated, Err(DomainError::NotFound)), "{updated:?}");
        let deleted = directory.delete_team(who, secret.id, clock.now()).await;
        assert!(matches!(deleted, Err(DomainError::NotFound)), "{deleted:?}");
        assert!(directory.list_teams(who).await.unwrap().is_empty());
    }
    assert!(store.take_events().is_empty());
    assert_eq!(directory.get_team(&a, secret.id).await.unwrap(), secret);
}

#[tokio::test]
async fn a_key_with_teams_write_manages_teams_in_its_own_name() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let now = clock.now();
    let (_, key, writer) = api_key(
        &store,
        &owner,
        Role::Admin,
        &[Scope::TeamsRead, Scope::TeamsWrite],
        now,
    )
    .await;
    let (_, _, reader) = api_key(&store, &owner, Role::Admin, &[Scope::TeamsRead], now).await;
    store.take_events();
    let directory = directory(&store);
    let refused = directory
        .create_team(&reader, new_team("No", &[]), now)
        .await;
    assert!(
        matches!(refused, Err(DomainError::Forbidden)),
        "{refused:?}"
    );
    let made = directory
        .create_team(&writer, new_team("Ops", &[]), now)
        .await
        .unwrap();
    assert_eq!(directory.get_team(&reader, made.id).await.unwrap(), made);
    let event = only(&store.take_events(), EventType::TeamCreated);
    assert_eq!(event.actor.kind, ActorType::ApiKey);
    assert_eq!(event.actor.id, Some(key.id.to_string()));
}
