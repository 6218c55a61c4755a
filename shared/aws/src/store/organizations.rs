//! [`OrganizationStore`] on the single table: each organisation an item
//! listed by name, each of its domains a claim item written in the same
//! transaction (a claim another organisation holds fails the write).

use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::organization::Organization;
use switchboard_domain::accounts::ports::OrganizationStore;
use switchboard_domain::kernel::error::{Conflict, StoreResult};
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{OrganizationId, TenantId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};

use super::{DynamoStore, build_error, from_item, to_item};
use crate::items::{OrganizationDomainItem, OrganizationItem};
use crate::keys::{self, attr, index};

/// What a failed condition at a transaction position means.
#[derive(Clone, Copy)]
enum OnFail {
    Version,
    Domain,
    Other,
}

impl OrganizationStore for DynamoStore {
    async fn organization(
        &self,
        tenant: TenantId,
        id: OrganizationId,
    ) -> StoreResult<Option<Organization>> {
        Ok(self
            .get::<OrganizationItem>(&keys::organization(tenant, id))
            .await?
            .map(Into::into))
    }

    async fn organizations(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> StoreResult<Page<Organization>> {
        let pk = keys::organizations_index_pk(tenant);
        let (items, next_cursor) = self
            .query_index_page(index::GSI1, (attr::GSI1PK, &pk), None, true, page, &pk)
            .await?;
        let items = items
            .into_iter()
            .map(|i| from_item::<OrganizationItem>(i).map(Organization::from))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn organization_for_domain(
        &self,
        tenant: TenantId,
        domain: &str,
    ) -> StoreResult<Option<OrganizationId>> {
        Ok(self
            .get::<OrganizationDomainItem>(&keys::organization_domain(tenant, domain))
            .await?
            .map(|i| i.organization_id))
    }

    async fn put_organization(
        &self,
        org: &Organization,
        before: Option<&Organization>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let item = to_item(&OrganizationItem::from(org))?;
        let mut items = vec![match before {
            Some(b) => self.put_if_version(item, b.version)?,
            None => self.put(item, Some("attribute_not_exists(PK)"))?,
        }];
        let mut fails = vec![OnFail::Version];
        let kept = before.map(|b| b.domains.clone()).unwrap_or_default();
        for dropped in kept.difference(&org.domains) {
            items.push(self.delete(&keys::organization_domain(org.tenant_id, dropped), None)?);
            fails.push(OnFail::Other);
        }
        for added in org.domains.difference(&kept) {
            items.push(self.claim(org, added)?);
            fails.push(OnFail::Domain);
        }
        let events = self.put_events(events)?;
        fails.extend(events.iter().map(|_| OnFail::Other));
        items.extend(events);
        self.transact(items, |i| {
            match fails.get(i).copied().unwrap_or(OnFail::Other) {
                OnFail::Version => StoreError::VersionMismatch,
                OnFail::Domain => StoreError::Conflict(Conflict::DomainTaken),
                OnFail::Other => StoreError::ConditionFailed,
            }
        })
        .await
    }

    async fn delete_organization(
        &self,
        org: &Organization,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut items =
            vec![self.delete_at_version(&keys::organization(org.tenant_id, org.id), org.version)?];
        for d in &org.domains {
            items.push(self.delete(&keys::organization_domain(org.tenant_id, d), None)?);
        }
        items.extend(self.put_events(events)?);
        self.transact(items, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }
}

impl DynamoStore {
    /// A domain claim: new, or already this organisation's.
    fn claim(
        &self,
        org: &Organization,
        domain: &str,
    ) -> StoreResult<aws_sdk_dynamodb::types::TransactWriteItem> {
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(self.table())
            .set_item(Some(to_item(&OrganizationDomainItem::new(org, domain))?))
            .condition_expression("attribute_not_exists(PK) OR organizationId = :org")
            .expression_attribute_values(":org", AttributeValue::S(org.id.to_string()))
            .build()
            .map_err(build_error)?;
        Ok(aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .put(put)
            .build())
    }
}
