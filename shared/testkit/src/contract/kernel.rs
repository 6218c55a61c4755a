//! The outbox, idempotency records, health and the router's step marks.

use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::email::Mailbox;
use switchboard_domain::email::ports::MailboxStore;
use switchboard_domain::kernel::idempotency::{IdempotencyKey, IdempotencyRecord};
use switchboard_domain::kernel::ids::MailboxId;
use switchboard_domain::kernel::ids::{EventId, TenantId};
use switchboard_domain::kernel::ports::{EventLog, Health, IdempotencyStore};
use switchboard_domain::notifications::ports::PreferenceStore;
use switchboard_domain::routing::ports::StepLog;
use switchboard_domain::tickets::ports::{TicketStore, TicketWrite, TicketWriteMode};

use super::support::*;
use super::tickets::write;

/// Events are appended all together or not at all: one already in the
/// outbox fails the whole append (`ConditionFailed`); none is no write.
pub async fn events_are_appended_once<S: EventLog, O: Outbox>(store: &S, outbox: &O) {
    let tenant = TenantId::new();
    let (a, b, c) = (event(tenant), event(tenant), event(tenant));
    store
        .append_events(&[a.clone(), b.clone()])
        .await
        .expect("an append");
    assert!(outbox.holds(tenant, a.id).await && outbox.holds(tenant, b.id).await);
    assert_error(
        store.append_events(&[c.clone(), a.clone()]).await,
        &StoreError::ConditionFailed,
    );
    assert!(!outbox.holds(tenant, c.id).await);
    store.append_events(&[]).await.expect("nothing to append");
    assert!(!outbox.holds(tenant, EventId::new()).await);
}

/// An idempotency record is read back by tenant and scope, as written
/// with its ticket, for a day: an older one reads as none.
pub async fn idempotency_records_are_kept_a_day<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore + IdempotencyStore,
    O: Outbox,
{
    let (tenant, owner) = signed_up(store).await;
    let record = |created_at| IdempotencyRecord {
        key: IdempotencyKey::new(
            &owner.id.to_string(),
            "POST /v1/tickets",
            &unique("k"),
            b"{}",
        ),
        resource_id: unique("tkt_"),
        created_at,
    };
    let fresh = record(now() - secs(3600));
    let t = ticket(tenant.id, owner.id, 1, now());
    store
        .write_ticket(TicketWrite {
            idempotency: Some(&fresh),
            capacity: None,
            ..write(&t, TicketWriteMode::Create)
        })
        .await
        .expect("a ticket with its key");
    assert_eq!(
        store
            .idempotency_record(tenant.id, &fresh.key.scope)
            .await
            .expect("read"),
        Some(fresh.clone())
    );
    assert_eq!(
        store
            .idempotency_record(TenantId::new(), &fresh.key.scope)
            .await
            .expect("read"),
        None,
        "another tenant's"
    );
    assert_eq!(
        store
            .idempotency_record(tenant.id, &unique("scope"))
            .await
            .expect("read"),
        None
    );
    let old = record(now() - secs(25 * 3600));
    let t2 = ticket(tenant.id, owner.id, 2, now());
    store
        .write_ticket(TicketWrite {
            idempotency: Some(&old),
            capacity: None,
            ..write(&t2, TicketWriteMode::Create)
        })
        .await
        .expect("a ticket with an old key");
    assert_eq!(
        store
            .idempotency_record(tenant.id, &old.key.scope)
            .await
            .expect("read"),
        None,
        "a record older than a day is gone"
    );
}

/// A key is remembered for a day only: after that, a new request with it
/// is written (with a new record), not refused as a replay of one whose
/// record can no longer be read.
pub async fn expired_idempotency_keys_can_be_used_again<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore + IdempotencyStore,
    O: Outbox,
{
    let (tenant, owner) = signed_up(store).await;
    let key = IdempotencyKey::new(
        &owner.id.to_string(),
        "POST /v1/tickets",
        &unique("k"),
        b"{}",
    );
    let old = IdempotencyRecord {
        key: key.clone(),
        resource_id: unique("tkt_"),
        created_at: now() - secs(25 * 3600),
    };
    let first = ticket(tenant.id, owner.id, 1, now());
    store
        .write_ticket(TicketWrite {
            idempotency: Some(&old),
            capacity: None,
            ..write(&first, TicketWriteMode::Create)
        })
        .await
        .expect("a ticket with a key");
    let fresh = IdempotencyRecord {
        key,
        resource_id: unique("tkt_"),
        created_at: now(),
    };
    let second = ticket(tenant.id, owner.id, 2, now());
    store
        .write_ticket(TicketWrite {
            idempotency: Some(&fresh),
            capacity: None,
            ..write(&second, TicketWriteMode::Create)
        })
        .await
        .expect("the key, a day later");
    assert_eq!(
        store
            .idempotency_record(tenant.id, &fresh.key.scope)
            .await
            .expect("read"),
        Some(fresh)
    );
}

/// Storage answers.
pub async fn health_answers<S: Health, O: Outbox>(store: &S, _: &O) {
    store.ping().await.expect("a ping");
}

/// The router finishes a step of an event once (`false` the second time);
/// the steps done read back in name order, per event.
pub async fn steps_are_completed_once<S: StepLog, O: Outbox>(store: &S, _: &O) {
    let (tenant, event, other) = (TenantId::new(), EventId::new(), EventId::new());
    assert!(
        store
            .complete_step(tenant, event, "webhooks")
            .await
            .expect("a step")
    );
    assert!(
        store
            .complete_step(tenant, event, "notify")
            .await
            .expect("a step")
    );
    assert!(
        !store
            .complete_step(tenant, event, "webhooks")
            .await
            .expect("again")
    );
    assert_eq!(
        store.steps_completed(tenant, event).await.expect("read"),
        vec!["notify".to_owned(), "webhooks".to_owned()]
    );
    assert!(
        store
            .steps_completed(tenant, other)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        store
            .steps_completed(TenantId::new(), event)
            .await
            .expect("read")
            .is_empty()
    );
}

/// A transaction or batch read that names one item twice is refused whole
/// (DynamoDB's validation error, `Internal`): a batch of users or
/// preferences with an id twice, a user "moving" to the email they have,
/// a mailbox "moving" to its own address.
pub async fn one_item_twice_is_refused<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + PreferenceStore + MailboxStore,
    O: Outbox,
{
    let (tenant, owner) = signed_up(store).await;
    assert_error(
        store.users(tenant.id, &[owner.id, owner.id]).await,
        &StoreError::Internal(String::new()),
    );
    assert_error(
        store.preferences(tenant.id, &[owner.id, owner.id]).await,
        &StoreError::Internal(String::new()),
    );
    let mut same = owner.clone();
    same.version += 1;
    assert_error(
        store
            .update_user(&same, owner.version, Some(&owner.email), &[])
            .await,
        &StoreError::Internal(String::new()),
    );
    assert_eq!(
        store.user(tenant.id, owner.id).await.expect("read"),
        Some(owner)
    );
    let address = format!("{}@mail.example", unique("twice-"));
    let mailbox = Mailbox {
        id: MailboxId::new(),
        tenant_id: tenant.id,
        address: address.clone(),
        from_name: "Twice".into(),
        default_team_id: None,
        default_priority: None,
        verified: true,
        created_at: now(),
        updated_at: now(),
        version: 1,
    };
    store
        .put_mailbox(&mailbox, None, None, &[])
        .await
        .expect("a mailbox");
    let mut again = mailbox.clone();
    again.version = 2;
    assert_error(
        store
            .put_mailbox(&again, Some(1), Some(&address.to_uppercase()), &[])
            .await,
        &StoreError::Internal(String::new()),
    );
    assert_eq!(
        store.mailbox(tenant.id, mailbox.id).await.expect("read"),
        Some(mailbox)
    );
}
