//! The SLA configuration API's use cases: business hours and policies.
//! Staff read them; admins change them. Each set has one version, which
//! is what `If-Match` names.

use crate::accounts::ports::TeamStore;
use crate::accounts::ports::UserStore;
use crate::kernel::events::{ConfigChange, ConfigObject, ConfigurationChanged};
use crate::sla::ports::SlaConfigStore;
use jiff::Timestamp;

use super::policy::{
    Action, BusinessHours, Conditions, MAX_POLICIES, NamedCalendar, SlaPolicies, SlaPolicy,
    Targets, check_calendars, check_policy,
};
use crate::accounts::permissions::{Action as Permission, Principal};
use crate::kernel::error::DomainError;
use crate::kernel::ids::SlaPolicyId;
use crate::kernel::validation::FieldError;
use crate::tickets::ticket::Tag;

/// A new policy, or (all fields optional) a change to one.
#[derive(Debug, Clone, Default)]
pub struct PolicyInput {
    pub name: Option<String>,
    pub conditions: Option<Conditions>,
    pub targets: Option<std::collections::BTreeMap<crate::tickets::ticket::Priority, Targets>>,
    pub warn_at: Option<f64>,
    pub on_warning: Option<Vec<Action>>,
    pub on_breach: Option<Vec<Action>>,
    /// Where in the order (0 first); the end when absent.
    pub position: Option<usize>,
}

pub const DEFAULT_WARN_AT: f64 = 0.75;

pub struct SlaSettings<S> {
    store: S,
}

impl<S: SlaConfigStore + UserStore + TeamStore> SlaSettings<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn business_hours(
        &self,
        principal: &Principal,
    ) -> Result<BusinessHours, DomainError> {
        principal.require(Permission::ReadSla)?;
        Ok(self.store.sla_config(principal.tenant_id()).await?.1)
    }

    /// Replaces the calendars; one still named by a policy cannot go.
    pub async fn put_business_hours(
        &self,
        principal: &Principal,
        calendars: Vec<NamedCalendar>,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<BusinessHours, DomainError> {
        principal.require(Permission::ManageSla)?;
        let tenant = principal.tenant_id();
        let (policies, current) = self.store.sla_config(tenant).await?;
        if if_match.is_some_and(|v| v != current.version) {
            return Err(DomainError::PreconditionFailed);
        }
        check_calendars(&calendars).map_err(DomainError::Invalid)?;
        let hours = BusinessHours {
            calendars,
            version: current.version + 1,
            updated_at: Some(now),
        };
        for p in &policies.policies {
            check_policy(p, &hours).map_err(|_| {
                DomainError::field(
                    "calendars",
                    "calendar_in_use",
                    format!("policy {:?} counts in a calendar this removes", p.name),
                )
            })?;
        }
        let event = ConfigurationChanged::new(ConfigObject::BusinessHours, ConfigChange::Updated)
            .event(tenant, principal.actor(), now);
        self.store
            .put_business_hours(tenant, &hours, current.version, &[event])
            .await?;
        Ok(hours)
    }

    pub async fn policies(&self, principal: &Principal) -> Result<SlaPolicies, DomainError> {
        principal.require(Permission::ReadSla)?;
        Ok(self.store.sla_config(principal.tenant_id()).await?.0)
    }

    pub async fn policy(
        &self,
        principal: &Principal,
        id: SlaPolicyId,
    ) -> Result<(SlaPolicy, u64), DomainError> {
        let all = self.policies(principal).await?;
        let found = all
            .policies
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or(DomainError::NotFound)?;
        Ok((found, all.version))
    }

    pub async fn create_policy(
        &self,
        principal: &Principal,
        input: PolicyInput,
        now: Timestamp,
    ) -> Result<(SlaPolicy, u64), DomainError> {
        principal.require(Permission::ManageSla)?;
        let tenant = principal.tenant_id();
        let (mut all, hours) = self.store.sla_config(tenant).await?;
        if all.policies.len() >= MAX_POLICIES {
            return Err(DomainError::field(
                "name",
                "too_many",
                format!("at most {MAX_POLICIES} policies"),
            ));
        }
        let policy = SlaPolicy {
            id: SlaPolicyId::new(),
            name: input.name.clone().unwrap_or_default(),
            conditions: input.conditions.clone().unwrap_or_default(),
            targets: input.targets.clone().unwrap_or_default(),
            warn_at: input.warn_at.unwrap_or(DEFAULT_WARN_AT),
            on_warning: input.on_warning.clone().unwrap_or_default(),
            on_breach: input.on_breach.clone().unwrap_or_default(),
            created_at: now,
            updated_at: now,
        };
        self.check(principal, &policy, &hours).await?;
        let at = input
            .position
            .unwrap_or(all.policies.len())
            .min(all.policies.len());
        all.policies.insert(at, policy.clone());
        let expected = all.version;
        all.version += 1;
        let event = ConfigurationChanged::new(ConfigObject::SlaPolicy, ConfigChange::Created)
            .of(policy.id, &policy.name)
            .event(tenant, principal.actor(), now);
        self.store
            .put_sla_policies(tenant, &all, expected, &[event])
            .await?;
        Ok((policy, all.version))
    }

    pub async fn update_policy(
        &self,
        principal: &Principal,
        id: SlaPolicyId,
        input: PolicyInput,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<(SlaPolicy, u64), DomainError> {
        principal.require(Permission::ManageSla)?;
        let tenant = principal.tenant_id();
        let (mut all, hours) = self.store.sla_config(tenant).await?;
        let at = all
            .policies
            .iter()
            .position(|p| p.id == id)
            .ok_or(DomainError::NotFound)?;
        if if_match.is_some_and(|v| v != all.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let mut policy = all.policies.remove(at);
        let touched = [
            ("name", input.name.is_some()),
            ("conditions", input.conditions.is_some()),
            ("targets", input.targets.is_some()),
            ("warnAt", input.warn_at.is_some()),
            ("onWarning", input.on_warning.is_some()),
            ("onBreach", input.on_breach.is_some()),
            ("position", input.position.is_some()),
        ];
        if let Some(n) = input.name {
            policy.name = n;
        }
        if let Some(c) = input.conditions {
            policy.conditions = c;
        }
        if let Some(t) = input.targets {
            policy.targets = t;
        }
        if let Some(w) = input.warn_at {
            policy.warn_at = w;
        }
        if let Some(a) = input.on_warning {
            policy.on_warning = a;
        }
        if let Some(a) = input.on_breach {
            policy.on_breach = a;
        }
        policy.updated_at = now;
        self.check(principal, &policy, &hours).await?;
        let to = input.position.unwrap_or(at).min(all.policies.len());
        all.policies.insert(to, policy.clone());
        let expected = all.version;
        all.version += 1;
        let event = ConfigurationChanged::new(ConfigObject::SlaPolicy, ConfigChange::Updated)
            .of(policy.id, &policy.name)
            .touching_given(&touched)
            .event(tenant, principal.actor(), now);
        self.store
            .put_sla_policies(tenant, &all, expected, &[event])
            .await?;
        Ok((policy, all.version))
    }

    pub async fn delete_policy(
        &self,
        principal: &Principal,
        id: SlaPolicyId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        principal.require(Permission::ManageSla)?;
        let tenant = principal.tenant_id();
        let (mut all, _) = self.store.sla_config(tenant).await?;
        let at = all
            .policies
            .iter()
            .position(|p| p.id == id)
            .ok_or(DomainError::NotFound)?;
        let gone = all.policies.remove(at);
        let expected = all.version;
        all.version += 1;
        let event = ConfigurationChanged::new(ConfigObject::SlaPolicy, ConfigChange::Deleted)
            .of(gone.id, &gone.name)
            .event(tenant, principal.actor(), now);
        Ok(self
            .store
            .put_sla_policies(tenant, &all, expected, &[event])
            .await?)
    }

    /// The policy's values, and that the teams, agents and tags its
    /// actions name exist and are well-formed.
    async fn check(
        &self,
        principal: &Principal,
        policy: &SlaPolicy,
        hours: &BusinessHours,
    ) -> Result<(), DomainError> {
        let mut errors = check_policy(policy, hours).err().unwrap_or_default();
        let tenant = principal.tenant_id();
        for tag in &policy.conditions.tags {
            if Tag::parse(tag.as_str()).ok().as_ref() != Some(tag) {
                errors.push(FieldError::new(
                    "conditions.tags",
                    "invalid_tag",
                    "tags are lower-case letters, digits and -_:.",
                ));
            }
        }
        for (list, actions) in [
            ("onWarning", &policy.on_warning),
            ("onBreach", &policy.on_breach),
        ] {
            for (i, action) in actions.iter().enumerate() {
                let field = format!("{list}.{i}");
                match action {
                    Action::AssignTeam { team_id } => {
                        if self.store.team(tenant, *team_id).await?.is_none() {
                            errors.push(FieldError::new(field, "unknown_team", "no such team"));
                        }
                    }
                    Action::AssignAgent { user_id } | Action::Notify { user_id } => {
                        let staff = self
                            .store
                            .user(tenant, *user_id)
                            .await?
                            .is_some_and(|u| u.role.is_staff() && u.is_active());
                        if !staff {
                            errors.push(FieldError::new(
                                field,
                                "invalid_assignee",
                                "must be an active agent of this helpdesk",
                            ));
                        }
                    }
                    Action::AddTag { tag } => {
                        if Tag::parse(tag.as_str()).ok().as_ref() != Some(tag) {
                            errors.push(FieldError::new(
                                field,
                                "invalid_tag",
                                "tags are lower-case letters, digits and -_:.",
                            ));
                        }
                    }
                    Action::RaisePriority => {}
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}
