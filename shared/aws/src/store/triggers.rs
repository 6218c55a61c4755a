//! [`TriggerStore`] and [`AutomationStore`] on the single table: one
//! versioned item per tenant each, and a marker per tenant with an active
//! automation.

use super::DynamoStore;
use super::sla::decode;
use super::{from_item, to_item};
use crate::items::SlaConfigItem;
use crate::keys;
use switchboard_domain::StoreError;
use switchboard_domain::automation::ports::{AutomationStore, TriggerStore};
use switchboard_domain::automation::timed::AutomationSet;
use switchboard_domain::automation::trigger::TriggerSet;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::TenantId;

impl TriggerStore for DynamoStore {
    async fn triggers(&self, tenant: TenantId) -> StoreResult<TriggerSet> {
        match self.get::<SlaConfigItem>(&keys::triggers(tenant)).await? {
            Some(i) => Ok(TriggerSet {
                version: i.version,
                ..decode(&i.payload)?
            }),
            None => Ok(TriggerSet::default()),
        }
    }

    async fn put_triggers(
        &self,
        tenant: TenantId,
        set: &TriggerSet,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.put_config(
            keys::triggers(tenant),
            set,
            set.version,
            expected_version,
            events,
        )
        .await
    }
}

/// Marks a tenant that has an active automation, in one partition the
/// hourly run reads.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct AutomatedItem {
    #[serde(flatten)]
    key: crate::items::KeyAttrs,
    #[serde(rename = "tenantId")]
    tenant_id: TenantId,
}

impl AutomationStore for DynamoStore {
    async fn automations(&self, tenant: TenantId) -> StoreResult<AutomationSet> {
        match self
            .get::<SlaConfigItem>(&keys::automations(tenant))
            .await?
        {
            Some(i) => Ok(AutomationSet {
                version: i.version,
                ..decode(&i.payload)?
            }),
            None => Ok(AutomationSet::default()),
        }
    }

    async fn put_automations(
        &self,
        tenant: TenantId,
        set: &AutomationSet,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let payload = serde_json::to_string(set)
            .map_err(|e| StoreError::Internal(format!("encoding: {e}")))?;
        let item = to_item(&SlaConfigItem {
            key: keys::automations(tenant).into(),
            entity: crate::items::SLA_CONFIG_ENTITY.to_owned(),
            payload,
            version: set.version,
        })?;
        let config = if expected_version == 0 {
            self.put(item, Some("attribute_not_exists(PK)"))?
        } else {
            self.put_if_version(item, expected_version)?
        };
        let marker_key = keys::automated_tenant(tenant);
        let marker = if set.any_active() {
            self.put(
                to_item(&AutomatedItem {
                    key: marker_key.into(),
                    tenant_id: tenant,
                })?,
                None,
            )?
        } else {
            self.delete(&marker_key, None)?
        };
        let mut writes = vec![config, marker];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| {
            if i == 0 {
                StoreError::VersionMismatch
            } else {
                StoreError::ConditionFailed
            }
        })
        .await
    }

    async fn automated_tenants(&self) -> StoreResult<Vec<TenantId>> {
        self.query_partition(keys::AUTOMATED_PK, "T#")
            .await?
            .into_iter()
            .map(|i| from_item::<AutomatedItem>(i).map(|m| m.tenant_id))
            .collect()
    }
}
