//! [`AgentStore`] and [`TeamAssignmentStore`] on the single table. A
//! tenant's agents are one partition, an item each: availability and
//! skills set by their own updates, and the load (`open`) kept by every
//! ticket write in its transaction ([`DynamoStore::load_move`]).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::StoreError;
use switchboard_domain::assignment::agent::{Agent, Availability, Skill};
use switchboard_domain::assignment::ports::{AgentStore, TeamAssignmentStore};
use switchboard_domain::assignment::settings::TeamAssignment;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{TeamId, TenantId, UserId};
use switchboard_domain::tickets::ports::{TicketWrite, TicketWriteMode};
use switchboard_domain::tickets::ticket::load_moves;

use super::sla::decode;
use super::{DynamoStore, build_error, from_item, to_item};
use crate::items::KeyAttrs;
use crate::keys;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgentItem {
    #[serde(flatten)]
    key: KeyAttrs,
    #[serde(default)]
    user_id: Option<UserId>,
    #[serde(default)]
    availability: Option<Availability>,
    #[serde(default)]
    skills: Option<Vec<String>>,
    #[serde(default)]
    open: i64,
    #[serde(default)]
    last_assigned_at: Option<Timestamp>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SettingsItem {
    #[serde(flatten)]
    key: KeyAttrs,
    entity: String,
    payload: String,
}

impl DynamoStore {
    /// One agent's load moving by `delta` in a ticket write; a `+1` under
    /// `cap` only while they hold fewer than `cap`.
    pub(super) fn load_move(
        &self,
        tenant: TenantId,
        (user, delta): (UserId, i64),
        cap: Option<u32>,
        at: Timestamp,
    ) -> StoreResult<TransactWriteItem> {
        let mut update = self
            .update(&keys::agent(tenant, user))
            .expression_attribute_names("#open", "open")
            .expression_attribute_names("#user", "userId")
            .expression_attribute_values(":d", AttributeValue::N(delta.to_string()))
            .expression_attribute_values(":user", AttributeValue::S(user.to_string()));
        let mut expression = "SET #user = :user ADD #open :d".to_owned();
        if delta > 0 {
            expression = "SET #user = :user, lastAssignedAt = :at ADD #open :d".to_owned();
            update = update.expression_attribute_values(":at", AttributeValue::S(at.to_string()));
        }
        if let Some(cap) = cap {
            update = update
                .condition_expression("attribute_not_exists(#open) OR #open < :cap")
                .expression_attribute_values(":cap", AttributeValue::N(cap.to_string()));
        }
        let update = update
            .update_expression(expression)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Agents' load moving with the writes, one item per agent (a
    /// transaction names each item once); a comment's touch moves none.
    pub(super) fn load_items(
        &self,
        writes: &[&TicketWrite<'_>],
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let mut items = Vec::new();
        let mut moves: BTreeMap<(TenantId, UserId), (i64, Option<u32>, Timestamp)> =
            BTreeMap::new();
        for w in writes {
            let t = w.ticket;
            let before = match w.mode {
                TicketWriteMode::Touch { .. } => continue,
                TicketWriteMode::Create => None,
                TicketWriteMode::Replace(_) => w.before,
            };
            for (user, delta) in load_moves(before, t) {
                let entry = moves
                    .entry((t.tenant_id, user))
                    .or_insert((0, None, t.updated_at));
                entry.0 += delta;
                entry.1 = entry.1.or(w.capacity);
            }
        }
        for ((tenant, user), (delta, cap, at)) in moves {
            if delta != 0 {
                let cap = cap.filter(|_| delta > 0);
                items.push(self.load_move(tenant, (user, delta), cap, at)?);
            }
        }
        Ok(items)
    }

    async fn update_agent(
        &self,
        tenant: TenantId,
        user: UserId,
        (name, value): (&str, AttributeValue),
        event: Option<&DomainEvent>,
    ) -> StoreResult<()> {
        let update = self
            .update(&keys::agent(tenant, user))
            .update_expression("SET #user = :user, #f = :v")
            .expression_attribute_names("#user", "userId")
            .expression_attribute_names("#f", name)
            .expression_attribute_values(":user", AttributeValue::S(user.to_string()))
            .expression_attribute_values(":v", value)
            .build()
            .map_err(build_error)?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        items.extend(self.put_events(event.map(std::slice::from_ref).unwrap_or_default())?);
        self.transact(items, |_| StoreError::ConditionFailed).await
    }
}

impl AgentStore for DynamoStore {
    async fn agents(&self, tenant: TenantId) -> StoreResult<Vec<Agent>> {
        let mut agents = Vec::new();
        for item in self
            .query_partition(&keys::agents_pk(tenant), keys::AGENT_PREFIX)
            .await?
        {
            let i = from_item::<AgentItem>(item)?;
            let Some(user_id) = i.user_id else { continue };
            agents.push(Agent {
                user_id,
                availability: i.availability.unwrap_or_default(),
                skills: i
                    .skills
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|s| Skill::parse(s).ok())
                    .collect(),
                open: i.open,
                last_assigned_at: i.last_assigned_at,
            });
        }
        Ok(agents)
    }

    async fn set_availability(
        &self,
        tenant: TenantId,
        user: UserId,
        availability: Availability,
        event: &DomainEvent,
    ) -> StoreResult<()> {
        let value = serde_json::to_value(availability)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        self.update_agent(
            tenant,
            user,
            ("availability", AttributeValue::S(value)),
            Some(event),
        )
        .await
    }

    async fn set_skills(
        &self,
        tenant: TenantId,
        user: UserId,
        skills: &BTreeSet<Skill>,
    ) -> StoreResult<()> {
        let list = skills
            .iter()
            .map(|s| AttributeValue::S(s.as_str().to_owned()))
            .collect();
        self.update_agent(tenant, user, ("skills", AttributeValue::L(list)), None)
            .await
    }
}

impl TeamAssignmentStore for DynamoStore {
    async fn team_assignment(
        &self,
        tenant: TenantId,
        team: TeamId,
    ) -> StoreResult<Option<TeamAssignment>> {
        self.get::<SettingsItem>(&keys::team_assignment(tenant, team))
            .await?
            .map(|i| decode(&i.payload))
            .transpose()
    }

    async fn put_team_assignment(
        &self,
        tenant: TenantId,
        team: TeamId,
        settings: &TeamAssignment,
        event: &DomainEvent,
    ) -> StoreResult<()> {
        let payload = serde_json::to_string(settings)
            .map_err(|e| StoreError::Internal(format!("encoding: {e}")))?;
        let item = to_item(&SettingsItem {
            key: keys::team_assignment(tenant, team).into(),
            entity: "team_assignment".into(),
            payload,
        })?;
        let mut items = vec![self.put(item, None)?];
        items.extend(self.put_events(std::slice::from_ref(event))?);
        self.transact(items, |_| StoreError::ConditionFailed).await
    }
}
