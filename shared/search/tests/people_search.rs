//! People search through the domain's use case on the tantivy index:
//! staff find customers and agents by the start of a word of their name,
//! address or domain; filters by role, organisation and status; the
//! document follows the person (renamed, deactivated, erased); customers
//! and other tenants find nobody.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::UserPatch;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kernel::ids::UserId;
use switchboard_domain::search::people::{PeopleRequest, PeopleResults};
use switchboard_domain::search::person::PeopleKind;
use switchboard_domain::search::service::Search;
use switchboard_search::TantivyIndexes;
use switchboard_testkit::fixtures::directory;
use switchboard_testkit::{MemoryStore, Person, TestClock, TestTenant};

struct Desk {
    clock: TestClock,
    store: MemoryStore,
    acme: TestTenant,
    search: Search<MemoryStore, TantivyIndexes>,
}

async fn desk() -> Desk {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    let acme = TestTenant::new(&store, clock.now()).await.unwrap();
    let d = Desk {
        search: Search::new(store.clone(), TantivyIndexes::in_memory()),
        clock,
        store,
        acme,
    };
    for p in [&d.acme.owner, &d.acme.agent, &d.acme.customer] {
        d.index(p.user.id).await;
    }
    d
}

fn request(q: &str) -> PeopleRequest {
    PeopleRequest {
        q: q.into(),
        kind: None,
        organization_id: None,
        inactive: false,
        offset: 0,
        limit: 25,
    }
}

impl Desk {
    async fn index(&self, id: UserId) {
        self.search.index_person(self.acme.id(), id).await.unwrap();
    }

    async fn person(&self, role: &str, name: &str) -> Person {
        let p = self
            .acme
            .person(&self.store, role, name, self.clock.now())
            .await
            .unwrap();
        self.index(p.user.id).await;
        p
    }

    async fn find(&self, who: &Principal, r: PeopleRequest) -> Result<PeopleResults, DomainError> {
        self.search.people(who, &r).await
    }

    async fn names(&self, q: &str) -> Vec<String> {
        let found = self
            .find(&self.acme.agent.principal, request(q))
            .await
            .unwrap();
        found.items.into_iter().map(|u| u.name).collect()
    }
}

#[tokio::test]
async fn staff_find_people_by_the_start_of_their_name_address_or_domain() {
    let d = desk().await;
    let ana = d.person("customer", "Ana Lima").await;
    d.person("customer", "Anabel Costa").await;
    d.person("agent", "Bruno Santos").await;

    // Name words, as typed.
    assert_eq!(d.names("lima").await, ["Ana Lima"]);
    assert_eq!(d.names("ana l").await, ["Ana Lima"]);
    // A whole word ranks above a word it starts.
    assert_eq!(d.names("ana").await, ["Ana Lima", "Anabel Costa"]);
    // The address, whole or in part, and its domain.
    let address = ana.user.email.as_str().to_owned();
    assert_eq!(d.names(&address).await, ["Ana Lima"]);
    let domain = address.split('@').nth(1).unwrap().to_owned();
    let everyone = d.names(&domain).await;
    assert_eq!(
        everyone.len(),
        6,
        "all six share the tenant's domain: {everyone:?}"
    );
    assert_eq!(d.names("ana.lima@").await, ["Ana Lima"]);
    assert!(d.names("zoltan").await.is_empty());
    assert!(d.names("...").await.is_empty(), "punctuation finds nobody");

    // By role.
    let staff = d
        .find(
            &d.acme.agent.principal,
            PeopleRequest {
                kind: Some(PeopleKind::Staff),
                ..request(&domain)
            },
        )
        .await
        .unwrap();
    let mut names: Vec<String> = staff.items.into_iter().map(|u| u.name).collect();
    names.sort();
    assert_eq!(names, ["Alex Agent", "Bruno Santos", "Olivia Owner"]);

    // Paging.
    let first = d
        .find(
            &d.acme.agent.principal,
            PeopleRequest {
                limit: 4,
                ..request(&domain)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (first.items.len(), first.total, first.next_offset),
        (4, 6, Some(4))
    );
}

#[tokio::test]
async fn a_persons_document_follows_them_and_only_staff_search() {
    let d = desk().await;
    let ana = d.person("customer", "Ana Lima").await;
    let owner = &d.acme.owner.principal;
    let people = directory(d.store.clone()).unwrap();

    // Renamed: found by the new name, and shown by it when found by the
    // address (which still says `lima`).
    people
        .update_user(
            owner,
            ana.user.id,
            UserPatch {
                name: Some("Ana Souza".into()),
                ..Default::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    d.index(ana.user.id).await;
    assert_eq!(d.names("souza").await, ["Ana Souza"]);
    assert_eq!(d.names("lima").await, ["Ana Souza"]);

    // Deactivated: found only when asked for.
    people
        .deactivate_user(owner, ana.user.id, d.clock.now())
        .await
        .unwrap();
    d.index(ana.user.id).await;
    assert!(d.names("souza").await.is_empty());
    let with_inactive = d
        .find(
            &d.acme.agent.principal,
            PeopleRequest {
                inactive: true,
                ..request("souza")
            },
        )
        .await
        .unwrap();
    assert_eq!(with_inactive.items.len(), 1);

    // Customers search nobody; another tenant finds nobody of this one.
    assert!(matches!(
        d.find(&d.acme.customer.principal, request("souza")).await,
        Err(DomainError::Forbidden)
    ));
    let other = TestTenant::new(&d.store, d.clock.now()).await.unwrap();
    let found = d
        .find(&other.owner.principal, request("olivia"))
        .await
        .unwrap();
    assert_eq!(found.total, 0);
    // An empty query is a question to ask.
    match d.find(&d.acme.agent.principal, request("  ")).await {
        Err(DomainError::Invalid(errors)) => assert_eq!(errors[0].code, "required"),
        other => panic!("expected a field error, got {other:?}"),
    }
}
