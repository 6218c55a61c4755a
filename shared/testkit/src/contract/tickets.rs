//! Ticket writes: numbers, all-or-nothing transactions, versions, touch,
//! conversations, custom-field schemas.

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::accounts::user::{Role, User};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::idempotency::{IdempotencyKey, IdempotencyRecord};
use switchboard_domain::kernel::ids::{CommentId, HistoryId, TenantId, TicketId};
use switchboard_domain::kernel::ports::IdempotencyStore;
use switchboard_domain::tickets::comment::{Comment, MailOrigin};
use switchboard_domain::tickets::fields::{FieldDef, FieldKind, FieldSchema};
use switchboard_domain::tickets::ports::{
    CommentWrite, FieldSchemaStore, TicketDimension, TicketFilters, TicketListQuery, TicketSort,
    TicketStore, TicketWrite, TicketWriteMode,
};
use switchboard_domain::tickets::ticket::{Change, HistoryEntry, Status, Ticket};

use super::support::*;

pub(super) fn comment(t: &Ticket, public: bool, at: Timestamp) -> Comment {
    Comment {
        id: CommentId::new(),
        tenant_id: t.tenant_id,
        ticket_id: t.id,
        author: Actor::user(t.requester_id),
        author_id: Some(t.requester_id),
        public,
        body: if public { "a reply" } else { "a note" }.into(),
        mentions: Default::default(),
        created_at: at,
        edited_at: None,
        deleted_at: None,
        revisions: Vec::new(),
        // Public replies came by mail: the origin survives the round trip.
        mail: public.then(|| MailOrigin::new(Some("m1@client.example"), "> quoted")),
        copied_from: None,
        version: 1,
    }
}

pub(super) fn history(t: &Ticket, at: Timestamp) -> HistoryEntry {
    HistoryEntry {
        id: HistoryId::new(),
        ticket_id: t.id,
        at,
        actor: Actor::user(t.requester_id),
        changes: vec![Change {
            field: "status".into(),
            before: serde_json::json!("new"),
            after: serde_json::json!("open"),
        }],
        caused_by: None,
    }
}

fn idempotency(at: Timestamp) -> IdempotencyRecord {
    IdempotencyRecord {
        key: IdempotencyKey::new("usr_x", "POST /v1/tickets", &unique("k"), b"{}"),
        resource_id: TicketId::new().to_string(),
        created_at: at,
    }
}

/// A bare write of `ticket` in `mode`.
pub(super) fn write(ticket: &Ticket, mode: TicketWriteMode) -> TicketWrite<'_> {
    TicketWrite {
        ticket,
        mode,
        before: None,
        comment: None,
        new_requester: None,
        history: None,
        events: &[],
        idempotency: None,
        capacity: None,
    }
}

/// A tenant, a requester, and a stored ticket of theirs.
pub(super) async fn with_ticket<S>(store: &S) -> (TenantId, User, Ticket)
where
    S: TenantStore + UserStore + TicketStore,
{
    let (tenant, _) = signed_up(store).await;
    let requester = user(tenant.id, Role::Customer, "Rita Requester");
    store
        .create_user(&requester, None, &[])
        .await
        .expect("a requester");
    let number = store.next_ticket_number(tenant.id).await.expect("a number");
    let t = ticket(tenant.id, requester.id, number, now());
    store
        .write_ticket(write(&t, TicketWriteMode::Create))
        .await
        .expect("a ticket");
    (tenant.id, requester, t)
}

/// Numbers count up from 1, per tenant.
pub async fn ticket_numbers_count_up<S: TicketStore, O: Outbox>(store: &S, _: &O) {
    let (a, b) = (TenantId::new(), TenantId::new());
    for expected in 1..=3 {
        assert_eq!(
            store.next_ticket_number(a).await.expect("a number"),
            expected
        );
    }
    assert_eq!(store.next_ticket_number(b).await.expect("a number"), 1);
}

/// A ticket write is one transaction: when any part fails (an existing
/// ticket or number, a stale version, a taken idempotency key or
/// requester email) nothing is written, not the comment, the history,
/// the requester, the events, nor the idempotency record.
pub async fn ticket_writes_are_all_or_nothing<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + UserStore + TicketStore + IdempotencyStore,
    O: Outbox,
{
    let (tenant, _) = signed_up(store).await;
    let requester = user(tenant.id, Role::Customer, "Rita Requester");
    store
        .create_user(&requester, None, &[])
        .await
        .expect("a user");
    let t0 = now();
    let t = ticket(tenant.id, requester.id, 1, t0);
    let (c, h, e, r) = (
        comment(&t, true, t0),
        history(&t, t0),
        event(tenant.id),
        idempotency(t0),
    );
    store
        .write_ticket(TicketWrite {
            comment: Some(CommentWrite::New(&c)),
            history: Some(&h),
            events: std::slice::from_ref(&e),
            idempotency: Some(&r),
            capacity: None,
            ..write(&t, TicketWriteMode::Create)
        })
        .await
        .expect("a creation");
    assert_eq!(
        store.ticket(tenant.id, t.id).await.expect("read"),
        Some(t.clone())
    );
    assert_eq!(
        store.ticket_id_by_number(tenant.id, 1).await.expect("read"),
        Some(t.id)
    );
    assert_eq!(
        store.comment(tenant.id, t.id, c.id).await.expect("read"),
        Some(c.clone())
    );
    assert_eq!(
        store.history(tenant.id, t.id).await.expect("read"),
        vec![h.clone()]
    );
    assert_eq!(
        store
            .idempotency_record(tenant.id, &r.key.scope)
            .await
            .expect("read"),
        Some(r.clone())
    );
    assert!(outbox.holds(tenant.id, e.id).await);

    // Each failure below carries a comment, history, an event and a key of
    // its own: none of them may be written.
    let refused = async |w: TicketWrite<'_>, expected: StoreError| {
        let t = w.ticket;
        let (c, h, e, r) = (
            comment(t, true, t0),
            history(t, t0),
            event(t.tenant_id),
            idempotency(t0),
        );
        let result = store
            .write_ticket(TicketWrite {
                comment: w.comment.or(Some(CommentWrite::New(&c))),
                history: Some(&h),
                events: std::slice::from_ref(&e),
                idempotency: w.idempotency.or(Some(&r)),
                capacity: None,
                ..w
            })
            .await;
        assert_error(result, &expected);
        assert_eq!(
            store.comment(t.tenant_id, t.id, c.id).await.expect("read"),
            None
        );
        assert!(
            !store
                .history(t.tenant_id, t.id)
                .await
                .expect("read")
                .contains(&h)
        );
        assert!(!outbox.holds(t.tenant_id, e.id).await);
        assert_eq!(
            store
                .idempotency_record(t.tenant_id, &r.key.scope)
                .await
                .expect("read"),
            None
        );
    };
    let mut again = t.clone();
    again.number = 2;
    refused(
        write(&again, TicketWriteMode::Create),
        StoreError::ConditionFailed,
    )
    .await;
    let same_number = ticket(tenant.id, requester.id, 1, t0);
    refused(
        write(&same_number, TicketWriteMode::Create),
        StoreError::ConditionFailed,
    )
    .await;
    assert_eq!(
        store.ticket(tenant.id, same_number.id).await.expect("read"),
        None
    );
    let mut stale = t.clone();
    stale.subject = "Stale".into();
    stale.version = 2;
    refused(
        write(&stale, TicketWriteMode::Replace(0)),
        StoreError::VersionMismatch,
    )
    .await;
    assert_eq!(
        store.ticket(tenant.id, t.id).await.expect("read"),
        Some(t.clone())
    );

    let keyed = ticket(tenant.id, requester.id, 3, t0);
    refused(
        TicketWrite {
            idempotency: Some(&r),
            capacity: None,
            ..write(&keyed, TicketWriteMode::Create)
        },
        StoreError::IdempotencyKeyTaken,
    )
    .await;
    assert_eq!(store.ticket(tenant.id, keyed.id).await.expect("read"), None);
    assert_eq!(
        store.ticket_id_by_number(tenant.id, 3).await.expect("read"),
        None,
        "the number is not taken either"
    );

    let mut newcomer = user(tenant.id, Role::Customer, "Nina Newcomer");
    newcomer.email = requester.email.clone();
    let by_mail = ticket(tenant.id, newcomer.id, 4, t0);
    refused(
        TicketWrite {
            new_requester: Some(&newcomer),
            ..write(&by_mail, TicketWriteMode::Create)
        },
        StoreError::Conflict(Conflict::EmailTaken),
    )
    .await;
    assert_eq!(
        store.user(tenant.id, newcomer.id).await.expect("read"),
        None
    );
    assert_eq!(
        store.ticket(tenant.id, by_mail.id).await.expect("read"),
        None
    );

    let existing = ticket(tenant.id, requester.id, 5, t0);
    let mut reused = comment(&existing, true, t0);
    reused.id = c.id;
    reused.ticket_id = t.id;
    refused(
        TicketWrite {
            comment: Some(CommentWrite::New(&reused)),
            ..write(&existing, TicketWriteMode::Create)
        },
        StoreError::ConditionFailed,
    )
    .await;
    assert_eq!(
        store.ticket(tenant.id, existing.id).await.expect("read"),
        None
    );

    // An event already in the outbox fails the write it comes with.
    let mut renamed = t.clone();
    renamed.subject = "Renamed".into();
    renamed.version = 2;
    let h2 = history(&t, t0);
    assert_error(
        store
            .write_ticket(TicketWrite {
                history: Some(&h2),
                events: std::slice::from_ref(&e),
                ..write(&renamed, TicketWriteMode::Replace(1))
            })
            .await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(
        store.ticket(tenant.id, t.id).await.expect("read"),
        Some(t.clone())
    );
    assert_eq!(
        store.history(tenant.id, t.id).await.expect("read"),
        vec![h.clone()]
    );

    // A new requester is created with their ticket.
    let fresh = user(tenant.id, Role::Customer, "Fred Fresh");
    let theirs = ticket(tenant.id, fresh.id, 6, t0);
    store
        .write_ticket(TicketWrite {
            new_requester: Some(&fresh),
            ..write(&theirs, TicketWriteMode::Create)
        })
        .await
        .expect("a ticket with a new requester");
    assert_eq!(
        store
            .user_by_email(tenant.id, &fresh.email)
            .await
            .expect("read"),
        Some(fresh)
    );
}

/// Replacing a ticket or comment, or saving a comment, needs the version
/// read (`VersionMismatch` otherwise, and for one that does not exist).
pub async fn ticket_writes_check_versions<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let (tenant, _, t) = with_ticket(store).await;
    let mut next = t.clone();
    next.status = Status::Pending;
    next.version = 2;
    let c = comment(&t, false, now());
    store
        .write_ticket(TicketWrite {
            comment: Some(CommentWrite::New(&c)),
            ..write(&next, TicketWriteMode::Replace(1))
        })
        .await
        .expect("a replacement at the read version");
    assert_eq!(
        store.ticket(tenant, t.id).await.expect("read"),
        Some(next.clone())
    );
    assert_error(
        store
            .write_ticket(write(&t, TicketWriteMode::Replace(1)))
            .await,
        &StoreError::VersionMismatch,
    );
    let ghost = ticket(tenant, t.requester_id, 99, now());
    assert_error(
        store
            .write_ticket(write(&ghost, TicketWriteMode::Replace(1)))
            .await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(store.ticket(tenant, ghost.id).await.expect("read"), None);

    // A comment replaced with its ticket: both versions are checked.
    let mut third = next.clone();
    third.version = 3;
    let mut edited = c.clone();
    edited.body = "edited".into();
    edited.version = 2;
    assert_error(
        store
            .write_ticket(TicketWrite {
                comment: Some(CommentWrite::Update(&edited, 7)),
                ..write(&third, TicketWriteMode::Replace(2))
            })
            .await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(
        store.ticket(tenant, t.id).await.expect("read"),
        Some(next.clone())
    );
    store
        .write_ticket(TicketWrite {
            comment: Some(CommentWrite::Update(&edited, 1)),
            ..write(&third, TicketWriteMode::Replace(2))
        })
        .await
        .expect("both at their versions");
    assert_eq!(
        store.comment(tenant, t.id, c.id).await.expect("read"),
        Some(edited.clone())
    );

    let mut redacted = edited.clone();
    redacted.deleted_at = Some(now());
    redacted.version = 3;
    let e = event(tenant);
    assert_error(
        store
            .save_comment(&redacted, 1, std::slice::from_ref(&e))
            .await,
        &StoreError::VersionMismatch,
    );
    assert!(!outbox.holds(tenant, e.id).await);
    store
        .save_comment(&redacted, 2, std::slice::from_ref(&e))
        .await
        .expect("a save at the read version");
    assert!(outbox.holds(tenant, e.id).await);
    assert_eq!(
        store.comment(tenant, t.id, c.id).await.expect("read"),
        Some(redacted)
    );
    let absent = comment(&t, true, now());
    assert_error(
        store.save_comment(&absent, 1, &[]).await,
        &StoreError::VersionMismatch,
    );
}

/// `Touch` moves only the update time and counts the version up (the
/// public ones too when `public`), if the ticket is still in the status the
/// writer saw; it fails with `VersionMismatch` otherwise, and for a deleted
/// or absent ticket. A requester's list follows the public clock only.
pub async fn touching_a_ticket_moves_only_its_update_time<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let (tenant, requester, t) = with_ticket(store).await;
    let number = store.next_ticket_number(tenant).await.expect("a number");
    let newer = ticket(tenant, requester.id, number, t.created_at + secs(10));
    store
        .write_ticket(write(&newer, TicketWriteMode::Create))
        .await
        .expect("a newer ticket");
    let by_update = &TicketListQuery {
        dimension: TicketDimension::Requester(requester.id),
        copied: None,
        filters: TicketFilters::default(),
        sort: TicketSort::UpdatedAt,
        descending: true,
    };
    let order = async || {
        all_pages(10, |p| async move {
            store.list_tickets(tenant, by_update, &p).await
        })
        .await
        .into_iter()
        .map(|t| t.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(order().await, vec![newer.id, t.id]);

    let by_any_update = &TicketListQuery {
        dimension: TicketDimension::All,
        ..by_update.clone()
    };
    let staff_order = async || {
        all_pages(10, |p| async move {
            store.list_tickets(tenant, by_any_update, &p).await
        })
        .await
        .into_iter()
        .filter(|x| x.requester_id == requester.id)
        .map(|t| t.id)
        .collect::<Vec<_>>()
    };

    // An internal note: the staff's clock and lists only.
    let mut noted = t.clone();
    noted.updated_at = t.updated_at + secs(30);
    noted.public_updated_at = noted.updated_at;
    let internal = comment(&t, false, noted.updated_at);
    store
        .write_ticket(TicketWrite {
            comment: Some(CommentWrite::New(&internal)),
            ..write(
                &noted,
                TicketWriteMode::Touch {
                    status: Status::Open,
                    public: false,
                },
            )
        })
        .await
        .expect("an internal touch");
    let mut expected = t.clone();
    expected.updated_at = noted.updated_at;
    expected.version = t.version + 1;
    assert_eq!(
        store.ticket(tenant, t.id).await.expect("read"),
        Some(expected.clone())
    );
    assert_eq!(
        staff_order().await,
        vec![t.id, newer.id],
        "staff lists move"
    );
    assert_eq!(
        order().await,
        vec![newer.id, t.id],
        "the requester's do not"
    );

    let mut touched = t.clone();
    touched.subject = "Not written by a touch".into();
    touched.updated_at = t.updated_at + secs(60);
    touched.public_updated_at = touched.updated_at;
    touched.version = 42;
    touched.public_version = t.public_version + 1;
    let note = comment(&t, true, touched.updated_at);
    store
        .write_ticket(TicketWrite {
            comment: Some(CommentWrite::New(&note)),
            ..write(
                &touched,
                TicketWriteMode::Touch {
                    status: Status::Open,
                    public: true,
                },
            )
        })
        .await
        .expect("a touch");
    let stored = store
        .ticket(tenant, t.id)
        .await
        .expect("read")
        .expect("the ticket");
    expected.updated_at = touched.updated_at;
    expected.version = t.version + 2;
    expected.public_updated_at = touched.updated_at;
    expected.public_version = t.public_version + 1;
    assert_eq!(stored, expected);
    assert!(
        store
            .comment(tenant, t.id, note.id)
            .await
            .expect("read")
            .is_some()
    );
    assert_eq!(order().await, vec![t.id, newer.id], "moved up the list");

    assert_error(
        store
            .write_ticket(write(
                &touched,
                TicketWriteMode::Touch {
                    status: Status::Pending,
                    public: true,
                },
            ))
            .await,
        &StoreError::VersionMismatch,
    );
    let ghost = ticket(tenant, requester.id, 77, now());
    assert_error(
        store
            .write_ticket(write(
                &ghost,
                TicketWriteMode::Touch {
                    status: Status::Open,
                    public: true,
                },
            ))
            .await,
        &StoreError::VersionMismatch,
    );
    let mut deleted = stored.clone();
    deleted.deleted_at = Some(now());
    deleted.version += 1;
    store
        .write_ticket(write(&deleted, TicketWriteMode::Replace(stored.version)))
        .await
        .expect("a deletion");
    assert_error(
        store
            .write_ticket(write(
                &deleted,
                TicketWriteMode::Touch {
                    status: Status::Open,
                    public: true,
                },
            ))
            .await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(
        order().await,
        vec![newer.id],
        "a deleted ticket leaves its lists"
    );
}

/// A tenant's schema is empty at version 0 until written; the first
/// write is accepted whatever version it expected, later ones only at the
/// stored version.
pub async fn field_schemas_are_versioned<S: FieldSchemaStore, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    assert_eq!(
        store.field_schema(tenant).await.expect("read"),
        FieldSchema::default()
    );
    let schema = |version| FieldSchema {
        fields: vec![FieldDef {
            key: "plan".into(),
            label: "Plan".into(),
            kind: FieldKind::Dropdown,
            options: vec!["free".into(), "pro".into()],
            required: false,
            customer_visible: true,
        }],
        version,
    };
    store
        .put_field_schema(tenant, &schema(1), 7, &[])
        .await
        .expect("the first schema");
    assert_eq!(store.field_schema(tenant).await.expect("read"), schema(1));
    assert_error(
        store.put_field_schema(tenant, &schema(2), 0, &[]).await,
        &StoreError::VersionMismatch,
    );
    store
        .put_field_schema(tenant, &schema(2), 1, &[])
        .await
        .expect("at the stored version");
    assert_eq!(store.field_schema(tenant).await.expect("read"), schema(2));
}

/// Tickets are read together, in the order asked, past a hundred at a
/// time; absent ones and another tenant's are left out.
pub async fn tickets_are_read_together_in_order<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let (tenant, requester, first) = with_ticket(store).await;
    let number = store.next_ticket_number(tenant).await.expect("a number");
    let second = ticket(tenant, requester.id, number, now());
    store
        .write_ticket(write(&second, TicketWriteMode::Create))
        .await
        .expect("a ticket");
    let (_, _, theirs) = with_ticket(store).await;
    let mut ids: Vec<TicketId> = (0..120).map(|_| TicketId::new()).collect();
    ids.insert(7, second.id);
    ids.push(theirs.id);
    ids.push(first.id);
    assert_eq!(
        store.tickets(tenant, &ids).await.expect("read"),
        vec![second, first]
    );
    assert!(store.tickets(tenant, &[]).await.expect("read").is_empty());
}
