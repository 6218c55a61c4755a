//! The mailboxes API's use cases (admins).

use crate::accounts::ports::TeamStore;
use crate::email::ports::MessageLog;
use crate::email::ports::{DomainIdentities, MailboxStore};
use crate::kernel::events::{ConfigChange, ConfigObject, ConfigurationChanged};
use jiff::Timestamp;

use crate::accounts::permissions::{Action, Principal};
use crate::email::mailbox::{Mailbox, check_owner, parse_address, parse_from_name};
use crate::email::message_record::MessageRecord;
use crate::kernel::error::DomainError;
use crate::kernel::ids::{MailboxId, TeamId, TenantId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::kernel::validation::{FieldError, Invalid, Validator, parse_id};
use crate::tickets::ticket::Priority;

#[derive(Debug, Clone, Default)]
pub struct MailboxInput {
    pub address: Option<String>,
    pub from_name: Option<String>,
    /// `Some(None)` clears it.
    pub default_team_id: Option<Option<String>>,
    pub default_priority: Option<Option<String>>,
}

/// The decisions the intake records.
pub const DECISIONS: &[&str] = &[
    "created",
    "threaded",
    "auto_reply",
    "bounce",
    "quarantined",
    "held",
    "refused",
    "dropped",
    "sent",
];

pub struct Mailboxes<S, I> {
    store: S,
    identities: I,
    /// The shared domain Switchboard sends from, whose addresses are
    /// handed out by slug (see [`check_owner`]).
    mail_domain: String,
}

impl<S: MailboxStore + MessageLog + TeamStore, I: DomainIdentities> Mailboxes<S, I> {
    pub fn new(store: S, identities: I, mail_domain: &str) -> Self {
        Self {
            store,
            identities,
            mail_domain: mail_domain.to_ascii_lowercase(),
        }
    }

    /// Whether `address` may receive and send now: the shared mail domain
    /// is ours; another domain must be verified (asking starts it).
    async fn domain_verified(&self, address: &str) -> Result<bool, DomainError> {
        match address.rsplit_once('@') {
            Some((_, domain)) if domain == self.mail_domain => Ok(true),
            Some((_, domain)) => Ok(self.identities.verify_domain(domain).await?),
            None => Ok(false),
        }
    }

    /// Asks SES again whether the mailbox's domain is verified, and records
    /// the answer.
    pub async fn check_domain(
        &self,
        principal: &Principal,
        id: MailboxId,
        now: Timestamp,
    ) -> Result<Mailbox, DomainError> {
        let mut mailbox = self.get(principal, id).await?;
        let verified = self.domain_verified(&mailbox.address).await?;
        if verified != mailbox.verified {
            let previous = mailbox.version;
            mailbox.verified = verified;
            mailbox.updated_at = now;
            mailbox.version += 1;
            let event = ConfigurationChanged::new(ConfigObject::Mailbox, ConfigChange::Updated)
                .of(mailbox.id, &mailbox.address)
                .touching(&["verified"])
                .event(mailbox.tenant_id, principal.actor(), now);
            self.store
                .put_mailbox(&mailbox, Some(previous), None, &[event])
                .await?;
        }
        Ok(mailbox)
    }

    /// `address` if the caller's helpdesk may have it.
    fn owned(&self, principal: &Principal, address: String) -> Result<String, Invalid> {
        check_owner(&address, principal.tenant.slug.as_str(), &self.mail_domain)?;
        Ok(address)
    }

    pub async fn list(&self, principal: &Principal) -> Result<Vec<Mailbox>, DomainError> {
        principal.require(Action::ManageMailboxes)?;
        Ok(self.store.mailboxes(principal.tenant_id()).await?)
    }

    pub async fn get(&self, principal: &Principal, id: MailboxId) -> Result<Mailbox, DomainError> {
        principal.require(Action::ManageMailboxes)?;
        self.store
            .mailbox(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn create(
        &self,
        principal: &Principal,
        input: MailboxInput,
        now: Timestamp,
    ) -> Result<Mailbox, DomainError> {
        principal.require(Action::ManageMailboxes)?;
        let mut v = Validator::new();
        let address = v.field(
            "address",
            input
                .address
                .ok_or_else(|| Invalid::new("required", "the inbound address"))
                .and_then(|a| parse_address(&a))
                .and_then(|a| self.owned(principal, a)),
        );
        let from_name = v.optional("fromName", input.from_name, |n| parse_from_name(&n));
        let (team, priority) = self
            .defaults(
                principal.tenant_id(),
                &input.default_team_id,
                &input.default_priority,
                &mut v,
            )
            .await?;
        v.finish()?;
        let address = address.unwrap_or_default();
        let verified = self.domain_verified(&address).await?;
        let mailbox = Mailbox {
            id: MailboxId::new(),
            tenant_id: principal.tenant_id(),
            address,
            from_name: from_name
                .flatten()
                .unwrap_or_else(|| principal.tenant.name.clone()),
            default_team_id: team.flatten(),
            default_priority: priority.flatten(),
            verified,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = ConfigurationChanged::new(ConfigObject::Mailbox, ConfigChange::Created)
            .of(mailbox.id, &mailbox.address)
            .event(mailbox.tenant_id, principal.actor(), now);
        self.store
            .put_mailbox(&mailbox, None, None, &[event])
            .await?;
        Ok(mailbox)
    }

    pub async fn update(
        &self,
        principal: &Principal,
        id: MailboxId,
        input: MailboxInput,
        expected_version: Option<u64>,
        now: Timestamp,
    ) -> Result<Mailbox, DomainError> {
        let mut mailbox = self.get(principal, id).await?;
        if expected_version.is_some_and(|v| v != mailbox.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let mut v = Validator::new();
        let address = v.optional("address", input.address, |a| {
            parse_address(&a).and_then(|a| self.owned(principal, a))
        });
        let from_name = v.optional("fromName", input.from_name, |n| parse_from_name(&n));
        let (team, priority) = self
            .defaults(
                principal.tenant_id(),
                &input.default_team_id,
                &input.default_priority,
                &mut v,
            )
            .await?;
        v.finish()?;
        let previous = mailbox.clone();
        if input.default_team_id.is_some() {
            mailbox.default_team_id = team.flatten();
        }
        if input.default_priority.is_some() {
            mailbox.default_priority = priority.flatten();
        }
        if let Some(Some(a)) = address
            && a != mailbox.address
        {
            mailbox.verified = self.domain_verified(&a).await?;
            mailbox.address = a;
        }
        if let Some(Some(n)) = from_name {
            mailbox.from_name = n;
        }
        mailbox.updated_at = now;
        mailbox.version += 1;
        let moved = (previous.address != mailbox.address).then_some(previous.address.as_str());
        let touched = [
            ("address", moved.is_some()),
            ("fromName", previous.from_name != mailbox.from_name),
            (
                "defaultTeamId",
                previous.default_team_id != mailbox.default_team_id,
            ),
            (
                "defaultPriority",
                previous.default_priority != mailbox.default_priority,
            ),
        ];
        let event = ConfigurationChanged::new(ConfigObject::Mailbox, ConfigChange::Updated)
            .of(mailbox.id, &mailbox.address)
            .touching_given(&touched)
            .event(mailbox.tenant_id, principal.actor(), now);
        self.store
            .put_mailbox(&mailbox, Some(previous.version), moved, &[event])
            .await?;
        Ok(mailbox)
    }

    /// The default team (which must exist) and priority given, if any.
    async fn defaults(
        &self,
        tenant: TenantId,
        team: &Option<Option<String>>,
        priority: &Option<Option<String>>,
        v: &mut Validator,
    ) -> Result<(Option<Option<TeamId>>, Option<Option<Priority>>), DomainError> {
        let team = match team {
            Some(Some(raw)) => match v.field("defaultTeamId", parse_id::<TeamId>(raw)) {
                Some(id) if self.store.team(tenant, id).await?.is_some() => Some(Some(id)),
                Some(_) => {
                    v.push(FieldError::new(
                        "defaultTeamId",
                        "unknown_team",
                        "no such team",
                    ));
                    None
                }
                None => None,
            },
            Some(None) => Some(None),
            None => None,
        };
        let priority = match priority {
            Some(Some(raw)) => v.field("defaultPriority", Priority::parse(raw)).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        Ok((team, priority))
    }

    /// Received mail by decision (`quarantined` for review, `auto_reply`,
    /// `bounce`, `created`, `threaded`, `dropped`).
    pub async fn messages(
        &self,
        principal: &Principal,
        decision: &str,
        page: &PageRequest,
    ) -> Result<Page<MessageRecord>, DomainError> {
        principal.require(Action::ManageMailboxes)?;
        if !DECISIONS.contains(&decision) {
            return Err(DomainError::field(
                "decision",
                "invalid_value",
                format!("one of {}", DECISIONS.join(", ")),
            ));
        }
        Ok(self
            .store
            .messages(principal.tenant_id(), decision, page)
            .await?)
    }

    pub async fn delete(
        &self,
        principal: &Principal,
        id: MailboxId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let mailbox = self.get(principal, id).await?;
        let event = ConfigurationChanged::new(ConfigObject::Mailbox, ConfigChange::Deleted)
            .of(mailbox.id, &mailbox.address)
            .event(mailbox.tenant_id, principal.actor(), now);
        Ok(self.store.delete_mailbox(&mailbox, &[event]).await?)
    }
}
