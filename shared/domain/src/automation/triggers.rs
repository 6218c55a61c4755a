//! The triggers API's use cases: staff read triggers and try one on a
//! ticket; admins write them and set their order. The set has one version,
//! which is what `If-Match` names.

use crate::kernel::events::{ConfigChange, ConfigObject, ConfigurationChanged};
use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Serialize;

use crate::accounts::permissions::{Action as Permission, Principal};
use crate::accounts::ports::{TeamStore, UserStore};
use crate::automation::action::RuleMail;
use crate::automation::action::{Action, changes_between};
use crate::automation::condition::{ActorKind, Condition, Conditions, Facts};
use crate::automation::engine;
use crate::automation::ordered::{check_room, place};
use crate::automation::ports::TriggerStore;
use crate::automation::references::check_actions;
use crate::automation::trigger::{
    MAX_TRIGGERS, On, Trigger, TriggerSet, check_set_size, check_shape,
};
use crate::kernel::error::DomainError;
use crate::kernel::ids::{TicketId, TriggerId, WebhookId};
use crate::kernel::validation::FieldError;
use crate::sla::ports::SlaConfigStore;
use crate::tickets::ports::{FieldSchemaStore, TicketStore};
use crate::tickets::service::ensure_visible;
use crate::tickets::ticket::Change;
use crate::webhooks::ports::WebhookStore;

/// A new trigger, or (every field optional) a change to one.
#[derive(Debug, Clone, Default)]
pub struct TriggerInput {
    pub title: Option<String>,
    pub active: Option<bool>,
    pub on: Option<BTreeSet<On>>,
    pub conditions: Option<Conditions>,
    pub actions: Option<Vec<Action>>,
    /// Where in the order (0 first); the end when absent.
    pub position: Option<usize>,
}

/// A trigger where it stands, and the set's version.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Placed {
    #[serde(flatten)]
    pub trigger: Trigger,
    pub position: usize,
}

/// What a trigger would do to a ticket as it is now, written nowhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trial {
    pub matches: bool,
    /// Each condition and whether the ticket meets it.
    pub conditions: Vec<Checked>,
    /// What would change on the ticket.
    pub changes: Vec<Change>,
    /// The internal notes it would add.
    pub notes: Vec<String>,
    /// The endpoints it would notify.
    pub webhooks: Vec<WebhookId>,
    /// The mails it would send (as its actions say; rendered when sent).
    pub mails: Vec<RuleMail>,
    /// Actions that would not apply, and why.
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    pub condition: Condition,
    pub met: bool,
}

pub struct TriggerRules<S> {
    store: S,
}

impl<S> TriggerRules<S>
where
    S: TriggerStore
        + TicketStore
        + TeamStore
        + UserStore
        + WebhookStore
        + SlaConfigStore
        + FieldSchemaStore,
{
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn list(&self, principal: &Principal) -> Result<TriggerSet, DomainError> {
        principal.require(Permission::ReadAutomation)?;
        Ok(self.store.triggers(principal.tenant_id()).await?)
    }

    pub async fn get(
        &self,
        principal: &Principal,
        id: TriggerId,
    ) -> Result<(Placed, u64), DomainError> {
        let set = self.list(principal).await?;
        let position = set.position(id).ok_or(DomainError::NotFound)?;
        let trigger = set.triggers[position].clone();
        Ok((Placed { trigger, position }, set.version))
    }

    pub async fn create(
        &self,
        principal: &Principal,
        input: TriggerInput,
        now: Timestamp,
    ) -> Result<(Placed, u64), DomainError> {
        principal.require(Permission::ManageAutomation)?;
        let tenant = principal.tenant_id();
        let mut set = self.store.triggers(tenant).await?;
        check_room(set.triggers.len(), MAX_TRIGGERS, "triggers")?;
        let trigger = Trigger {
            id: TriggerId::new(),
            title: input.title.unwrap_or_default().trim().to_owned(),
            active: input.active.unwrap_or(true),
            on: input.on.unwrap_or_default(),
            conditions: input.conditions.unwrap_or_default(),
            actions: input.actions.unwrap_or_default(),
            created_at: now,
            updated_at: now,
        };
        self.check(principal, &trigger).await?;
        let end = set.triggers.len();
        let at = place(&mut set.triggers, trigger.clone(), input.position, end);
        let change = ConfigurationChanged::new(ConfigObject::Trigger, ConfigChange::Created)
            .of(trigger.id, &trigger.title);
        self.save(principal, set, None, change, now).await.map(|v| {
            (
                Placed {
                    trigger,
                    position: at,
                },
                v,
            )
        })
    }

    pub async fn update(
        &self,
        principal: &Principal,
        id: TriggerId,
        input: TriggerInput,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<(Placed, u64), DomainError> {
        principal.require(Permission::ManageAutomation)?;
        let mut set = self.store.triggers(principal.tenant_id()).await?;
        let at = set.position(id).ok_or(DomainError::NotFound)?;
        let mut trigger = set.triggers.remove(at);
        let touched = [
            ("title", input.title.is_some()),
            ("active", input.active.is_some()),
            ("on", input.on.is_some()),
            ("conditions", input.conditions.is_some()),
            ("actions", input.actions.is_some()),
            ("position", input.position.is_some()),
        ];
        if let Some(t) = input.title {
            trigger.title = t.trim().to_owned();
        }
        if let Some(a) = input.active {
            trigger.active = a;
        }
        if let Some(o) = input.on {
            trigger.on = o;
        }
        if let Some(c) = input.conditions {
            trigger.conditions = c;
        }
        if let Some(a) = input.actions {
            trigger.actions = a;
        }
        trigger.updated_at = now;
        self.check(principal, &trigger).await?;
        let to = place(&mut set.triggers, trigger.clone(), input.position, at);
        let change = ConfigurationChanged::new(ConfigObject::Trigger, ConfigChange::Updated)
            .of(trigger.id, &trigger.title)
            .touching_given(&touched);
        self.save(principal, set, if_match, change, now)
            .await
            .map(|v| {
                (
                    Placed {
                        trigger,
                        position: to,
                    },
                    v,
                )
            })
    }

    pub async fn delete(
        &self,
        principal: &Principal,
        id: TriggerId,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        principal.require(Permission::ManageAutomation)?;
        let mut set = self.store.triggers(principal.tenant_id()).await?;
        let at = set.position(id).ok_or(DomainError::NotFound)?;
        let gone = set.triggers.remove(at);
        let change = ConfigurationChanged::new(ConfigObject::Trigger, ConfigChange::Deleted)
            .of(gone.id, &gone.title);
        self.save(principal, set, if_match, change, now)
            .await
            .map(|_| ())
    }

    /// Puts the triggers in the order of `ids`, which names each exactly once.
    pub async fn reorder(
        &self,
        principal: &Principal,
        ids: Vec<TriggerId>,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<TriggerSet, DomainError> {
        principal.require(Permission::ManageAutomation)?;
        let mut set = self.store.triggers(principal.tenant_id()).await?;
        let named: BTreeSet<TriggerId> = ids.iter().copied().collect();
        let have: BTreeSet<TriggerId> = set.triggers.iter().map(|t| t.id).collect();
        if named.len() != ids.len() || named != have {
            return Err(DomainError::field(
                "ids",
                "invalid_order",
                "name every trigger exactly once",
            ));
        }
        let mut ordered = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(at) = set.position(id) {
                ordered.push(set.triggers.remove(at));
            }
        }
        set.triggers = ordered;
        let change = ConfigurationChanged::new(ConfigObject::Trigger, ConfigChange::Updated)
            .touching(&["order"]);
        let version = self
            .save(principal, set.clone(), if_match, change, now)
            .await?;
        set.version = version;
        Ok(set)
    }

    /// What the trigger would do to the ticket as it is now, as if the
    /// caller had just changed it; nothing is written.
    pub async fn trial(
        &self,
        principal: &Principal,
        id: TriggerId,
        ticket_id: TicketId,
        now: Timestamp,
    ) -> Result<Trial, DomainError> {
        let (placed, _) = self.get(principal, id).await?;
        let tenant = principal.tenant_id();
        let ticket = self
            .store
            .ticket(tenant, ticket_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        ensure_visible(principal, &ticket)?;
        let requester = self.store.user(tenant, ticket.requester_id).await?;
        let (_, hours) = self.store.sla_config(tenant).await?;
        let facts = Facts {
            changes: &[],
            actor: ActorKind::Agent,
            requester: requester.as_ref(),
            body: None,
            hours: &hours,
            now,
        };
        let trigger = Trigger {
            active: true,
            ..placed.trigger
        };
        let conditions = trigger
            .conditions
            .iter()
            .map(|c| Checked {
                condition: c.clone(),
                met: c.matches(&ticket, &facts),
            })
            .collect();
        let run = engine::run(
            std::slice::from_ref(&trigger),
            &trigger.on,
            &ticket,
            &facts,
            now,
        );
        Ok(Trial {
            matches: !run.fired.is_empty(),
            conditions,
            changes: changes_between(&ticket, &run.ticket),
            notes: run.effects.notes.into_iter().map(|(_, n)| n).collect(),
            webhooks: run.effects.webhooks.into_iter().map(|(_, w)| w).collect(),
            mails: run.effects.mails.into_iter().map(|(_, m)| m).collect(),
            skipped: run.effects.skipped,
        })
    }

    /// Stores the set at the next version, if still at the one read (and the
    /// one the caller named).
    async fn save(
        &self,
        principal: &Principal,
        mut set: TriggerSet,
        if_match: Option<u64>,
        change: ConfigurationChanged,
        now: Timestamp,
    ) -> Result<u64, DomainError> {
        let expected = set.version;
        if if_match.is_some_and(|v| v != expected) {
            return Err(DomainError::PreconditionFailed);
        }
        set.version += 1;
        check_set_size(&set, "triggers")?;
        let event = change.event(principal.tenant_id(), principal.actor(), now);
        self.store
            .put_triggers(principal.tenant_id(), &set, expected, &[event])
            .await?;
        Ok(set.version)
    }

    /// The trigger's shape, and that the teams, agents, endpoints,
    /// calendars and fields it names exist.
    async fn check(&self, principal: &Principal, t: &Trigger) -> Result<(), DomainError> {
        let mut errors = check_shape(t);
        let tenant = principal.tenant_id();
        for (list, conditions) in [("all", &t.conditions.all), ("any", &t.conditions.any)] {
            for (i, c) in conditions.iter().enumerate() {
                if let Condition::BusinessHours { calendar, .. } = c
                    && self
                        .store
                        .sla_config(tenant)
                        .await?
                        .1
                        .calendar(Some(calendar))
                        .is_none()
                {
                    errors.push(FieldError::new(
                        format!("conditions.{list}.{i}"),
                        "unknown_calendar",
                        "no business-hours calendar of that name",
                    ));
                }
            }
        }
        errors.extend(check_actions(&self.store, tenant, &t.actions).await?);
        DomainError::unless_any(errors)
    }
}
