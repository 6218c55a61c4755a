//! The audit log: entries written with the events they record and alone,
//! read back per tenant, newest first, by time range and filters; and the
//! satisfaction ratings and survey refusals kept with tickets and people.

use serde_json::json;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::accounts::user::User;
use switchboard_domain::audit::ports::{AuditFilter, AuditLog};
use switchboard_domain::automation::macros::Macro;
use switchboard_domain::automation::ports::MacroStore;
use switchboard_domain::email::ports::MailboxStore;
use switchboard_domain::kernel::audit::{AuditEntry, Target};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::events::{
    Actor, ConfigChange, ConfigObject, ConfigurationChanged, EventType,
};
use switchboard_domain::kernel::ids::{TenantId, UserId, WebhookId};
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::kernel::ports::{AuditTrail, EventLog};
use switchboard_domain::sla::ports::SlaConfigStore;
use switchboard_domain::tickets::ports::{TicketStore, TicketWrite, TicketWriteMode};
use switchboard_domain::tickets::ticket::{Satisfaction, Score, Status, Ticket};
use switchboard_domain::webhooks::ports::WebhookStore;

use super::support::*;

/// Audited events leave an entry each in the same write (others none);
/// entries read newest first, and every filter narrows them in full pages.
pub async fn audit_entries_are_written_with_their_changes<S, O>(store: &S, _: &O)
where
    S: EventLog + AuditTrail + AuditLog,
{
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let (admin, webhook) = (UserId::new(), WebhookId::new());
    let t0 = now();
    let created = ConfigurationChanged::new(ConfigObject::Webhook, ConfigChange::Created)
        .of(webhook, "CRM")
        .event(tenant, Actor::user(admin), t0);
    let mut suspended = event(tenant);
    suspended.occurred_at = t0 + secs(1);
    let mut not_audited = event(tenant);
    not_audited.kind = EventType::TicketUpdated;
    store
        .append_events(&[created, suspended, not_audited, event(other)])
        .await
        .expect("events");
    let failed = AuditEntry::new(
        tenant,
        t0 + secs(2),
        Actor::user(admin),
        "user.login_failed",
        Some(Target::new("user", admin)),
        Some(json!({"email": "ada@example.com"})),
    );
    store
        .record_audit(std::slice::from_ref(&failed))
        .await
        .expect("an entry");

    let read = |filter: AuditFilter| async move {
        all_pages(2, |page| {
            let filter = filter.clone();
            async move { store.audit_entries(tenant, &filter, &page).await }
        })
        .await
    };
    let all = read(AuditFilter::default()).await;
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["user.login_failed", "tenant.suspended", "webhook.created"]
    );
    assert_eq!(all[0], failed, "read back as written");
    assert_eq!(all[2].target, Some(Target::new("webhook", webhook)));
    assert_eq!(
        all[2].data.as_ref().map(|d| d["name"].clone()),
        Some(json!("CRM"))
    );

    let only = |filter: AuditFilter| async move {
        read(filter)
            .await
            .into_iter()
            .map(|e| e.action)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        only(AuditFilter {
            action: Some("webhook.*".into()),
            ..AuditFilter::default()
        })
        .await,
        ["webhook.created"]
    );
    assert_eq!(
        only(AuditFilter {
            action: Some("tenant.suspended".into()),
            ..AuditFilter::default()
        })
        .await,
        ["tenant.suspended"]
    );
    assert_eq!(
        only(AuditFilter {
            actor: Some(admin.to_string()),
            ..AuditFilter::default()
        })
        .await,
        ["user.login_failed", "webhook.created"]
    );
    assert_eq!(
        only(AuditFilter {
            target: Some(webhook.to_string()),
            ..AuditFilter::default()
        })
        .await,
        ["webhook.created"]
    );
    assert_eq!(
        only(AuditFilter {
            from: Some(t0 + secs(1)),
            ..AuditFilter::default()
        })
        .await,
        ["user.login_failed", "tenant.suspended"]
    );
    assert_eq!(
        only(AuditFilter {
            to: Some(t0 + secs(1)),
            ..AuditFilter::default()
        })
        .await,
        ["webhook.created"]
    );

    let theirs = store
        .audit_entries(
            other,
            &AuditFilter::default(),
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .expect("the other tenant's");
    assert_eq!(theirs.items.len(), 1);
    assert!(theirs.items.iter().all(|e| e.tenant_id == other));
}

/// A change of configuration is written with its event, all or nothing:
/// a stale or conflicting write leaves neither the event nor its entry
/// (webhooks, macros — an update in a transaction —, SLA policies,
/// mailboxes).
pub async fn configuration_changes_are_written_with_their_events<S, O>(store: &S, outbox: &O)
where
    S: WebhookStore + MacroStore + SlaConfigStore + MailboxStore + AuditLog,
    O: Outbox,
{
    let tenant = TenantId::new();
    let change = |object, change| {
        ConfigurationChanged::new(object, change).event(tenant, Actor::operator(), now())
    };
    let written = |event: DomainEvent| async move { outbox.holds(tenant, event.id).await };

    let hook = super::webhooks::endpoint(tenant);
    let created = change(ConfigObject::Webhook, ConfigChange::Created);
    store
        .put_endpoint(&hook, None, std::slice::from_ref(&created))
        .await
        .expect("an endpoint");
    assert!(written(created).await);
    let stale = change(ConfigObject::Webhook, ConfigChange::Updated);
    assert_error(
        store
            .put_endpoint(&hook, None, std::slice::from_ref(&stale))
            .await,
        &StoreError::VersionMismatch,
    );
    assert!(!written(stale).await);
    let deleted = change(ConfigObject::Webhook, ConfigChange::Deleted);
    assert_error(
        store
            .delete_endpoint(tenant, WebhookId::new(), std::slice::from_ref(&deleted))
            .await,
        &StoreError::NotFound,
    );
    assert!(!written(deleted.clone()).await);
    store
        .delete_endpoint(tenant, hook.id, std::slice::from_ref(&deleted))
        .await
        .expect("deleted");
    assert!(written(deleted).await);

    let first = super::automation::a_macro(tenant, "Close");
    let made = change(ConfigObject::Macro, ConfigChange::Created);
    store
        .put_macro(&first, 0, std::slice::from_ref(&made))
        .await
        .expect("a macro");
    assert!(written(made).await);
    let second = Macro {
        title: "Close now".into(),
        version: 2,
        ..first.clone()
    };
    let updated = change(ConfigObject::Macro, ConfigChange::Updated);
    store
        .put_macro(&second, 1, std::slice::from_ref(&updated))
        .await
        .expect("at its version");
    assert!(written(updated).await);
    let late = change(ConfigObject::Macro, ConfigChange::Updated);
    assert_error(
        store
            .put_macro(&second, 1, std::slice::from_ref(&late))
            .await,
        &StoreError::VersionMismatch,
    );
    assert!(!written(late).await);
    assert_eq!(
        store
            .macro_by_id(tenant, first.id)
            .await
            .expect("read")
            .map(|m| m.title),
        Some("Close now".to_owned())
    );

    let policies = super::sla::policies(1);
    let set = change(ConfigObject::SlaPolicy, ConfigChange::Created);
    store
        .put_sla_policies(tenant, &policies, 0, std::slice::from_ref(&set))
        .await
        .expect("policies");
    assert!(written(set).await);
    let raced = change(ConfigObject::SlaPolicy, ConfigChange::Created);
    assert_error(
        store
            .put_sla_policies(tenant, &policies, 0, std::slice::from_ref(&raced))
            .await,
        &StoreError::VersionMismatch,
    );
    assert!(!written(raced).await);

    let address = format!("{}@support.example", unique("audit-"));
    let inbox = change(ConfigObject::Mailbox, ConfigChange::Created);
    store
        .put_mailbox(
            &super::email::mailbox(tenant, &address),
            None,
            None,
            std::slice::from_ref(&inbox),
        )
        .await
        .expect("a mailbox");
    assert!(written(inbox).await);
    let taken = change(ConfigObject::Mailbox, ConfigChange::Created);
    assert_error(
        store
            .put_mailbox(
                &super::email::mailbox(tenant, &address),
                None,
                None,
                std::slice::from_ref(&taken),
            )
            .await,
        &StoreError::Conflict(Conflict::AddressTaken),
    );
    assert!(!written(taken).await);

    let log = store
        .audit_entries(
            tenant,
            &AuditFilter::default(),
            &PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await
        .expect("the log");
    let mut actions: Vec<String> = log.items.into_iter().map(|e| e.action).collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            "macro.created",
            "macro.updated",
            "mailbox.created",
            "sla_policy.created",
            "webhook.created",
            "webhook.deleted"
        ],
        "one entry per change written, none for those refused"
    );
}

/// A ticket's rating and a person's refusal of surveys are kept as written
/// (the rating's comment included) and can be taken back.
pub async fn ratings_and_survey_refusals_are_kept<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
{
    let (tenant, requester, t) = super::tickets::with_ticket(store).await;
    let rating = Satisfaction {
        score: Score::Bad,
        comment: Some("Too slow".into()),
        rated_at: now(),
    };
    let rated = Ticket {
        status: Status::Solved,
        satisfaction: Some(rating.clone()),
        version: t.version + 1,
        ..t.clone()
    };
    store
        .write_ticket(TicketWrite {
            before: Some(&t),
            ..super::tickets::write(&rated, TicketWriteMode::Replace(t.version))
        })
        .await
        .expect("rated");
    let read = store
        .ticket(tenant, t.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(read.satisfaction, Some(rating));

    let declined = User {
        surveys_declined: true,
        version: requester.version + 1,
        ..requester.clone()
    };
    store
        .update_user(&declined, requester.version, None, &[])
        .await
        .expect("declined");
    let read = store
        .user(tenant, requester.id)
        .await
        .expect("read")
        .expect("there");
    assert!(read.surveys_declined);
    let again = User {
        surveys_declined: false,
        version: declined.version + 1,
        ..declined.clone()
    };
    store
        .update_user(&again, declined.version, None, &[])
        .await
        .expect("asked again");
    let read = store
        .user(tenant, requester.id)
        .await
        .expect("read")
        .expect("there");
    assert!(!read.surveys_declined);
}
