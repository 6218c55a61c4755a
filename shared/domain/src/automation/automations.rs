//! The automations API's use cases: staff read them, admins write them.
//! The set has one version, which is what `If-Match` names.

use crate::kernel::events::{ConfigChange, ConfigObject, ConfigurationChanged};
use jiff::Timestamp;

use crate::accounts::permissions::{Action as Permission, Principal};
use crate::accounts::ports::{TeamStore, UserStore};
use crate::automation::action::Action;
use crate::automation::condition::Conditions;
use crate::automation::ordered::{check_room, place};
use crate::automation::ports::AutomationStore;
use crate::automation::references::check_actions;
use crate::automation::timed::{Automation, AutomationSet, MAX_AUTOMATIONS, check_automation};
use crate::automation::trigger::check_set_size;
use crate::kernel::error::DomainError;
use crate::kernel::ids::AutomationId;
use crate::tickets::ports::FieldSchemaStore;
use crate::webhooks::ports::WebhookStore;

/// A new automation, or (every field optional) a change to one.
#[derive(Debug, Clone, Default)]
pub struct AutomationInput {
    pub title: Option<String>,
    pub active: Option<bool>,
    pub conditions: Option<Conditions>,
    pub actions: Option<Vec<Action>>,
    /// Where in the order (0 first); the end when absent.
    pub position: Option<usize>,
}

pub struct Automations<S> {
    store: S,
}

impl<S> Automations<S>
where
    S: AutomationStore + TeamStore + UserStore + WebhookStore + FieldSchemaStore,
{
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn list(&self, principal: &Principal) -> Result<AutomationSet, DomainError> {
        principal.require(Permission::ReadAutomation)?;
        Ok(self.store.automations(principal.tenant_id()).await?)
    }

    pub async fn get(
        &self,
        principal: &Principal,
        id: AutomationId,
    ) -> Result<(Automation, usize, u64), DomainError> {
        let set = self.list(principal).await?;
        let at = set.position(id).ok_or(DomainError::NotFound)?;
        Ok((set.automations[at].clone(), at, set.version))
    }

    pub async fn create(
        &self,
        principal: &Principal,
        input: AutomationInput,
        now: Timestamp,
    ) -> Result<(Automation, usize, u64), DomainError> {
        principal.require(Permission::ManageAutomation)?;
        let mut set = self.store.automations(principal.tenant_id()).await?;
        check_room(set.automations.len(), MAX_AUTOMATIONS, "automations")?;
        let automation = Automation {
            id: AutomationId::new(),
            title: input.title.unwrap_or_default().trim().to_owned(),
            active: input.active.unwrap_or(true),
            conditions: input.conditions.unwrap_or_default(),
            actions: input.actions.unwrap_or_default(),
            created_at: now,
            updated_at: now,
        };
        self.check(principal, &automation).await?;
        let end = set.automations.len();
        let at = place(
            &mut set.automations,
            automation.clone(),
            input.position,
            end,
        );
        let change = ConfigurationChanged::new(ConfigObject::Automation, ConfigChange::Created)
            .of(automation.id, &automation.title);
        let version = self.save(principal, set, None, change, now).await?;
        Ok((automation, at, version))
    }

    pub async fn update(
        &self,
        principal: &Principal,
        id: AutomationId,
        input: AutomationInput,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<(Automation, usize, u64), DomainError> {
        principal.require(Permission::ManageAutomation)?;
        let mut set = self.store.automations(principal.tenant_id()).await?;
        let at = set.position(id).ok_or(DomainError::NotFound)?;
        let mut a = set.automations.remove(at);
        let touched = [
            ("title", input.title.is_some()),
            ("active", input.active.is_some()),
            ("conditions", input.conditions.is_some()),
            ("actions", input.actions.is_some()),
            ("position", input.position.is_some()),
        ];
        if let Some(t) = input.title {
            a.title = t.trim().to_owned();
        }
        if let Some(v) = input.active {
            a.active = v;
        }
        if let Some(c) = input.conditions {
            a.conditions = c;
        }
        if let Some(x) = input.actions {
            a.actions = x;
        }
        a.updated_at = now;
        self.check(principal, &a).await?;
        let to = place(&mut set.automations, a.clone(), input.position, at);
        let change = ConfigurationChanged::new(ConfigObject::Automation, ConfigChange::Updated)
            .of(a.id, &a.title)
            .touching_given(&touched);
        let version = self.save(principal, set, if_match, change, now).await?;
        Ok((a, to, version))
    }

    pub async fn delete(
        &self,
        principal: &Principal,
        id: AutomationId,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        principal.require(Permission::ManageAutomation)?;
        let mut set = self.store.automations(principal.tenant_id()).await?;
        let at = set.position(id).ok_or(DomainError::NotFound)?;
        let gone = set.automations.remove(at);
        let change = ConfigurationChanged::new(ConfigObject::Automation, ConfigChange::Deleted)
            .of(gone.id, &gone.title);
        self.save(principal, set, if_match, change, now)
            .await
            .map(|_| ())
    }

    /// The automation's shape, and that what its actions name exists.
    async fn check(&self, principal: &Principal, a: &Automation) -> Result<(), DomainError> {
        let mut errors = check_automation(a);
        errors.extend(check_actions(&self.store, principal.tenant_id(), &a.actions).await?);
        DomainError::unless_any(errors)
    }

    async fn save(
        &self,
        principal: &Principal,
        mut set: AutomationSet,
        if_match: Option<u64>,
        change: ConfigurationChanged,
        now: Timestamp,
    ) -> Result<u64, DomainError> {
        let expected = set.version;
        if if_match.is_some_and(|v| v != expected) {
            return Err(DomainError::PreconditionFailed);
        }
        set.version += 1;
        check_set_size(&set, "automations")?;
        let event = change.event(principal.tenant_id(), principal.actor(), now);
        self.store
            .put_automations(principal.tenant_id(), &set, expected, &[event])
            .await?;
        Ok(set.version)
    }
}
