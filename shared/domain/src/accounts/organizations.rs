//! Organisation use cases: staff read them, admins create, change and
//! delete them; a new customer's organisation is found from the domain of
//! their address.

use jiff::Timestamp;

use crate::accounts::events::OrganizationChanged;
use crate::accounts::organization::{NewOrganization, Organization, OrganizationPatch, domain_of};
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::OrganizationStore;
use crate::accounts::user::Email;
use crate::kernel::error::DomainError;
use crate::kernel::events::{DomainEvent, EventType, Subject};
use crate::kernel::ids::{OrganizationId, TenantId};
use crate::kernel::pagination::{Page, PageRequest};

pub struct Organizations<S> {
    store: S,
}

impl<S: OrganizationStore> Organizations<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn list(
        &self,
        principal: &Principal,
        page: &PageRequest,
    ) -> Result<Page<Organization>, DomainError> {
        principal.require(Action::ReadOrganizations)?;
        Ok(self
            .store
            .organizations(principal.tenant_id(), page)
            .await?)
    }

    /// The organisation, for staff; `NotFound` for anyone else.
    pub async fn get(
        &self,
        principal: &Principal,
        id: OrganizationId,
    ) -> Result<Organization, DomainError> {
        principal
            .require(Action::ReadOrganizations)
            .map_err(|_| DomainError::NotFound)?;
        self.store
            .organization(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn create(
        &self,
        principal: &Principal,
        input: NewOrganization,
        now: Timestamp,
    ) -> Result<Organization, DomainError> {
        principal.require(Action::ManageOrganizations)?;
        let org = Organization {
            id: OrganizationId::new(),
            tenant_id: principal.tenant_id(),
            name: input.name,
            domains: input.domains,
            notes: input.notes,
            shared_tickets: input.shared_tickets,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = event(
            EventType::OrganizationCreated,
            &org,
            principal,
            now,
            Vec::new(),
        );
        self.store.put_organization(&org, None, &[event]).await?;
        Ok(org)
    }

    pub async fn update(
        &self,
        principal: &Principal,
        id: OrganizationId,
        patch: OrganizationPatch,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<Organization, DomainError> {
        let before = self.get(principal, id).await?;
        principal.require(Action::ManageOrganizations)?;
        if if_match.is_some_and(|v| v != before.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let mut org = before.clone();
        let changed = patch.apply(&mut org);
        if changed.is_empty() {
            return Ok(org);
        }
        org.version += 1;
        org.updated_at = now;
        let changed = changed.into_iter().map(str::to_owned).collect();
        let event = event(
            EventType::OrganizationUpdated,
            &org,
            principal,
            now,
            changed,
        );
        self.store
            .put_organization(&org, Some(&before), &[event])
            .await?;
        Ok(org)
    }

    /// Deletes the organisation and its domain claims; its people keep
    /// their tickets, and no longer share them.
    pub async fn delete(
        &self,
        principal: &Principal,
        id: OrganizationId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let org = self.get(principal, id).await?;
        principal.require(Action::ManageOrganizations)?;
        let event = event(
            EventType::OrganizationDeleted,
            &org,
            principal,
            now,
            Vec::new(),
        );
        Ok(self.store.delete_organization(&org, &[event]).await?)
    }
}

/// The organisation whose domain an address has, if any: where a customer
/// created with it belongs.
pub async fn organization_for<S: OrganizationStore>(
    store: &S,
    tenant: TenantId,
    email: &Email,
) -> Result<Option<OrganizationId>, DomainError> {
    Ok(store
        .organization_for_domain(tenant, &domain_of(email))
        .await?)
}

fn event(
    kind: EventType,
    org: &Organization,
    principal: &Principal,
    now: Timestamp,
    changed: Vec<String>,
) -> DomainEvent {
    DomainEvent::new(
        kind,
        org.tenant_id,
        now,
        principal.actor(),
        Subject {
            organization_id: Some(org.id),
            ..Subject::default()
        },
        &OrganizationChanged {
            name: org.name.clone(),
            changed,
        },
    )
}
