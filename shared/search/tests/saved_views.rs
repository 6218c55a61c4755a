//! Saved views through the domain's use cases on the tantivy index: who
//! keeps, sees and changes which view; a view runs as its search with
//! paging; the sidebar's counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kernel::ids::{TeamId, TicketId, ViewId};
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::search::service::Search;
use switchboard_domain::search::view::{
    MAX_PERSONAL_VIEWS, NewView, SavedView, SharingInput, ViewPatch, parse_view_query,
};
use switchboard_domain::tickets::input::{Body, NewTicket, SubjectLine, TicketPatch};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_search::TantivyIndexes;
use switchboard_testkit::fixtures::directory;
use switchboard_testkit::{MemoryStore, Person, TestClock, TestTenant};

struct Desk {
    clock: TestClock,
    store: MemoryStore,
    acme: TestTenant,
    tickets: Ticketing<MemoryStore>,
    search: Search<MemoryStore, TantivyIndexes>,
}

async fn desk() -> Desk {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    let acme = TestTenant::new(&store, clock.now()).await.unwrap();
    Desk {
        tickets: Ticketing::new(store.clone()),
        search: Search::new(store.clone(), TantivyIndexes::in_memory()),
        clock,
        store,
        acme,
    }
}

fn new_view(name: &str, query: &str, sharing: SharingInput) -> NewView {
    NewView {
        name: name.into(),
        query: parse_view_query(query).unwrap(),
        sort: SearchSort::Created,
        descending: false,
        sharing,
    }
}

impl Desk {
    async fn create(
        &self,
        who: &Principal,
        name: &str,
        query: &str,
        sharing: SharingInput,
    ) -> Result<SavedView, DomainError> {
        self.search
            .create_view(who, new_view(name, query, sharing), self.clock.now())
            .await
    }

    async fn names(&self, who: &Principal) -> Vec<String> {
        let views = self.search.views(who).await.unwrap();
        views.into_iter().map(|v| v.name).collect()
    }

    async fn person(&self, role: &str, name: &str) -> Person {
        self.acme
            .person(&self.store, role, name, self.clock.now())
            .await
            .unwrap()
    }

    async fn team(&self, name: &str, members: &[&Person]) -> TeamId {
        directory(self.store.clone())
            .unwrap()
            .create_team(
                &self.acme.owner.principal,
                NewTeam {
                    name: name.into(),
                    description: String::new(),
                    members: members.iter().map(|p| p.user.id).collect(),
                },
                self.clock.now(),
            )
            .await
            .unwrap()
            .id
    }

    async fn open(&self, subject: &str, assignee: Option<&Person>) -> TicketId {
        let who = &self.acme.customer.principal;
        let (detail, _) = self
            .tickets
            .create(
                who,
                NewTicket::new(
                    SubjectLine::parse(subject).unwrap(),
                    Body::parse("Details.").unwrap(),
                ),
                None,
                self.clock.now(),
            )
            .await
            .unwrap()
            .into_inner();
        let id = detail.ticket.id;
        if let Some(agent) = assignee {
            self.tickets
                .update(
                    &self.acme.owner.principal,
                    id,
                    TicketPatch {
                        assignee: Some(Some(agent.user.id)),
                        ..Default::default()
                    },
                    None,
                    self.clock.now(),
                )
                .await
                .unwrap();
        }
        self.search.index_ticket(self.acme.id(), id).await.unwrap();
        self.clock.advance(jiff::SignedDuration::from_secs(60));
        id
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, DomainError>) {
    assert!(
        matches!(result, Err(DomainError::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

#[tokio::test]
async fn an_agents_personal_views_are_theirs_alone() {
    let d = desk().await;
    let (agent, owner, customer) = (
        &d.acme.agent.principal,
        &d.acme.owner.principal,
        &d.acme.customer.principal,
    );
    let mine = d
        .create(
            agent,
            "My open",
            "status:open assignee:me",
            SharingInput::Personal,
        )
        .await
        .unwrap();
    d.create(agent, "urgent", "priority:urgent", SharingInput::Personal)
        .await
        .unwrap();
    assert_eq!(d.names(agent).await, ["My open", "urgent"], "by name");
    assert_eq!(d.search.view(agent, mine.id).await.unwrap(), mine);

    // Not even an admin sees another's personal view.
    assert!(d.names(owner).await.is_empty());
    assert_not_found(d.search.view(owner, mine.id).await);
    assert_not_found(
        d.search
            .update_view(owner, mine.id, ViewPatch::default(), None, d.clock.now())
            .await,
    );
    assert_not_found(d.search.delete_view(owner, mine.id, None).await);
    assert_not_found(
        d.search
            .view_tickets(owner, mine.id, 0, 25, d.clock.now())
            .await,
    );
    // Customers keep no views and see none.
    assert!(matches!(
        d.search.views(customer).await,
        Err(DomainError::Forbidden)
    ));
    assert_not_found(d.search.view(customer, mine.id).await);
    assert!(matches!(
        d.create(customer, "Mine", "status:open", SharingInput::Personal)
            .await,
        Err(DomainError::Forbidden)
    ));
    assert_not_found(d.search.view(agent, ViewId::new()).await);

    // The owner renames it, at its version.
    let renamed = d
        .search
        .update_view(
            agent,
            mine.id,
            ViewPatch {
                name: Some("Mine, open".into()),
                ..Default::default()
            },
            Some(1),
            d.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.version), ("Mine, open", 2));
    assert!(matches!(
        d.search
            .update_view(agent, mine.id, ViewPatch::default(), Some(1), d.clock.now())
            .await,
        Err(DomainError::PreconditionFailed)
    ));
    assert!(matches!(
        d.search.delete_view(agent, mine.id, Some(1)).await,
        Err(DomainError::PreconditionFailed)
    ));
    d.search.delete_view(agent, mine.id, Some(2)).await.unwrap();
    assert_eq!(d.names(agent).await, ["urgent"]);
}

#[tokio::test]
async fn admins_share_views_with_a_team_or_everyone_and_agents_read_them() {
    let d = desk().await;
    let (agent, owner) = (&d.acme.agent.principal, &d.acme.owner.principal);
    let billing_agent = d.person("agent", "Bea Billing").await;
    let billing = d.team("Billing", &[&billing_agent]).await;

    // Sharing is for those who manage shared views.
    for sharing in [SharingInput::Everyone, SharingInput::Team(billing)] {
        assert!(matches!(
            d.create(agent, "Shared", "status:open", sharing).await,
            Err(DomainError::Forbidden)
        ));
    }
    let unknown = d
        .create(
            owner,
            "Nobody's",
            "status:open",
            SharingInput::Team(TeamId::new()),
        )
        .await;
    match unknown {
        Err(DomainError::Invalid(errors)) => {
            assert_eq!(
                (errors[0].field.as_str(), errors[0].code),
                ("teamId", "not_found")
            );
        }
        other => panic!("expected a field error, got {other:?}"),
    }

    let team_view = d
        .create(
            owner,
            "Billing queue",
            "tag:billing",
            SharingInput::Team(billing),
        )
        .await
        .unwrap();
    let all = d
        .create(owner, "All open", "status:open", SharingInput::Everyone)
        .await
        .unwrap();
    assert_eq!(d.names(owner).await, ["All open", "Billing queue"]);
    assert_eq!(
        d.names(&billing_agent.principal).await,
        ["All open", "Billing queue"]
    );
    // Not in the team: the team's view does not exist for them.
    assert_eq!(d.names(agent).await, ["All open"]);
    assert_not_found(d.search.view(agent, team_view.id).await);

    // Members read a shared view; changing it is the admins'.
    assert!(matches!(
        d.search
            .update_view(
                &billing_agent.principal,
                team_view.id,
                ViewPatch {
                    name: Some("Mine now".into()),
                    ..Default::default()
                },
                None,
                d.clock.now(),
            )
            .await,
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        d.search.delete_view(agent, all.id, None).await,
        Err(DomainError::Forbidden)
    ));

    // An admin shares the team's view with everyone, then makes it theirs.
    let widened = d
        .search
        .update_view(
            owner,
            team_view.id,
            ViewPatch {
                sharing: Some(SharingInput::Everyone),
                ..Default::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(widened.version, 2);
    assert_eq!(d.names(agent).await, ["All open", "Billing queue"]);
    d.search
        .update_view(
            owner,
            team_view.id,
            ViewPatch {
                sharing: Some(SharingInput::Personal),
                ..Default::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(d.names(agent).await, ["All open"]);
    assert_eq!(d.names(owner).await, ["Billing queue", "All open"]);
}

#[tokio::test]
async fn a_view_runs_as_its_search_with_paging_and_counts_what_it_holds() {
    let d = desk().await;
    let agent = &d.acme.agent;
    let other = d.person("agent", "Otto Other").await;
    let first = d.open("Printer jammed", Some(agent)).await;
    let _others = d.open("Scanner jammed", Some(&other)).await;
    let second = d.open("Printer out of toner", Some(agent)).await;
    let _unassigned = d.open("Printer noisy", None).await;
    let third = d.open("Monitor flickers", Some(agent)).await;

    let mine = d
        .create(
            &agent.principal,
            "Mine",
            "status:new assignee:me",
            SharingInput::Personal,
        )
        .await
        .unwrap();
    let printers = d
        .create(
            &agent.principal,
            "Printers",
            "printer",
            SharingInput::Personal,
        )
        .await
        .unwrap();

    // Oldest first, as the view says, a page of two then the rest.
    let page = d
        .search
        .view_tickets(&agent.principal, mine.id, 0, 2, d.clock.now())
        .await
        .unwrap();
    let ids: Vec<TicketId> = page.items.iter().map(|f| f.ticket.id).collect();
    assert_eq!(ids, [first, second]);
    assert_eq!((page.total, page.next_offset), (3, Some(2)));
    let rest = d
        .search
        .view_tickets(&agent.principal, mine.id, 2, 2, d.clock.now())
        .await
        .unwrap();
    let ids: Vec<TicketId> = rest.items.iter().map(|f| f.ticket.id).collect();
    assert_eq!((ids, rest.next_offset), (vec![third], None));

    // `me` is whoever runs it: the same query counts another's tickets.
    let counts = d
        .search
        .view_counts(&agent.principal, d.clock.now())
        .await
        .unwrap();
    let counted: Vec<(&str, usize)> = counts
        .iter()
        .map(|c| (c.view.name.as_str(), c.count))
        .collect();
    assert_eq!(counted, [("Mine", 3), ("Printers", 3)]);
    let shared = d
        .create(
            &d.acme.owner.principal,
            "Assigned to me",
            "assignee:me",
            SharingInput::Everyone,
        )
        .await
        .unwrap();
    let counts = d
        .search
        .view_counts(&other.principal, d.clock.now())
        .await
        .unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!((counts[0].view.id, counts[0].count), (shared.id, 1));
    assert_ne!(printers.id, shared.id);
}

#[tokio::test]
async fn views_are_bounded_per_person() {
    let d = desk().await;
    let agent = &d.acme.agent.principal;
    for i in 0..MAX_PERSONAL_VIEWS {
        d.create(
            agent,
            &format!("View {i}"),
            "status:open",
            SharingInput::Personal,
        )
        .await
        .unwrap();
    }
    match d
        .create(agent, "One more", "status:open", SharingInput::Personal)
        .await
    {
        Err(DomainError::Invalid(errors)) => assert_eq!(errors[0].code, "too_many"),
        other => panic!("expected too_many, got {other:?}"),
    }
    // Another person's room is their own.
    d.create(
        &d.acme.owner.principal,
        "Owner's",
        "status:open",
        SharingInput::Personal,
    )
    .await
    .unwrap();
    let kept: BTreeSet<String> = d.names(agent).await.into_iter().collect();
    assert_eq!(kept.len(), MAX_PERSONAL_VIEWS);
}

#[tokio::test]
async fn an_api_key_runs_and_counts_shared_views_with_me_as_nobody() {
    use switchboard_domain::accounts::api_key::Scope;
    use switchboard_domain::accounts::input::NewApiKey;
    use switchboard_domain::accounts::permissions::Caller;
    use switchboard_domain::accounts::user::Role;

    let d = desk().await;
    let agent = &d.acme.agent;
    d.open("Mine, assigned", Some(agent)).await;
    let owner = &d.acme.owner.principal;
    let (_, key) = directory(d.store.clone())
        .unwrap()
        .create_api_key(
            owner,
            NewApiKey {
                name: "Dashboard".into(),
                role: Role::Agent,
                scopes: [Scope::TicketsRead].into_iter().collect(),
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    let as_key = Principal {
        tenant: d.acme.tenant.clone(),
        caller: Caller::ApiKey(key),
        membership: None,
    };
    let shared = d
        .create(owner, "Mine", "assignee:me", SharingInput::Everyone)
        .await
        .unwrap();
    // A person's `me` is them; a key's is nobody: no error, nothing held.
    let counts = d.search.view_counts(&as_key, d.clock.now()).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.count).collect::<Vec<_>>(), [0]);
    let run = d
        .search
        .view_tickets(&as_key, shared.id, 0, 25, d.clock.now())
        .await
        .unwrap();
    assert_eq!((run.total, run.items.len()), (0, 0));
    let theirs = d
        .search
        .view_counts(&agent.principal, d.clock.now())
        .await
        .unwrap();
    assert_eq!(theirs[0].count, 1);
    // A key keeps no personal views.
    match d
        .create(&as_key, "Own", "status:open", SharingInput::Personal)
        .await
    {
        Err(DomainError::Invalid(errors)) => assert_eq!(errors[0].field, "shared"),
        other => panic!("expected a field error, got {other:?}"),
    }
}
