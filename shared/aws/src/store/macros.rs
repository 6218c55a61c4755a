//! [`MacroStore`] on the single table: a tenant's macros in one partition,
//! one item each, the usage count an attribute of its own (so a change to
//! the macro keeps it, and a use is one `ADD`).

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use switchboard_domain::StoreError;
use switchboard_domain::automation::macros::Macro;
use switchboard_domain::automation::ports::MacroStore;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{MacroId, TenantId};

use super::sla::decode;
use super::{DynamoStore, from_item, sdk_error, to_item};
use crate::items::KeyAttrs;
use crate::keys;

const MACRO_ENTITY: &str = "macro";

#[derive(Debug, Serialize, Deserialize)]
struct MacroItem {
    #[serde(flatten)]
    key: KeyAttrs,
    entity: String,
    /// The macro as JSON, its usage left out.
    payload: String,
    version: u64,
    #[serde(default)]
    usage: u64,
}

fn macro_of(item: MacroItem) -> StoreResult<Macro> {
    Ok(Macro {
        usage: item.usage,
        version: item.version,
        ..decode(&item.payload)?
    })
}

fn payload(m: &Macro) -> StoreResult<String> {
    serde_json::to_string(&Macro {
        usage: 0,
        ..m.clone()
    })
    .map_err(|e| StoreError::Internal(format!("encoding a macro: {e}")))
}

impl MacroStore for DynamoStore {
    async fn macros(&self, tenant: TenantId) -> StoreResult<Vec<Macro>> {
        self.query_partition(&keys::macros_pk(tenant), keys::MACRO_PREFIX)
            .await?
            .into_iter()
            .map(|i| from_item::<MacroItem>(i).and_then(macro_of))
            .collect()
    }

    async fn macro_by_id(&self, tenant: TenantId, id: MacroId) -> StoreResult<Option<Macro>> {
        self.get::<MacroItem>(&keys::macro_key(tenant, id))
            .await?
            .map(macro_of)
            .transpose()
    }

    async fn put_macro(
        &self,
        m: &Macro,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let key = keys::macro_key(m.tenant_id, m.id);
        let write = if expected_version == 0 {
            let item = to_item(&MacroItem {
                key: key.into(),
                entity: MACRO_ENTITY.to_owned(),
                payload: payload(m)?,
                version: m.version,
                usage: 0,
            })?;
            self.put(item, Some("attribute_not_exists(PK)"))?
        } else {
            // An update, so that the usage count is kept.
            let update = Update::builder()
                .table_name(self.table())
                .set_key(Some(Self::key_attrs(&key)))
                .update_expression("SET payload = :p, #v = :v")
                .condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":p", AttributeValue::S(payload(m)?))
                .expression_attribute_values(":v", AttributeValue::N(m.version.to_string()))
                .expression_attribute_values(
                    ":expected",
                    AttributeValue::N(expected_version.to_string()),
                )
                .build()
                .map_err(|e| StoreError::Internal(format!("building a request: {e}")))?;
            TransactWriteItem::builder().update(update).build()
        };
        let mut writes = vec![write];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn delete_macro(
        &self,
        tenant: TenantId,
        id: MacroId,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut writes = vec![self.delete(&keys::macro_key(tenant, id), None)?];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |_| StoreError::ConditionFailed).await
    }

    async fn count_macro_use(&self, tenant: TenantId, id: MacroId) -> StoreResult<()> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::macro_key(tenant, id))))
            .update_expression("ADD #u :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#u", "usage")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await
            .map_err(sdk_error);
        match out {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
