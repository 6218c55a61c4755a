//! The macros API's use cases: agents keep personal macros and use those
//! shared with them; admins share macros with a team or everyone. Applying
//! one changes the ticket and writes its comment in one transaction (or,
//! as a preview, shows the result and writes nothing).

use crate::kernel::events::{ConfigChange, ConfigObject, ConfigurationChanged};
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::accounts::permissions::{Action as Permission, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::automation::action::{Action, Effects, changes_between, patch_between};
use crate::automation::macros::{
    MAX_MACROS, Macro, MacroComment, Visibility, check_macro, context, render,
};
use crate::automation::ports::MacroStore;
use crate::kernel::error::Conflict;
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::kernel::ids::{MacroId, TeamId, TicketId};
use crate::kernel::ports::IdempotencyStore;
use crate::kernel::validation::FieldError;
use crate::kernel::validation::parse_id;
use crate::tickets::changes::{BulkOutcome, ExtraComment, Extras, check_bulk_ids};
use crate::tickets::ports::{FieldSchemaStore, TicketStore};
use crate::tickets::service::Ticketing;
use crate::tickets::service::{WRITE_ATTEMPTS, backoff};
use crate::tickets::ticket::{Cause, Change, RuleRef, Ticket};

/// A new macro, or (every field optional) a change to one.
#[derive(Debug, Clone, Default)]
pub struct MacroInput {
    pub title: Option<String>,
    pub visibility: Option<Visibility>,
    pub team_id: Option<TeamId>,
    pub actions: Option<Vec<Action>>,
    /// `Some(None)` removes the comment.
    pub comment: Option<Option<MacroComment>>,
}

/// What applying a macro did (or, previewed, would do).
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub ticket: Ticket,
    pub changes: Vec<Change>,
    pub comment: Option<MacroComment>,
}

pub struct Macros<S> {
    store: S,
    tickets: Ticketing<S>,
}

impl<S> Macros<S>
where
    S: MacroStore
        + TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore
        + Clone,
{
    pub fn new(store: S) -> Self {
        Self {
            tickets: Ticketing::new(store.clone()),
            store,
        }
    }

    /// The macros the caller may use, by title.
    pub async fn list(&self, principal: &Principal) -> Result<Vec<Macro>, DomainError> {
        principal.require(Permission::UseMacros)?;
        let all = self.store.macros(principal.tenant_id()).await?;
        let teams = self.teams_of(principal).await?;
        let mut mine: Vec<Macro> = all
            .into_iter()
            .filter(|m| may_use(principal, &teams, m))
            .collect();
        mine.sort_by_key(|m| m.title.to_lowercase());
        Ok(mine)
    }

    pub async fn get(&self, principal: &Principal, id: MacroId) -> Result<Macro, DomainError> {
        principal.require(Permission::UseMacros)?;
        let found = self
            .store
            .macro_by_id(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let teams = self.teams_of(principal).await?;
        if may_use(principal, &teams, &found) {
            Ok(found)
        } else {
            Err(DomainError::NotFound)
        }
    }

    pub async fn create(
        &self,
        principal: &Principal,
        input: MacroInput,
        now: Timestamp,
    ) -> Result<Macro, DomainError> {
        principal.require(Permission::UseMacros)?;
        let tenant = principal.tenant_id();
        if self.store.macros(tenant).await?.len() >= MAX_MACROS {
            return Err(DomainError::field(
                "title",
                "too_many",
                format!("at most {MAX_MACROS} macros"),
            ));
        }
        let visibility = input.visibility.unwrap_or(Visibility::Personal);
        let m = Macro {
            id: MacroId::new(),
            tenant_id: tenant,
            title: input.title.unwrap_or_default().trim().to_owned(),
            visibility,
            owner_id: (visibility == Visibility::Personal)
                .then(|| principal.user_id())
                .flatten(),
            team_id: input.team_id.filter(|_| visibility == Visibility::Team),
            actions: input.actions.unwrap_or_default(),
            comment: input.comment.flatten(),
            usage: 0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.check(principal, &m).await?;
        let event = ConfigurationChanged::new(ConfigObject::Macro, ConfigChange::Created)
            .of(m.id, &m.title)
            .event(tenant, principal.actor(), now);
        self.store.put_macro(&m, 0, &[event]).await?;
        Ok(m)
    }

    pub async fn update(
        &self,
        principal: &Principal,
        id: MacroId,
        input: MacroInput,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<Macro, DomainError> {
        let mut m = self.get(principal, id).await?;
        self.may_write(principal, &m)?;
        if if_match.is_some_and(|v| v != m.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let expected = m.version;
        let touched = [
            ("title", input.title.is_some()),
            ("visibility", input.visibility.is_some()),
            ("teamId", input.team_id.is_some()),
            ("actions", input.actions.is_some()),
            ("comment", input.comment.is_some()),
        ];
        if let Some(t) = input.title {
            m.title = t.trim().to_owned();
        }
        if let Some(v) = input.visibility {
            m.visibility = v;
            m.owner_id = (v == Visibility::Personal)
                .then(|| m.owner_id.or(principal.user_id()))
                .flatten();
        }
        if input.team_id.is_some() || m.visibility != Visibility::Team {
            m.team_id = input.team_id.filter(|_| m.visibility == Visibility::Team);
        }
        if let Some(a) = input.actions {
            m.actions = a;
        }
        if let Some(c) = input.comment {
            m.comment = c;
        }
        m.updated_at = now;
        m.version += 1;
        self.check(principal, &m).await?;
        let event = ConfigurationChanged::new(ConfigObject::Macro, ConfigChange::Updated)
            .of(m.id, &m.title)
            .touching_given(&touched)
            .event(m.tenant_id, principal.actor(), now);
        self.store.put_macro(&m, expected, &[event]).await?;
        Ok(m)
    }

    pub async fn delete(
        &self,
        principal: &Principal,
        id: MacroId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let m = self.get(principal, id).await?;
        self.may_write(principal, &m)?;
        let event = ConfigurationChanged::new(ConfigObject::Macro, ConfigChange::Deleted)
            .of(m.id, &m.title)
            .event(m.tenant_id, principal.actor(), now);
        Ok(self.store.delete_macro(m.tenant_id, m.id, &[event]).await?)
    }

    /// Applies a macro to a ticket still at `if_match`: its actions and its
    /// comment (rendered for this ticket and agent) in one change, as the
    /// caller. A preview writes nothing.
    pub async fn apply(
        &self,
        principal: &Principal,
        ids: (TicketId, MacroId),
        if_match: Option<u64>,
        preview: bool,
        now: Timestamp,
    ) -> Result<Applied, DomainError> {
        self.apply_once(principal, ids, (if_match, preview, None), now)
            .await
    }

    /// `once`: the mark that makes this application happen at most once.
    async fn apply_once(
        &self,
        principal: &Principal,
        (ticket_id, macro_id): (TicketId, MacroId),
        (if_match, preview, once): (Option<u64>, bool, Option<IdempotencyRecord>),
        now: Timestamp,
    ) -> Result<Applied, DomainError> {
        let ticket = self.tickets.visible(principal, ticket_id).await?;
        let m = self.get(principal, macro_id).await?;
        principal.require(Permission::UpdateTicket)?;
        if let Some(c) = &m.comment {
            principal.require(if c.public {
                Permission::ReplyPublicly
            } else {
                Permission::WriteInternalNote
            })?;
        }
        if if_match.is_some_and(|v| v != ticket.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let rule = RuleRef {
            id: m.id.to_string(),
            title: m.title.clone(),
        };
        let mut draft = ticket.clone();
        let mut effects = Effects::default();
        for action in &m.actions {
            action.apply(&rule, &mut draft, &mut effects, now);
        }
        if let Some(skipped) = effects.skipped.first() {
            return Err(DomainError::field("actions", "invalid_transition", skipped));
        }
        let tenant = principal.tenant_id();
        let schema = self.store.field_schema(tenant).await?;
        let comment = match &m.comment {
            Some(c) => {
                let requester = self.store.user(tenant, ticket.requester_id).await?;
                let values = context(&draft, requester.as_ref(), principal.user());
                let body =
                    render(&c.body, &values, &schema).map_err(|e| DomainError::Invalid(vec![e]))?;
                Some(MacroComment {
                    body,
                    public: c.public,
                })
            }
            None => None,
        };
        let changes = changes_between(&ticket, &draft);
        if preview {
            return Ok(Applied {
                ticket: draft,
                changes,
                comment,
            });
        }
        let extras = Extras {
            cause: Some(Cause::Macro { applied: rule }),
            comment: comment.as_ref().map(|c| ExtraComment {
                body: c.body.clone(),
                public: c.public,
            }),
            once,
            ..Extras::default()
        };
        let patch = patch_between(&ticket, &draft);
        let written = self
            .tickets
            .apply_rules(principal, ticket, patch, &extras, now)
            .await?;
        if let Err(e) = self.store.count_macro_use(tenant, m.id).await {
            tracing::warn!(error = %e, "a macro's use was not counted");
        }
        Ok(Applied {
            ticket: written,
            changes,
            comment,
        })
    }

    /// Applies a macro to each ticket of `ids` as [`Macros::apply`] does,
    /// at the version each has (a ticket someone changes meanwhile is read
    /// again): one outcome per id, and one use counted per ticket.
    /// `key` (the request's `Idempotency-Key`) makes a retry safe: each
    /// ticket it was applied to under that key is reported as it stands,
    /// and nothing is written twice.
    pub async fn apply_to_many(
        &self,
        principal: &Principal,
        (macro_id, key): (MacroId, &str),
        ids: Vec<String>,
        now: Timestamp,
    ) -> Result<Vec<BulkOutcome>, DomainError> {
        principal.require(Permission::BulkUpdateTickets)?;
        check_bulk_ids(&ids)?;
        // A macro the caller cannot use fails the request, not each ticket.
        self.get(principal, macro_id).await.map_err(|e| match e {
            DomainError::NotFound => {
                DomainError::field("macroId", "unknown_macro", "no such macro")
            }
            e => e,
        })?;
        let mut outcomes = Vec::with_capacity(ids.len());
        for raw in ids {
            let result = match parse_id::<TicketId>(&raw) {
                Err(_) => Err(DomainError::NotFound),
                Ok(id) => {
                    self.apply_current(principal, (id, macro_id), key, now)
                        .await
                }
            };
            outcomes.push(BulkOutcome { id: raw, result });
        }
        Ok(outcomes)
    }

    async fn apply_current(
        &self,
        principal: &Principal,
        ids: (TicketId, MacroId),
        key: &str,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let once = IdempotencyRecord {
            key: IdempotencyKey::new(
                &principal.caller_id(),
                "macro.bulk",
                &format!("{key}:{}:{}", ids.0, ids.1),
                b"",
            ),
            resource_id: ids.0.to_string(),
            created_at: now,
        };
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                backoff().await;
            }
            let attempt = (None, false, Some(once.clone()));
            match self.apply_once(principal, ids, attempt, now).await {
                Err(
                    DomainError::PreconditionFailed | DomainError::Conflict(Conflict::Concurrent),
                ) => {}
                // Applied under this key before: the ticket as it stands.
                Err(DomainError::Store(StoreError::IdempotencyKeyTaken)) => {
                    return self.tickets.visible(principal, ids.0).await;
                }
                result => return result.map(|a| a.ticket),
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    /// The teams the caller is in (admins: every team they may see).
    async fn teams_of(&self, principal: &Principal) -> Result<BTreeSet<TeamId>, DomainError> {
        let Some(user) = principal.user_id() else {
            return Ok(BTreeSet::new());
        };
        Ok(self
            .store
            .list_teams(principal.tenant_id())
            .await?
            .into_iter()
            .filter(|t| t.members.contains(&user))
            .map(|t| t.id)
            .collect())
    }

    /// Personal macros are their owner's to change; shared ones the admins'.
    fn may_write(&self, principal: &Principal, m: &Macro) -> Result<(), DomainError> {
        match m.visibility {
            Visibility::Personal if m.owner_id.is_some() && m.owner_id == principal.user_id() => {
                Ok(())
            }
            Visibility::Personal => Err(DomainError::NotFound),
            Visibility::Team | Visibility::Everyone => {
                principal.require(Permission::ManageAutomation)
            }
        }
    }

    async fn check(&self, principal: &Principal, m: &Macro) -> Result<(), DomainError> {
        let tenant = principal.tenant_id();
        let schema = self.store.field_schema(tenant).await?;
        let mut errors = check_macro(m, &schema);
        match m.visibility {
            Visibility::Personal if m.owner_id.is_none() => errors.push(FieldError::new(
                "visibility",
                "invalid_value",
                "an API key keeps no personal macros: share it with a team or everyone",
            )),
            Visibility::Personal => {}
            Visibility::Team | Visibility::Everyone => {
                principal.require(Permission::ManageAutomation)?;
            }
        }
        if m.visibility == Visibility::Team {
            match m.team_id {
                None => errors.push(FieldError::new("teamId", "required", "name the team")),
                Some(team) if self.store.team(tenant, team).await?.is_none() => {
                    errors.push(FieldError::new("teamId", "unknown_team", "no such team"));
                }
                Some(_) => {}
            }
        }
        let mut named: BTreeMap<usize, bool> = BTreeMap::new();
        for (i, a) in m.actions.iter().enumerate() {
            match a {
                Action::AssignTeam { team_id: Some(t) } => {
                    named.insert(i, self.store.team(tenant, *t).await?.is_some());
                }
                Action::AssignAgent { user_id: Some(u) } | Action::Follow { user_id: u } => {
                    let staff = self
                        .store
                        .user(tenant, *u)
                        .await?
                        .is_some_and(|u| u.role.is_staff() && u.is_active());
                    named.insert(i, staff);
                }
                _ => {}
            }
        }
        for (i, exists) in named {
            if !exists {
                errors.push(FieldError::new(
                    format!("actions.{i}"),
                    "unknown_reference",
                    "no such team or active agent",
                ));
            }
        }
        DomainError::unless_any(errors)
    }
}

fn may_use(principal: &Principal, teams: &BTreeSet<TeamId>, m: &Macro) -> bool {
    match m.visibility {
        Visibility::Everyone => true,
        Visibility::Team => {
            principal.role().is_admin() || m.team_id.is_some_and(|t| teams.contains(&t))
        }
        Visibility::Personal => m.owner_id.is_some() && m.owner_id == principal.user_id(),
    }
}
