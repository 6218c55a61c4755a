//! Mailboxes, the message log, bounces and mail claims.

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::StoreError;
use switchboard_domain::email::Mailbox;
use switchboard_domain::email::message_record::MessageRecord;
use switchboard_domain::email::ports::{Bounces, MailClaims, MailboxStore, MessageLog};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::ids::{EventId, MailboxId, TenantId};

use super::support::*;

pub(super) fn mailbox(tenant: TenantId, address: &str) -> Mailbox {
    Mailbox {
        id: MailboxId::new(),
        tenant_id: tenant,
        address: address.to_owned(),
        from_name: "Acme Support".into(),
        default_team_id: None,
        default_priority: None,
        verified: false,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

/// An inbound address belongs to one mailbox of any tenant
/// (`Conflict(AddressTaken)`, nothing written), found whatever its case;
/// changing it moves the marker (the old one free again); a stale write is
/// `VersionMismatch`; deleting frees the address (`NotFound` after).
pub async fn mailbox_addresses_are_unique_across_tenants<S: MailboxStore, O: Outbox>(
    store: &S,
    _: &O,
) {
    let (a, b) = (TenantId::new(), TenantId::new());
    let address = format!("{}@mail.example", unique("help-"));
    let first = mailbox(a, &address);
    store
        .put_mailbox(&first, None, None, &[])
        .await
        .expect("a mailbox");
    assert_eq!(
        store
            .mailbox_by_address(&address.to_uppercase())
            .await
            .expect("read"),
        Some(first.clone())
    );
    let rival = mailbox(b, &address);
    assert_error(
        store.put_mailbox(&rival, None, None, &[]).await,
        &StoreError::Conflict(Conflict::AddressTaken),
    );
    assert_eq!(store.mailbox(b, rival.id).await.expect("read"), None);
    assert_error(
        store.put_mailbox(&first, None, None, &[]).await,
        &StoreError::VersionMismatch,
    );

    let mut renamed = first.clone();
    renamed.from_name = "Acme Help".into();
    renamed.version = 2;
    store
        .put_mailbox(&renamed, Some(1), None, &[])
        .await
        .expect("a replacement keeping the address");
    let new_address = format!("{}@mail.example", unique("desk-"));
    let mut moved = renamed.clone();
    moved.address = new_address.clone();
    moved.version = 3;
    assert_error(
        store
            .put_mailbox(&moved, Some(1), Some(&address), &[])
            .await,
        &StoreError::VersionMismatch,
    );
    assert_error(
        store
            .put_mailbox(&moved, Some(2), Some("never@mail.example"), &[])
            .await,
        &StoreError::VersionMismatch,
    );
    store
        .put_mailbox(&moved, Some(2), Some(&address), &[])
        .await
        .expect("a move");
    assert_eq!(
        store.mailbox_by_address(&address).await.expect("read"),
        None
    );
    assert_eq!(
        store.mailbox_by_address(&new_address).await.expect("read"),
        Some(moved.clone())
    );
    store
        .put_mailbox(&rival, None, None, &[])
        .await
        .expect("the freed address");
    let mut mine = vec![
        moved.clone(),
        mailbox(a, &format!("{}@mail.example", unique("x-"))),
    ];
    store
        .put_mailbox(&mine[1], None, None, &[])
        .await
        .expect("a mailbox");
    mine.sort_by_key(|m| m.id);
    assert_eq!(store.mailboxes(a).await.expect("list"), mine);

    store.delete_mailbox(&moved, &[]).await.expect("a deletion");
    assert_eq!(store.mailbox(a, moved.id).await.expect("read"), None);
    assert_eq!(
        store.mailbox_by_address(&new_address).await.expect("read"),
        None
    );
    assert_error(
        store.delete_mailbox(&moved, &[]).await,
        &StoreError::NotFound,
    );
}

fn record(message_id: &str, decision: &str, received_at: Timestamp) -> MessageRecord {
    MessageRecord {
        message_id: message_id.to_owned(),
        from: Some("someone@customer.example".into()),
        subject: "Help".into(),
        decision: decision.to_owned(),
        reason: "test".into(),
        ticket_id: None,
        comment_id: None,
        raw: format!("raw/{message_id}"),
        received_at,
    }
}

/// Received mail is found by Message-ID (with or without angle brackets)
/// and listed per decision newest first in full pages; an alias is found
/// but not listed; recording again moves a message to its new decision.
pub async fn messages_are_listed_by_decision_newest_first<S: MessageLog, O: Outbox>(
    store: &S,
    _: &O,
) {
    let tenant = TenantId::new();
    let t0 = now();
    let mut quarantined = Vec::new();
    for i in [3, 0, 4, 1, 2] {
        let id = format!("{}@customer.example", unique("m"));
        let r = record(&id, "quarantined", t0 + secs(i));
        store
            .record_message(tenant, &id, &r)
            .await
            .expect("a record");
        quarantined.push(r);
    }
    let auto = record(&format!("{}@x.example", unique("a")), "auto_reply", t0);
    store
        .record_message(tenant, &auto.message_id, &auto)
        .await
        .expect("a record");
    quarantined.sort_by_key(|r| std::cmp::Reverse(r.received_at));
    let list = async |decision: &'static str| {
        all_pages(
            2,
            |p| async move { store.messages(tenant, decision, &p).await },
        )
        .await
    };
    assert_eq!(list("quarantined").await, quarantined);
    assert_eq!(list("auto_reply").await, vec![auto.clone()]);
    assert!(list("created").await.is_empty());
    let bracketed = format!("<{}>", quarantined[0].message_id);
    assert_eq!(
        store.message(tenant, &bracketed).await.expect("read"),
        Some(quarantined[0].clone())
    );
    assert_eq!(
        store
            .message(TenantId::new(), &quarantined[0].message_id)
            .await
            .expect("read"),
        None
    );

    let alias = format!("{}@ses.example", unique("sent"));
    store
        .alias_message(tenant, &alias, &auto)
        .await
        .expect("an alias");
    assert_eq!(
        store.message(tenant, &alias).await.expect("read"),
        Some(auto.clone())
    );
    assert_eq!(
        list("auto_reply").await,
        vec![auto.clone()],
        "not listed twice"
    );

    let mut released = quarantined[0].clone();
    released.decision = "created".into();
    store
        .record_message(tenant, &released.message_id, &released)
        .await
        .expect("a new decision");
    assert_eq!(list("quarantined").await, quarantined[1..].to_vec());
    assert_eq!(list("created").await, vec![released]);
    let cursor =
        first_cursor(|p| async move { store.messages(tenant, "quarantined", &p).await }).await;
    assert_invalid_cursor(store.messages(tenant, "auto_reply", &after(&cursor)).await);
}

/// Newest first holds within a second too: mail received at a whole
/// second and half a second later lists the later one first.
pub async fn messages_order_within_a_second<S: MessageLog, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    let t0 = now();
    let mut records = Vec::new();
    for offset in [0, 500, 550, 50] {
        let id = format!("{}@customer.example", unique("s"));
        let r = record(&id, "quarantined", t0 + SignedDuration::from_millis(offset));
        store
            .record_message(tenant, &id, &r)
            .await
            .expect("a record");
        records.push(r);
    }
    records.sort_by_key(|r| std::cmp::Reverse(r.received_at));
    let listed = all_pages(10, |p| async move {
        store.messages(tenant, "quarantined", &p).await
    })
    .await;
    assert_eq!(
        listed.iter().map(|r| r.received_at).collect::<Vec<_>>(),
        records.iter().map(|r| r.received_at).collect::<Vec<_>>()
    );
}

/// A bouncing address is remembered per tenant, whatever its case.
pub async fn bounces_are_remembered<S: Bounces, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    let address = format!("{}@Customer.Example", unique("Bob."));
    assert!(!store.is_bouncing(tenant, &address).await.expect("read"));
    store
        .mark_bouncing(tenant, &address, now())
        .await
        .expect("a bounce");
    store
        .mark_bouncing(tenant, &address, now() + secs(60))
        .await
        .expect("another bounce");
    assert!(
        store
            .is_bouncing(tenant, &address.to_lowercase())
            .await
            .expect("read")
    );
    assert!(
        !store
            .is_bouncing(TenantId::new(), &address)
            .await
            .expect("read")
    );
}

/// A mail of an event is claimed once (`false` while claimed); a release
/// (of a claim or of nothing) makes it claimable again.
pub async fn mails_are_claimed_once<S: MailClaims, O: Outbox>(store: &S, _: &O) {
    let (tenant, event) = (TenantId::new(), EventId::new());
    let at = now();
    assert!(
        store
            .claim_mail(tenant, event, "reply:usr_1", at)
            .await
            .expect("a claim")
    );
    assert!(
        !store
            .claim_mail(tenant, event, "reply:usr_1", at)
            .await
            .expect("again")
    );
    assert!(
        store
            .claim_mail(tenant, event, "reply:usr_2", at)
            .await
            .expect("another")
    );
    assert!(
        store
            .claim_mail(tenant, EventId::new(), "reply:usr_1", at)
            .await
            .expect("another event's")
    );
    store
        .release_mail(tenant, event, "reply:usr_1")
        .await
        .expect("a release");
    store
        .release_mail(tenant, event, "never-claimed")
        .await
        .expect("releasing nothing");
    assert!(
        store
            .claim_mail(tenant, event, "reply:usr_1", at)
            .await
            .expect("reclaimed")
    );
}
