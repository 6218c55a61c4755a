//! The audit trail: who did what to which object, when and from where.
//!
//! Entries are written in the same transaction as the change they record:
//! the one function of each store that writes events adds an entry for
//! every audited event ([`AuditEntry::for_event`]), so no path that changes
//! an account, a setting or a rule can forget its entry. Sign-ins, which
//! change nothing else, record theirs directly. Where a request came from
//! is not the domain's business: the HTTP layer scopes an [`Origin`]
//! around each request and the stores stamp it on the entries.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kernel::events::{Actor, DomainEvent, EventType};
use crate::kernel::ids::TenantId;

/// How long entries are kept unless the tenant says otherwise.
pub const DEFAULT_RETENTION_DAYS: u16 = 365;

/// Event data larger than this is left out of the entry (the event itself
/// went downstream whole).
const MAX_DATA_BYTES: usize = 2048;

tokio::task_local! {
    static ORIGIN: RefCell<Origin>;
}

/// Where the request being served came from, and how long its tenant keeps
/// audit entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// Set once the caller's tenant is known.
    pub retention_days: Option<u16>,
}

impl Origin {
    /// Runs `f` with `self` as the origin of whatever it audits.
    pub fn scope<F: Future>(self, f: F) -> impl Future<Output = F::Output> {
        ORIGIN.scope(RefCell::new(self), f)
    }

    /// The origin of the request being served on this task (none in
    /// workers, which act for no client).
    pub fn current() -> Origin {
        ORIGIN.try_with(|o| o.borrow().clone()).unwrap_or_default()
    }

    /// Records how long the caller's tenant keeps entries.
    pub fn set_retention(days: u16) {
        let _ = ORIGIN.try_with(|o| o.borrow_mut().retention_days = Some(days));
    }
}

/// What an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Target {
    pub fn new(kind: &str, id: impl ToString) -> Self {
        Self {
            kind: kind.to_owned(),
            id: Some(id.to_string()),
        }
    }
}

/// One line of the audit trail. Never changed or deleted by any route;
/// storage removes it when `expires_at` passes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: String,
    pub tenant_id: TenantId,
    pub at: Timestamp,
    pub actor: Actor,
    /// `user.updated`, `webhook.secret_rotated`, `user.login_failed`…
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// What changed, when small (the event's data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub expires_at: Timestamp,
}

impl AuditEntry {
    /// An entry stamped with the current request's origin.
    pub fn new(
        tenant_id: TenantId,
        at: Timestamp,
        actor: Actor,
        action: &str,
        target: Option<Target>,
        data: Option<Value>,
    ) -> Self {
        let origin = Origin::current();
        let days = origin.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS);
        let expires_at = expiry(at, days);
        let id = entry_id(at);
        Self {
            id,
            tenant_id,
            at,
            actor,
            action: action.to_owned(),
            target,
            data: data.filter(small),
            ip: origin.ip,
            user_agent: origin.user_agent,
            request_id: origin.request_id,
            expires_at,
        }
    }

    /// Kept `days` from when it was made, whatever the request's scope says.
    pub fn kept_for(mut self, days: u16) -> Self {
        self.expires_at = expiry(self.at, days);
        self
    }

    /// The entry an event leaves in the trail, if its type is audited.
    pub fn for_event(event: &DomainEvent) -> Option<Self> {
        let action = audited_action(event)?;
        let target = target_of(event);
        let data = impersonal(event);
        Some(Self::new(
            event.tenant_id,
            event.occurred_at,
            event.actor.clone(),
            &action,
            target,
            data,
        ))
    }
}

/// A ULID of the entry's time, so that the log's sort key orders by time.
/// Its random part starts with a counter of this process, so entries one
/// process makes in the same millisecond keep the order they were made in.
fn entry_id(at: Timestamp) -> String {
    static MADE: AtomicU64 = AtomicU64::new(0);
    let ms = u64::try_from(at.as_millisecond()).unwrap_or(0);
    let count = u128::from(MADE.fetch_add(1, Ordering::Relaxed) & 0xFF_FFFF_FFFF);
    let random = u128::from(rand::random::<u64>() & 0xFF_FFFF_FFFF);
    ulid::Ulid::from_parts(ms, (count << 40) | random).to_string()
}

/// The event's data, without what names a person in events about people
/// (their name or address): entries name people by id, so erasing a person
/// leaves the log nothing to redact. `None` when nothing is left.
fn impersonal(event: &DomainEvent) -> Option<Value> {
    let mut data = event.data.clone();
    if let Some(fields) = data.as_object_mut() {
        if event.kind.as_str().starts_with("user.") {
            fields.retain(|key, _| !matches!(key.as_str(), "name" | "email"));
        }
        if fields.is_empty() {
            return None;
        }
    }
    Some(data)
}

fn expiry(at: Timestamp, days: u16) -> Timestamp {
    at.checked_add(SignedDuration::from_hours(24 * i64::from(days)))
        .unwrap_or(at)
}

fn small(data: &Value) -> bool {
    serde_json::to_vec(data).is_ok_and(|b| b.len() <= MAX_DATA_BYTES)
}

/// The action an event records, or `None` when its type is not audited
/// (tickets keep their own history; availability is not administration).
fn audited_action(event: &DomainEvent) -> Option<String> {
    use EventType::*;
    match event.kind {
        TenantCreated
        | TenantUpdated
        | TenantSuspended
        | TenantReactivated
        | UserCreated
        | UserUpdated
        | UserDeactivated
        | UserExportRequested
        | UserErased
        | ApiKeyCreated
        | ApiKeyRevoked
        | TeamCreated
        | TeamUpdated
        | TeamDeleted
        | OrganizationCreated
        | OrganizationUpdated
        | OrganizationDeleted
        | ArticlePublished
        | ArticleArchived
        | TeamAssignmentChanged => Some(event.kind.as_str().to_owned()),
        PasswordResetRequested => Some("user.password_reset_requested".into()),
        SessionEnded => Some("user.logged_out".into()),
        ConfigurationChanged => {
            let c = event.payload::<crate::kernel::events::ConfigurationChanged>()?;
            Some(format!("{}.{}", c.object.as_str(), c.change.as_str()))
        }
        _ => None,
    }
}

fn target_of(event: &DomainEvent) -> Option<Target> {
    let s = &event.subject;
    if let Some(c) = event.payload::<crate::kernel::events::ConfigurationChanged>() {
        return Some(Target {
            kind: c.object.as_str().to_owned(),
            id: c.id,
        });
    }
    if let Some(id) = s.user_id {
        return Some(Target::new("user", id));
    }
    if let Some(id) = s.team_id {
        return Some(Target::new("team", id));
    }
    if let Some(id) = s.organization_id {
        return Some(Target::new("organization", id));
    }
    if let Some(id) = s.article_id {
        return Some(Target::new("article", id));
    }
    if let Some(id) = event.data.get("apiKeyId").and_then(Value::as_str) {
        return Some(Target::new("api_key", id));
    }
    event
        .kind
        .as_str()
        .starts_with("tenant.")
        .then(|| Target::new("tenant", event.tenant_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::events::{ConfigChange, ConfigObject, ConfigurationChanged, Subject};

    fn changed(object: ConfigObject, change: ConfigChange) -> DomainEvent {
        DomainEvent::new(
            EventType::ConfigurationChanged,
            TenantId::new(),
            Timestamp::UNIX_EPOCH,
            Actor::operator(),
            Subject::default(),
            &ConfigurationChanged {
                object,
                change,
                id: Some("wh_1".into()),
                name: Some("CRM".into()),
                changed: vec![],
            },
        )
    }

    #[tokio::test]
    async fn an_entry_carries_the_origin_of_the_request_it_was_made_in() {
        let origin = Origin {
            ip: Some("203.0.113.9".into()),
            user_agent: Some("curl/8".into()),
            request_id: Some("req-1".into()),
            retention_days: None,
        };
        let entry = origin
            .scope(async {
                Origin::set_retention(30);
                AuditEntry::for_event(&changed(ConfigObject::Webhook, ConfigChange::SecretRotated))
            })
            .await
            .unwrap();
        assert_eq!(entry.action, "webhook.secret_rotated");
        assert_eq!(entry.target, Some(Target::new("webhook", "wh_1")));
        assert_eq!(entry.ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(entry.request_id.as_deref(), Some("req-1"));
        assert_eq!(
            entry.expires_at.as_second() - entry.at.as_second(),
            30 * 86_400
        );
    }

    #[test]
    fn workers_audit_without_an_origin_and_keep_entries_a_year() {
        let entry =
            AuditEntry::for_event(&changed(ConfigObject::Trigger, ConfigChange::Updated)).unwrap();
        assert_eq!(entry.ip, None);
        assert_eq!(
            entry.expires_at.as_second() - entry.at.as_second(),
            365 * 86_400
        );
    }

    #[test]
    fn entries_about_people_name_them_by_id_only() {
        let user = crate::kernel::ids::UserId::new();
        let mut e = DomainEvent::new(
            EventType::TenantSuspended,
            TenantId::new(),
            Timestamp::UNIX_EPOCH,
            Actor::operator(),
            Subject {
                user_id: Some(user),
                ..Subject::default()
            },
            &crate::kernel::events::NoData {},
        );
        e.kind = EventType::UserCreated;
        e.data = serde_json::json!({"role": "agent", "name": "Ana Lopez", "invited": true});
        let entry = AuditEntry::for_event(&e).unwrap();
        assert_eq!(entry.target, Some(Target::new("user", user)));
        let data = entry.data.unwrap();
        assert_eq!(data["role"], "agent");
        assert!(data.get("name").is_none());
    }

    #[test]
    fn entries_of_one_millisecond_keep_their_order() {
        let at = Timestamp::UNIX_EPOCH;
        let ids: Vec<String> = (0..100).map(|_| entry_id(at)).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn ticket_traffic_is_not_audited() {
        let e = DomainEvent::new(
            EventType::TenantSuspended,
            TenantId::new(),
            Timestamp::UNIX_EPOCH,
            Actor::operator(),
            Subject::default(),
            &crate::kernel::events::NoData {},
        );
        assert_eq!(
            AuditEntry::for_event(&e).unwrap().action,
            "tenant.suspended"
        );
        let mut ticket = e.clone();
        ticket.kind = EventType::TicketCreated;
        assert!(AuditEntry::for_event(&ticket).is_none());
    }
}
