//! Jobs, and what an erasure removes or rewrites on its own.

use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::email::message_record::MessageRecord;
use switchboard_domain::email::ports::{Bounces, MessageLog};
use switchboard_domain::jobs::job::{Job, JobStatus, Progress, Work};
use switchboard_domain::jobs::ports::JobStore;
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::ids::{JobId, OrganizationId, TenantId, UserId};
use switchboard_domain::privacy::ports::ErasureStore;
use switchboard_domain::tickets::ports::{TicketStore, TicketWrite, TicketWriteMode};

use super::support::*;
use super::tickets::{history, with_ticket, write};

fn erasure(tenant: TenantId) -> Job {
    Job::new(
        JobId::new(),
        tenant,
        Work::PersonErasure {
            user_id: UserId::new(),
            address: Some(email("ana")),
            organization_id: Some(OrganizationId::new()),
        },
        Actor::user(UserId::new()),
        now(),
    )
}

/// A job is created once with its events (a second creation writes
/// nothing), read back whole by its tenant only, and saved only at the
/// version it was read at.
pub async fn jobs_are_created_once_and_saved_at_their_version<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + JobStore,
    O: Outbox,
{
    let (tenant, _) = signed_up(store).await;
    let job = erasure(tenant.id);
    let announced = event(tenant.id);
    store
        .create_job(&job, std::slice::from_ref(&announced))
        .await
        .expect("a job");
    assert!(outbox.holds(tenant.id, announced.id).await);
    let again = event(tenant.id);
    assert_error(
        store.create_job(&job, std::slice::from_ref(&again)).await,
        &StoreError::ConditionFailed,
    );
    assert!(!outbox.holds(tenant.id, again.id).await);
    assert_eq!(
        store.job(tenant.id, job.id).await.expect("read"),
        Some(job.clone())
    );
    assert_eq!(
        store.job(TenantId::new(), job.id).await.expect("read"),
        None
    );

    let mut running = job.clone();
    assert!(running.start(now()));
    running.advance(Progress {
        done: 3,
        total: Some(7),
    });
    running.checkpoint = Some("{\"cursor\":\"abc\"}".into());
    store
        .save_job(&running, job.version)
        .await
        .expect("saved at its version");
    assert_eq!(
        store.job(tenant.id, job.id).await.expect("read"),
        Some(running.clone()),
        "read back with its progress and checkpoint"
    );
    assert_error(
        store.save_job(&running, job.version).await,
        &StoreError::VersionMismatch,
    );
    let mut done = running.clone();
    done.finish(Some("exports/file.json".into()), now());
    store.save_job(&done, running.version).await.expect("saved");
    let read = store
        .job(tenant.id, job.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(read, done);
    assert_eq!(read.status, JobStatus::Done);
    assert!(matches!(
        read.work,
        Work::PersonErasure { address: None, .. }
    ));
}

fn record(message_id: &str, raw: &str) -> MessageRecord {
    MessageRecord {
        message_id: message_id.to_owned(),
        from: Some("ana@customer.example".into()),
        subject: "Help".into(),
        decision: "created".into(),
        reason: "test".into(),
        ticket_id: None,
        comment_id: None,
        raw: raw.to_owned(),
        received_at: now(),
    }
}

/// An erasure forgets a message record (listed, or an alias) and a
/// bounce, whether or not they are there, and rewrites a history entry in
/// place.
pub async fn erasures_forget_mail_and_rewrite_history<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore + MessageLog + Bounces + ErasureStore,
    O: Outbox,
{
    let tenant = TenantId::new();
    let id = format!("{}@customer.example", unique("m"));
    let alias = format!("{}@amazonses.com", unique("ses"));
    store
        .record_message(tenant, &id, &record(&id, "raw/1"))
        .await
        .expect("recorded");
    store
        .alias_message(tenant, &alias, &record(&id, "raw/1"))
        .await
        .expect("aliased");
    store.forget_message(tenant, &id).await.expect("forgotten");
    store
        .forget_message(tenant, &alias)
        .await
        .expect("forgotten");
    store
        .forget_message(tenant, &id)
        .await
        .expect("nothing to forget");
    assert_eq!(store.message(tenant, &id).await.expect("read"), None);
    assert_eq!(store.message(tenant, &alias).await.expect("read"), None);
    let listed = store
        .messages(
            tenant,
            "created",
            &switchboard_domain::kernel::pagination::PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .expect("list");
    assert!(listed.items.is_empty());

    store
        .mark_bouncing(tenant, "Ana@Customer.example", now())
        .await
        .expect("bounced");
    store
        .forget_bounce(tenant, "ana@customer.example")
        .await
        .expect("forgotten");
    store
        .forget_bounce(tenant, "ana@customer.example")
        .await
        .expect("nothing to forget");
    assert!(
        !store
            .is_bouncing(tenant, "ana@customer.example")
            .await
            .expect("read")
    );

    let (tenant, _, ticket) = with_ticket(store).await;
    let mut entry = history(&ticket, now());
    let mut after = ticket.clone();
    after.record_change(&ticket, now(), false);
    store
        .write_ticket(TicketWrite {
            history: Some(&entry),
            before: Some(&ticket),
            ..write(&after, TicketWriteMode::Replace(ticket.version))
        })
        .await
        .expect("a change with its history");
    entry.changes[0].after = serde_json::json!("[erased]");
    store
        .replace_history(tenant, &entry)
        .await
        .expect("rewritten");
    assert_eq!(
        store.history(tenant, ticket.id).await.expect("read"),
        vec![entry]
    );
}
