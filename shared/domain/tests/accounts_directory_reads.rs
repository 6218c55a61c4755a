//! Reading a helpdesk's people (`Directory::list_users`, `get_user`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::{Role, User};
use switchboard_domain::kernel::ids::UserId;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_testkit::{MemoryStore, TestTenant};

async fn everyone(store: &MemoryStore, who: &Principal, role: Option<&str>) -> Vec<User> {
    directory(store)
        .list_users(who, role, &page(100))
        .await
        .unwrap()
        .items
}

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

#[tokio::test]
async fn staff_list_the_helpdesks_people_grouped_by_role_and_sorted_by_name() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let owner = &t.owner.principal;
    add_person(&store, owner, Role::Agent, "zoe Agent", clock.now()).await;
    add_person(&store, owner, Role::Agent, "Aaron Agent", clock.now()).await;
    add_person(&store, owner, Role::Customer, "Bea Customer", clock.now()).await;

    let listed = everyone(&store, &t.agent.principal, None).await;
    assert_eq!(listed.len(), 6);
    let roles: Vec<Role> = listed.iter().map(|u| u.role).collect();
    let mut grouped = roles.clone();
    grouped.dedup();
    assert_eq!(grouped.len(), 3, "each role's people together: {roles:?}");
    let agents: Vec<&User> = listed.iter().filter(|u| u.role == Role::Agent).collect();
    let agent_names: Vec<&str> = agents.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(
        agent_names,
        ["Aaron Agent", "Alex Agent", "zoe Agent"],
        "case aside"
    );
    assert!(listed.iter().all(|u| u.tenant_id == t.id()));
}

#[tokio::test]
async fn a_role_filter_lists_only_that_role_and_owner_is_a_role_to_filter_by() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let me = &t.owner.principal;
    assert_eq!(
        names(&everyone(&store, me, Some("agent")).await),
        ["Alex Agent"]
    );
    assert_eq!(
        names(&everyone(&store, me, Some("customer")).await),
        ["Casey Customer"]
    );
    assert_eq!(
        names(&everyone(&store, me, Some("owner")).await),
        ["Olivia Owner"]
    );
    assert!(everyone(&store, me, Some("admin")).await.is_empty());

    let err = directory(&store)
        .list_users(me, Some("wizard"), &page(10))
        .await
        .expect_err("no such role");
    assert_eq!(field_errors(&err), [("role".to_owned(), "invalid_role")]);
}

#[tokio::test]
async fn pages_of_people_follow_their_cursor_which_fits_only_its_own_list() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let me = &t.owner.principal;
    add_person(&store, me, Role::Agent, "Bo Agent", clock.now()).await;
    let directory = directory(&store);

    let first = directory.list_users(me, None, &page(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let cursor = first.next_cursor.clone().expect("more follow");
    let next = PageRequest {
        limit: 2,
        cursor: Some(cursor.clone()),
    };
    let rest = directory.list_users(me, None, &next).await.unwrap();
    assert_eq!(rest.items.len(), 2);
    assert_eq!(rest.next_cursor, None);
    let mut seen: Vec<UserId> = first
        .items
        .iter()
        .chain(&rest.items)
        .map(|u| u.id)
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "everyone once");

    let err = directory
        .list_users(me, Some("customer"), &next)
        .await
        .expect_err("a cursor of another list");
    assert!(matches!(err, DomainError::InvalidCursor), "{err:?}");
}

#[tokio::test]
async fn customers_may_not_list_people() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let err = directory(&store)
        .list_users(&t.customer.principal, None, &page(10))
        .await
        .expect_err("customers see only themselves");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");
}

#[tokio::test]
async fn another_helpdesks_people_are_never_listed() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (_, b) = helpdesk(&store, clock.now()).await;
    let theirs = add_person(&store, &b, Role::Agent, "Bob Agent", clock.now()).await;
    let listed = everyone(&store, &a, None).await;
    assert_eq!(names(&listed), ["Olivia Owner"]);
    assert!(listed.iter().all(|u| u.id != theirs.id));
}

#[tokio::test]
async fn a_key_lists_people_only_with_the_users_read_scope() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let now = clock.now();
    let (_, _, reader) = api_key(&store, &owner, Role::Agent, &[Scope::UsersRead], now).await;
    let (_, _, other) = api_key(&store, &owner, Role::Agent, &[Scope::TicketsRead], now).await;
    assert_eq!(
        names(&everyone(&store, &reader, None).await),
        ["Olivia Owner"]
    );
    let err = directory(&store)
        .list_users(&other, None, &page(10))
        .await
        .expect_err("scope missing");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");
}

#[tokio::test]
async fn staff_read_anyone_in_the_helpdesk() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let directory = directory(&store);
    for person in [&t.owner.user, &t.customer.user, &t.agent.user] {
        let read = directory
            .get_user(&t.agent.principal, person.id)
            .await
            .unwrap();
        assert_eq!(&read, person);
    }
}

#[tokio::test]
async fn a_customer_reads_only_themselves_and_everyone_else_looks_absent() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let directory = directory(&store);
    let me = &t.customer.principal;
    assert_eq!(
        directory.get_user(me, t.customer.user.id).await.unwrap(),
        t.customer.user
    );
    for other in [t.agent.user.id, t.owner.user.id, UserId::new()] {
        let err = directory.get_user(me, other).await.expect_err("hidden");
        assert!(matches!(err, DomainError::NotFound), "{err:?}");
    }
}

#[tokio::test]
async fn another_helpdesks_person_is_not_found_like_an_absent_one() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (b_signed, b) = helpdesk(&store, clock.now()).await;
    let (_, _, b_key) = api_key(&store, &b, Role::Admin, &[Scope::UsersRead], clock.now()).await;
    let theirs = add_person(&store, &a, Role::Agent, "Alice Agent", clock.now()).await;
    let directory = directory(&store);
    for who in [&b, &b_key] {
        for id in [theirs.id, a.user_id().unwrap(), UserId::new()] {
            let err = directory.get_user(who, id).await.expect_err("not in B");
            assert!(matches!(err, DomainError::NotFound), "{err:?}");
        }
    }
    assert_eq!(
        directory.get_user(&b, b_signed.user.id).await.unwrap().id,
        b_signed.user.id
    );
}
