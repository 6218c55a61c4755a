//! Organisations and their domain claims in memory.

use switchboard_domain::StoreError;
use switchboard_domain::accounts::organization::Organization;
use switchboard_domain::accounts::ports::OrganizationStore;
use switchboard_domain::kernel::error::{Conflict, StoreResult};
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{OrganizationId, TenantId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};

use super::MemoryStore;

impl OrganizationStore for MemoryStore {
    async fn organization(
        &self,
        tenant: TenantId,
        id: OrganizationId,
    ) -> StoreResult<Option<Organization>> {
        self.enter("organization")?;
        Ok(self.read(|s| s.organizations.get(&(tenant, id)).cloned()))
    }

    async fn organizations(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> StoreResult<Page<Organization>> {
        self.enter("organizations")?;
        let mut rows: Vec<(String, Organization)> = self.read(|s| {
            s.organizations
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|((_, id), o)| {
                    (
                        format!("{}#{}", o.name.to_lowercase(), id.ulid()),
                        o.clone(),
                    )
                })
                .collect()
        });
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        self.cursors()
            .page(&format!("organizations|{tenant}"), rows, false, page)
    }

    async fn organization_for_domain(
        &self,
        tenant: TenantId,
        domain: &str,
    ) -> StoreResult<Option<OrganizationId>> {
        self.enter("organization_for_domain")?;
        Ok(self.read(|s| {
            s.organization_domains
                .get(&(tenant, domain.to_owned()))
                .copied()
        }))
    }

    async fn put_organization(
        &self,
        org: &Organization,
        before: Option<&Organization>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_organization")?;
        self.write(|s| {
            let key = (org.tenant_id, org.id);
            let stored = s.organizations.get(&key).map(|o| o.version);
            if stored != before.map(|b| b.version) {
                return Err(StoreError::VersionMismatch);
            }
            let taken = org.domains.iter().any(|d| {
                s.organization_domains
                    .get(&(org.tenant_id, d.clone()))
                    .is_some_and(|holder| *holder != org.id)
            });
            if taken {
                return Err(StoreError::Conflict(Conflict::DomainTaken));
            }
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            for dropped in before
                .iter()
                .flat_map(|b| b.domains.difference(&org.domains))
            {
                s.organization_domains
                    .remove(&(org.tenant_id, dropped.clone()));
            }
            for d in &org.domains {
                s.organization_domains
                    .insert((org.tenant_id, d.clone()), org.id);
            }
            s.organizations.insert(key, org.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn delete_organization(
        &self,
        org: &Organization,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("delete_organization")?;
        self.write(|s| {
            let key = (org.tenant_id, org.id);
            if s.organizations.get(&key).map(|o| o.version) != Some(org.version) {
                return Err(StoreError::VersionMismatch);
            }
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            for d in &org.domains {
                s.organization_domains.remove(&(org.tenant_id, d.clone()));
            }
            s.organizations.remove(&key);
            s.add_events(events);
            Ok(())
        })
    }
}
