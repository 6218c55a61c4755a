//! [`SlaStore`] on the single table.

use super::tickets::ticket_from;
use super::{DynamoStore, from_item, sdk_error, to_item};
use crate::items::{
    SCHEDULER_ENTITY, SLA_CONFIG_ENTITY, SLA_MARK_ENTITY, SchedulerItem, SlaConfigItem,
    SlaMarkItem, TICKET_SLA_ENTITY, TicketSlaItem,
};
use crate::keys::{self, Key, attr, index};
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeSet, HashMap};
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{TenantId, TicketId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::sla::evaluate::{SlaView, Threshold};
use switchboard_domain::sla::policy::{BusinessHours, SlaPolicies};
use switchboard_domain::sla::ports::{SlaConfigStore, SlaTimers, TicketSlaStore};
use switchboard_domain::sla::stored::{SlaCheck, StoredSla};
use switchboard_domain::tickets::ticket::Ticket;

fn threshold_name(t: Threshold) -> &'static str {
    match t {
        Threshold::Warning => "warning",
        Threshold::Breach => "breach",
    }
}

fn encode<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(format!("encoding: {e}")))
}

pub(super) fn decode<T: DeserializeOwned>(payload: &str) -> StoreResult<T> {
    serde_json::from_str(payload).map_err(|e| StoreError::Internal(format!("decoding: {e}")))
}

impl DynamoStore {
    /// Writes a configuration document if its stored version is still
    /// `expected` (0: none stored yet).
    pub(super) async fn put_config<T: Serialize>(
        &self,
        key: Key,
        value: &T,
        version: u64,
        expected: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let item = to_item(&SlaConfigItem {
            key: key.into(),
            entity: SLA_CONFIG_ENTITY.to_owned(),
            payload: encode(value)?,
            version,
        })?;
        let mut writes = vec![if expected == 0 {
            self.put(item, Some("attribute_not_exists(PK)"))?
        } else {
            self.put_if_version(item, expected)?
        }];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }
}

impl SlaConfigStore for DynamoStore {
    async fn sla_config(&self, tenant: TenantId) -> StoreResult<(SlaPolicies, BusinessHours)> {
        let (pk, hk) = (keys::sla_policies(tenant), keys::business_hours(tenant));
        let mut found = self.batch_get(&[pk.clone(), hk.clone()]).await?;
        let mut take = |k: &Key| -> StoreResult<Option<SlaConfigItem>> {
            found
                .remove(&(k.pk.clone(), k.sk.clone()))
                .map(from_item::<SlaConfigItem>)
                .transpose()
        };
        let policies = match take(&pk)? {
            Some(i) => SlaPolicies {
                version: i.version,
                ..decode(&i.payload)?
            },
            None => SlaPolicies::default(),
        };
        let hours = match take(&hk)? {
            Some(i) => BusinessHours {
                version: i.version,
                ..decode(&i.payload)?
            },
            None => BusinessHours::default(),
        };
        Ok((policies, hours))
    }

    async fn put_business_hours(
        &self,
        tenant: TenantId,
        hours: &BusinessHours,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.put_config(
            keys::business_hours(tenant),
            hours,
            hours.version,
            expected_version,
            events,
        )
        .await
    }

    async fn put_sla_policies(
        &self,
        tenant: TenantId,
        policies: &SlaPolicies,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.put_config(
            keys::sla_policies(tenant),
            policies,
            policies.version,
            expected_version,
            events,
        )
        .await
    }
}

impl TicketSlaStore for DynamoStore {
    async fn ticket_sla(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<Option<StoredSla>> {
        self.get::<TicketSlaItem>(&keys::ticket_sla(tenant, ticket))
            .await?
            .map(|i| decode(&i.payload))
            .transpose()
    }

    async fn put_ticket_sla(&self, sla: &StoredSla) -> StoreResult<()> {
        let (tenant, ticket) = (sla.tenant_id, sla.ticket_id);
        // Listed by the earliest due time of a running target.
        let due = sla
            .sla
            .targets
            .iter()
            .filter(|t| t.met_at.is_none())
            .filter_map(|t| t.due_at)
            .min()
            .unwrap_or(sla.computed_at);
        let item = TicketSlaItem {
            key: keys::ticket_sla(tenant, ticket).into(),
            entity: TICKET_SLA_ENTITY.to_owned(),
            gsi1pk: sla.view.map(|v| keys::sla_view_pk(tenant, v.as_str())),
            gsi1sk: sla.view.map(|_| keys::sla_view_sk(due, ticket)),
            gsi2pk: sla
                .next_deadline
                .map(|d| keys::sla_timer_pk(switchboard_domain::sla::scheduler::minute_of(d))),
            gsi2sk: sla
                .next_deadline
                .map(|d| keys::sla_timer_sk(d, tenant, ticket)),
            tenant_id: tenant,
            ticket_id: ticket,
            next_deadline: sla.next_deadline,
            payload: encode(sla)?,
        };
        self.put_one(to_item(&item)?, None).await
    }

    async fn delete_ticket_sla(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<()> {
        match self.delete_one(&keys::ticket_sla(tenant, ticket)).await {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn sla_announced(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<BTreeSet<(String, Threshold)>> {
        let pk = keys::ticket_sla(tenant, ticket).pk;
        let items = self.query_partition(&pk, keys::SLA_MARK_PREFIX).await?;
        let mut out = BTreeSet::new();
        for item in items {
            let mark = from_item::<SlaMarkItem>(item)?;
            let threshold = match mark.threshold.as_str() {
                "warning" => Threshold::Warning,
                _ => Threshold::Breach,
            };
            out.insert((mark.cycle, threshold));
        }
        Ok(out)
    }

    async fn announce(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        cycle: &str,
        threshold: Threshold,
        event: &DomainEvent,
    ) -> StoreResult<bool> {
        let mark = SlaMarkItem {
            key: keys::sla_mark(tenant, ticket, cycle, threshold_name(threshold)).into(),
            entity: SLA_MARK_ENTITY.to_owned(),
            cycle: cycle.to_owned(),
            threshold: threshold_name(threshold).to_owned(),
            at: event.occurred_at,
        };
        let mut writes = vec![self.put_new(&mark)?];
        writes.extend(self.put_events(std::slice::from_ref(event))?);
        match self.transact(writes, |_| StoreError::ConditionFailed).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn sla_view(
        &self,
        tenant: TenantId,
        view: SlaView,
        page: &PageRequest,
    ) -> StoreResult<Page<Ticket>> {
        let pk = keys::sla_view_pk(tenant, view.as_str());
        let (items, next_cursor) = self
            .query_page(
                Some(index::GSI1),
                (attr::GSI1PK, &pk),
                None,
                true,
                page,
                &pk,
            )
            .await?;
        let ids: Vec<TicketId> = items
            .into_iter()
            .map(|i| from_item::<TicketSlaItem>(i).map(|s| s.ticket_id))
            .collect::<Result<_, _>>()?;
        // One batch read for the page, in the index's order.
        let keys: Vec<Key> = ids.iter().map(|id| keys::ticket(tenant, *id)).collect();
        let mut found = HashMap::new();
        for chunk in keys.chunks(100) {
            found.extend(self.batch_get(chunk).await?);
        }
        let mut tickets = Vec::with_capacity(keys.len());
        for k in &keys {
            if let Some(item) = found.remove(&(k.pk.clone(), k.sk.clone())) {
                let t = ticket_from(item)?;
                if !t.is_deleted() {
                    tickets.push(t);
                }
            }
        }
        Ok(Page {
            items: tickets,
            next_cursor,
        })
    }
}

impl SlaTimers for DynamoStore {
    async fn due_in(&self, minute: Timestamp) -> StoreResult<Vec<(SlaCheck, Timestamp)>> {
        let pk = keys::sla_timer_pk(minute);
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let q = self
                .client()
                .query()
                .table_name(self.table())
                .index_name(index::GSI2)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", attr::GSI2PK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in q.items.unwrap_or_default() {
                let sk = item.get(attr::GSI2SK).and_then(|v| v.as_s().ok());
                let Some((deadline, tenant_id, ticket_id)) =
                    sk.and_then(|sk| keys::parse_sla_timer_sk(sk))
                else {
                    return Err(StoreError::Corrupt("an unreadable SLA timer key".into()));
                };
                out.push((
                    SlaCheck {
                        tenant_id,
                        ticket_id,
                    },
                    deadline,
                ));
            }
            match q.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(out),
            }
        }
    }

    async fn scheduler_cursor(&self) -> StoreResult<Option<Timestamp>> {
        Ok(self
            .get::<SchedulerItem>(&keys::sla_scheduler())
            .await?
            .map(|i| i.cursor))
    }

    async fn set_scheduler_cursor(&self, minute: Timestamp) -> StoreResult<()> {
        let item = SchedulerItem {
            key: keys::sla_scheduler().into(),
            entity: SCHEDULER_ENTITY.to_owned(),
            cursor: minute,
        };
        self.put_one(to_item(&item)?, None).await
    }
}
