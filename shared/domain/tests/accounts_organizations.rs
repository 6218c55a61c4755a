//! Organisations (`Organizations`, `Directory::set_organization`): who
//! reads and changes them, the domains they claim, the customers who join
//! them by domain, and what they let their people share.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::organization::{
    NewOrganization, Organization, OrganizationPatch, SharedTickets,
};
use switchboard_domain::accounts::organizations::Organizations;
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::tickets::input::{RequesterRef, TicketListFilter};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_testkit::fixtures::directory;
use switchboard_testkit::{MemoryStore, TestClock, TestTenant};

fn company(name: &str, domains: &[&str], shared: SharedTickets) -> NewOrganization {
    NewOrganization {
        name: name.into(),
        domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        notes: "Pays yearly".into(),
        shared_tickets: shared,
    }
}

/// The tenant's own mail domain (its test people's addresses).
fn home(acme: &TestTenant) -> String {
    format!("{}.example", acme.tenant.slug.as_str())
}

/// A customer of `acme`, signed in (at the tenant's own domain).
async fn member(
    store: &MemoryStore,
    clock: &TestClock,
    acme: &TestTenant,
    name: &str,
) -> switchboard_testkit::Person {
    acme.person(store, "customer", name, clock.now())
        .await
        .unwrap()
}

async fn org_of(
    store: &MemoryStore,
    clock: &TestClock,
    acme: &TestTenant,
    shared: SharedTickets,
) -> Organization {
    Organizations::new(store.clone())
        .create(
            &acme.owner.principal,
            company("Acme Corp", &[&home(acme)], shared),
            clock.now(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn admins_change_organisations_staff_read_them_and_a_domain_has_one_owner() {
    let (clock, store, acme) = world().await;
    let orgs = Organizations::new(store.clone());
    let org = orgs
        .create(
            &acme.owner.principal,
            company("Globex", &["globex.example"], SharedTickets::None),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        only(&store.take_events(), EventType::OrganizationCreated)
            .subject
            .organization_id,
        Some(org.id)
    );
    assert_eq!(orgs.get(&acme.agent.principal, org.id).await.unwrap(), org);
    let refused = orgs
        .create(
            &acme.agent.principal,
            company("Nope", &[], SharedTickets::None),
            clock.now(),
        )
        .await;
    assert!(
        matches!(refused, Err(DomainError::Forbidden)),
        "{refused:?}"
    );
    let hidden = orgs.get(&acme.customer.principal, org.id).await;
    assert!(matches!(hidden, Err(DomainError::NotFound)), "{hidden:?}");

    let taken = orgs
        .create(
            &acme.owner.principal,
            company("Initech", &["globex.example"], SharedTickets::None),
            clock.now(),
        )
        .await;
    assert!(
        matches!(taken, Err(DomainError::Conflict(Conflict::DomainTaken))),
        "{taken:?}"
    );
    // Moving the domain frees it for another organisation.
    let moved = orgs
        .update(
            &acme.owner.principal,
            org.id,
            OrganizationPatch {
                domains: Some(BTreeSet::from(["globex.test".to_owned()])),
                ..OrganizationPatch::default()
            },
            Some(org.version),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(moved.version, 2);
    let initech = orgs
        .create(
            &acme.owner.principal,
            company("Initech", &["globex.example"], SharedTickets::None),
            clock.now(),
        )
        .await
        .unwrap();
    let stale = orgs
        .update(
            &acme.owner.principal,
            org.id,
            OrganizationPatch {
                name: Some("Globex Ltd".into()),
                ..OrganizationPatch::default()
            },
            Some(1),
            clock.now(),
        )
        .await;
    assert!(matches!(stale, Err(DomainError::PreconditionFailed)));
    orgs.delete(&acme.owner.principal, initech.id, clock.now())
        .await
        .unwrap();
    let listed = orgs
        .list(&acme.agent.principal, &page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(
        listed.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["Globex"]
    );
    // Another helpdesk's organisations are not there.
    let other = other_tenant(&store, &clock).await;
    let theirs = orgs.get(&other.owner.principal, org.id).await;
    assert!(matches!(theirs, Err(DomainError::NotFound)));
}

#[tokio::test]
async fn customers_join_the_organisation_of_their_domain_and_their_tickets_belong_to_it() {
    let (clock, store, acme) = world().await;
    let org = org_of(&store, &clock, &acme, SharedTickets::None).await;
    let ana = member(&store, &clock, &acme, "Ana Member").await;
    assert_eq!(ana.user.organization_id, Some(org.id));
    assert_eq!(
        acme.customer.user.organization_id, None,
        "people from before the organisation stay out"
    );
    let tickets = Ticketing::new(store.clone());
    let own = open(&tickets, &ana.principal, "Mine", clock.now()).await;
    assert_eq!(own.organization_id, Some(org.id));
    // A requester created from an address joins too.
    let mut input = new_ticket("For Bo", "from the phone");
    input.requester = Some(RequesterRef::Email {
        email: switchboard_domain::accounts::user::Email::parse(&format!("bo@{}", home(&acme)))
            .unwrap(),
        name: None,
    });
    let for_bo = open_detail(&tickets, &acme.agent.principal, input, clock.now())
        .await
        .ticket;
    assert_eq!(for_bo.organization_id, Some(org.id));
    let listed = tickets
        .list_for_organization(
            &acme.agent.principal,
            org.id,
            TicketListFilter::default(),
            &page(10),
        )
        .await
        .unwrap();
    let mut ids: Vec<_> = listed.items.iter().map(|t| t.id).collect();
    ids.sort();
    let mut want = vec![own.id, for_bo.id];
    want.sort();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn an_organisation_shares_its_peoples_tickets_as_it_says_and_only_their_public_parts() {
    let (clock, store, acme) = world().await;
    let org = org_of(&store, &clock, &acme, SharedTickets::None).await;
    let ana = member(&store, &clock, &acme, "Ana Member").await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &ana.principal, "VPN down", clock.now()).await;
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            note("Ana's manager called"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let orgs = Organizations::new(store.clone());
    let set = async |shared| {
        let current = orgs.get(&acme.owner.principal, org.id).await.unwrap();
        orgs.update(
            &acme.owner.principal,
            org.id,
            OrganizationPatch {
                shared_tickets: Some(shared),
                ..OrganizationPatch::default()
            },
            Some(current.version),
            clock.now(),
        )
        .await
        .unwrap();
    };
    // Bo signs in after each change: the sharing comes with his credentials.
    let bo = async || {
        member(&store, &clock, &acme, &format!("Bo {}", ulid::Ulid::new()))
            .await
            .principal
    };

    let colleague = bo().await;
    let hidden = tickets.get(&colleague, t.id).await;
    assert!(
        matches!(hidden, Err(DomainError::NotFound)),
        "none: {hidden:?}"
    );
    let no_list = tickets
        .list_for_organization(&colleague, org.id, TicketListFilter::default(), &page(10))
        .await;
    assert!(matches!(no_list, Err(DomainError::NotFound)));

    set(SharedTickets::Read).await;
    let reader = bo().await;
    let seen = tickets.get(&reader, t.id).await.unwrap();
    assert_eq!(seen.comments.len(), 1, "never the internal note");
    let listed = tickets
        .list_for_organization(&reader, org.id, TicketListFilter::default(), &page(10))
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [t.id]
    );
    let speak = tickets
        .add_comment(&reader, t.id, reply("Same here"), None, clock.now())
        .await;
    assert!(matches!(speak, Err(DomainError::Forbidden)), "{speak:?}");

    set(SharedTickets::Comment).await;
    let commenter = bo().await;
    tickets
        .add_comment(&commenter, t.id, reply("Same here"), None, clock.now())
        .await
        .unwrap();

    // Someone outside the organisation sees none of it.
    let outsider = tickets.get(&acme.customer.principal, t.id).await;
    assert!(matches!(outsider, Err(DomainError::NotFound)));
}

#[tokio::test]
async fn admins_put_customers_in_an_organisation_and_no_one_else() {
    let (clock, store, acme) = world().await;
    let orgs = Organizations::new(store.clone());
    let org = orgs
        .create(
            &acme.owner.principal,
            company("Globex", &[], SharedTickets::Read),
            clock.now(),
        )
        .await
        .unwrap();
    let dir = directory(store.clone()).unwrap();
    let customer = acme.customer.user.id;
    let joined = dir
        .set_organization(
            &acme.owner.principal,
            customer,
            Some(org.id),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(joined.organization_id, Some(org.id));
    let agent = dir
        .set_organization(
            &acme.owner.principal,
            acme.agent.user.id,
            Some(org.id),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(agent),
        [("organizationId".to_owned(), "not_a_customer")]
    );
    let unknown = dir
        .set_organization(
            &acme.owner.principal,
            customer,
            Some(switchboard_domain::kernel::ids::OrganizationId::new()),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(unknown),
        [("organizationId".to_owned(), "unknown_organization")]
    );
    let by_agent = dir
        .set_organization(&acme.agent.principal, customer, None, None, clock.now())
        .await;
    assert!(by_agent.is_err());
    let left = dir
        .set_organization(&acme.owner.principal, customer, None, None, clock.now())
        .await
        .unwrap();
    assert_eq!(left.organization_id, None);
}

#[tokio::test]
async fn a_self_registered_address_shares_nothing_until_it_is_proven() {
    let (clock, store, acme) = world().await;
    let org = org_of(&store, &clock, &acme, SharedTickets::Comment).await;
    let ana = member(&store, &clock, &acme, "Ana Member").await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &ana.principal, "Payroll", clock.now()).await;
    let accounts = switchboard_testkit::fixtures::accounts(store.clone()).unwrap();
    accounts
        .update_tenant(
            &acme.owner.principal,
            switchboard_domain::accounts::tenant::TenantPatch {
                allow_customer_signup: Some(true),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    // Anyone can claim an address at the company's domain.
    let claimed = accounts
        .register_customer(
            switchboard_domain::accounts::input::Registration {
                tenant: acme.tenant.slug.as_str().to_owned(),
                name: "Mallory".into(),
                email: switchboard_domain::accounts::user::Email::parse(&format!(
                    "ceo@{}",
                    home(&acme)
                ))
                .unwrap(),
                password: switchboard_domain::accounts::user::Password::parse(
                    switchboard_testkit::fixtures::PASSWORD.into(),
                )
                .unwrap(),
            },
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(claimed.user.organization_id, Some(org.id));
    let mallory = accounts
        .authenticate(&claimed.tokens.access.token, clock.now())
        .await
        .unwrap();
    assert_eq!(mallory.membership, None, "not before the address is proven");
    assert!(matches!(
        tickets.get(&mallory, t.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        tickets
            .list_for_organization(&mallory, org.id, TicketListFilter::default(), &page(10))
            .await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn reading_a_colleagues_ticket_adds_no_files_to_it() {
    let (clock, store, acme) = world().await;
    let _org = org_of(&store, &clock, &acme, SharedTickets::Read).await;
    let ana = member(&store, &clock, &acme, "Ana Member").await;
    let bo = member(&store, &clock, &acme, "Bo Member").await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &ana.principal, "VPN", clock.now()).await;
    let files = switchboard_domain::attachments::service::Attachments::new(
        store.clone(),
        switchboard_testkit::MemoryObjects::with_clock(clock.clone()),
    );
    let upload = files
        .start_upload(
            &bo.principal,
            t.id,
            switchboard_domain::attachments::service::UploadInput {
                filename: Some("x.txt".into()),
                content_type: Some("text/plain".into()),
                size: Some(3),
            },
            clock.now(),
        )
        .await;
    assert!(matches!(upload, Err(DomainError::Forbidden)), "{upload:?}");
    assert!(
        files.list(&bo.principal, t.id).await.is_ok(),
        "but lists them"
    );
}

#[tokio::test]
async fn a_colleague_follows_a_shared_ticket_live_only_while_it_is_shared() {
    use switchboard_domain::realtime::model::Topic;
    use switchboard_domain::realtime::service::Live;
    use switchboard_testkit::MemoryPusher;

    let (clock, store, acme) = world().await;
    let org = org_of(&store, &clock, &acme, SharedTickets::None).await;
    let ana = member(&store, &clock, &acme, "Ana Member").await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &ana.principal, "VPN", clock.now()).await;
    let pusher = MemoryPusher::new();
    let live = Live::new(store.clone(), pusher.clone());
    let follow = async |name: &str| {
        let bo = member(&store, &clock, &acme, name).await;
        let issued = live.issue_ticket(&bo.principal, clock.now()).await.unwrap();
        let id = format!("conn-{name}");
        live.connect(Some(&issued.secret), &id, clock.now())
            .await
            .unwrap()
            .unwrap();
        pusher.take_pushes();
        let subscribe =
            serde_json::json!({"action": "subscribe", "topic": Topic::Ticket(t.id).to_string()});
        live.receive(&id, &subscribe.to_string(), clock.now())
            .await
            .unwrap();
        pusher.messages_to(&id)[0]["type"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(follow("Bo").await, "subscribed", "nothing shared");
    Organizations::new(store.clone())
        .update(
            &acme.owner.principal,
            org.id,
            OrganizationPatch {
                shared_tickets: Some(SharedTickets::Read),
                ..OrganizationPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(follow("Cy").await, "subscribed");
}
