//! The audit log on the single table: entries are written with the changes
//! they record ([`DynamoStore::put_audit`], from `put_events`) or alone
//! (sign-ins), and read newest first by a time range, filtered in the query.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use switchboard_domain::StoreError;
use switchboard_domain::audit::ports::{AuditFilter, AuditLog};
use switchboard_domain::kernel::audit::AuditEntry;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::kernel::ports::AuditTrail;

use super::{DynamoStore, Item, from_item, to_item};
use crate::items::AuditItem;
use crate::keys::{self, attr};

impl DynamoStore {
    /// An entry's put, for the transaction of the change it records. Ids
    /// are unique: no condition, so it never cancels the change.
    pub(super) fn put_audit(&self, entry: &AuditEntry) -> StoreResult<TransactWriteItem> {
        let item = AuditItem::new(entry).map_err(|e| StoreError::Internal(e.to_string()))?;
        self.put(to_item(&item)?, None)
    }
}

impl AuditTrail for DynamoStore {
    async fn record_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        let writes = entries
            .iter()
            .map(|e| self.put_audit(e))
            .collect::<StoreResult<Vec<_>>>()?;
        self.transact(writes, |_| StoreError::ConditionFailed).await
    }
}

impl AuditLog for DynamoStore {
    async fn audit_entries(
        &self,
        tenant: TenantId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let pk = keys::audit_pk(tenant);
        let scope = format!("{pk}|{filter:?}");
        let start = self.open_cursor(&scope, page)?;
        let (lo, hi) = keys::audit_range(
            filter.from.map(|t| t.as_millisecond()),
            filter.to.map(|t| t.as_millisecond()),
        );
        let mut conditions = Vec::new();
        let mut values: Vec<(&str, String)> = Vec::new();
        if let Some(actor) = &filter.actor {
            conditions.push("actorId = :actor");
            values.push((":actor", actor.clone()));
        }
        match filter.action.as_deref() {
            Some(family) if family.ends_with(".*") => {
                conditions.push("begins_with(#action, :action)");
                values.push((":action", family[..family.len() - 1].to_owned()));
            }
            Some(exact) => {
                conditions.push("#action = :action");
                values.push((":action", exact.to_owned()));
            }
            None => {}
        }
        if let Some(target) = &filter.target {
            conditions.push("targetId = :target");
            values.push((":target", target.clone()));
        }
        let filtering = !conditions.is_empty();
        let query = |start: Option<Item>, limit: i32| {
            let mut q = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND SK BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .expression_attribute_values(":lo", AttributeValue::S(lo.clone()))
                .expression_attribute_values(":hi", AttributeValue::S(hi.clone()))
                .scan_index_forward(false)
                .limit(limit)
                .set_exclusive_start_key(start);
            if filtering {
                q = q.filter_expression(conditions.join(" AND "));
                if filter.action.is_some() {
                    q = q.expression_attribute_names("#action", "action");
                }
                for (name, value) in &values {
                    q = q.expression_attribute_values(*name, AttributeValue::S(value.clone()));
                }
            }
            q
        };
        let (items, next) = self
            .query_filled(
                query,
                &[attr::PK, attr::SK],
                filtering,
                page.limit as usize,
                start,
            )
            .await?;
        Ok(Page {
            items: items
                .into_iter()
                .map(|i| {
                    from_item::<AuditItem>(i)
                        .and_then(|a| a.entry().map_err(|e| StoreError::Corrupt(e.to_string())))
                })
                .collect::<Result<_, _>>()?,
            next_cursor: next.and_then(|k| self.cursors.seal(&scope, &k)),
        })
    }
}
