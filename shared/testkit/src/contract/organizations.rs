//! Organisations and their domain claims.

use std::collections::BTreeSet;

use switchboard_domain::StoreError;
use switchboard_domain::accounts::organization::{Organization, SharedTickets};
use switchboard_domain::accounts::ports::{
    OrganizationStore, SessionStore, TenantStore, UserStore,
};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::ids::{OrganizationId, TenantId};

use super::support::*;

fn org(tenant: TenantId, name: &str, domains: &[&str]) -> Organization {
    Organization {
        id: OrganizationId::new(),
        tenant_id: tenant,
        name: name.into(),
        domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        notes: "notes".into(),
        shared_tickets: SharedTickets::Read,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

/// An organisation is written at its version with its domain claims: a
/// domain another organisation of the tenant claims is `DomainTaken` and
/// writes nothing (another tenant may claim it too); a change moves its
/// claims; a deletion frees them. Lists go by name, a page at a time.
pub async fn organisations_claim_their_domains<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + OrganizationStore,
    O: Outbox,
{
    let (tenant, _) = signed_up(store).await;
    let (other, _) = signed_up(store).await;
    let globex = org(tenant.id, "Globex", &["globex.example", "globex.test"]);
    let created = event(tenant.id);
    store
        .put_organization(&globex, None, std::slice::from_ref(&created))
        .await
        .expect("an organisation");
    assert!(outbox.holds(tenant.id, created.id).await);
    assert_eq!(
        store
            .organization(tenant.id, globex.id)
            .await
            .expect("read"),
        Some(globex.clone())
    );
    assert_eq!(
        store
            .organization_for_domain(tenant.id, "globex.test")
            .await
            .expect("read"),
        Some(globex.id)
    );
    assert_error(
        store.put_organization(&globex, None, &[]).await,
        &StoreError::VersionMismatch,
    );

    let rival = org(tenant.id, "Abc Rival", &["rival.example", "globex.example"]);
    let refused = event(tenant.id);
    assert_error(
        store
            .put_organization(&rival, None, std::slice::from_ref(&refused))
            .await,
        &StoreError::Conflict(Conflict::DomainTaken),
    );
    assert_eq!(
        store.organization(tenant.id, rival.id).await.expect("read"),
        None
    );
    assert_eq!(
        store
            .organization_for_domain(tenant.id, "rival.example")
            .await
            .expect("read"),
        None
    );
    assert!(!outbox.holds(tenant.id, refused.id).await);
    let elsewhere = org(other.id, "Globex", &["globex.example"]);
    store
        .put_organization(&elsewhere, None, &[])
        .await
        .expect("another tenant's claim");

    let mut moved = globex.clone();
    moved.domains = BTreeSet::from(["globex.test".to_owned(), "globex.net".to_owned()]);
    moved.version = 2;
    store
        .put_organization(&moved, Some(&globex), &[])
        .await
        .expect("a change");
    assert_error(
        store.put_organization(&moved, Some(&globex), &[]).await,
        &StoreError::VersionMismatch,
    );
    let domain_of = async |d: &'static str| {
        store
            .organization_for_domain(tenant.id, d)
            .await
            .expect("read")
    };
    assert_eq!(domain_of("globex.example").await, None);
    assert_eq!(domain_of("globex.net").await, Some(globex.id));
    assert_eq!(domain_of("globex.test").await, Some(globex.id));
    store
        .put_organization(&rival, None, &[])
        .await
        .expect("the freed domain");

    let names: Vec<String> = all_pages(
        1,
        |p| async move { store.organizations(tenant.id, &p).await },
    )
    .await
    .into_iter()
    .map(|o| o.name)
    .collect();
    assert_eq!(names, ["Abc Rival", "Globex"]);

    assert_error(
        store.delete_organization(&globex, &[]).await,
        &StoreError::VersionMismatch,
    );
    store
        .delete_organization(&moved, &[])
        .await
        .expect("a deletion");
    assert_eq!(
        store
            .organization(tenant.id, globex.id)
            .await
            .expect("read"),
        None
    );
    assert_eq!(domain_of("globex.net").await, None);
}

/// A member's credentials are read with their organisation.
pub async fn principal_state_carries_the_members_organisation<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + SessionStore + OrganizationStore,
    O: Outbox,
{
    let (tenant, _) = signed_up(store).await;
    let company = org(tenant.id, "Globex", &[]);
    store
        .put_organization(&company, None, &[])
        .await
        .expect("an organisation");
    let mut member = user(
        tenant.id,
        switchboard_domain::accounts::user::Role::Customer,
        "Mia",
    );
    member.organization_id = Some(company.id);
    store
        .create_user(&member, None, &[])
        .await
        .expect("a member");
    let s = session(&member);
    store
        .start_session(new_session(&s))
        .await
        .expect("a session");
    let state = store
        .principal_state(tenant.id, member.id, s.0.id)
        .await
        .expect("read");
    assert_eq!(state.organization, Some(company));
    let principal = state.live(now()).expect("live");
    assert_eq!(
        principal.membership.map(|m| m.shared_tickets),
        Some(SharedTickets::Read)
    );
}
