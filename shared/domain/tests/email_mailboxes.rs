//! Mailboxes, the inbound addresses admins manage (`list`, `get`, `create`,
//! `update`, `messages`, `delete`): addresses unique across helpdesks and
//! moved by an update, defaults checked, versions, permissions, isolation,
//! and the review of received mail by decision.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use channels_support::{fields, message_id, page, raw_mail};
use jiff::SignedDuration;
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::email::mailboxes::{MailboxInput, Mailboxes};
use switchboard_domain::email::ports::MailboxStore;
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::ids::{MailboxId, TeamId};
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::tickets::ticket::Priority;
use switchboard_testkit::MemoryStore;

fn address(label: &str) -> MailboxInput {
    MailboxInput {
        address: Some(format!("{label}-{}@acme.example", ulid::Ulid::new())),
        ..MailboxInput::default()
    }
}

async fn create(
    store: &MemoryStore,
    who: &Principal,
    input: MailboxInput,
) -> Result<switchboard_domain::email::Mailbox, DomainError> {
    Mailboxes::new(
        store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    )
    .create(who, input, jiff::Timestamp::now())
    .await
}

#[tokio::test]
async fn an_admin_creates_a_mailbox_sending_under_the_helpdesks_name_by_default() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let boxes = Mailboxes::new(
        store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let owner = &acme.owner.principal;
    let raw = format!("Support-{}@Acme.Example", ulid::Ulid::new());
    let made = boxes
        .create(
            owner,
            MailboxInput {
                address: Some(raw.clone()),
                ..MailboxInput::default()
            },
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(made.address, raw.to_lowercase());
    assert_eq!(made.from_name, "Acme Support", "the helpdesk's name");
    assert_eq!((made.version, made.created_at), (1, clock.now()));
    assert_eq!((made.default_team_id, made.default_priority), (None, None));
    assert_eq!(boxes.get(owner, made.id).await.unwrap(), made);

    let admin = acme
        .person(&store, "admin", "Ada Admin", clock.now())
        .await
        .unwrap();
    store.take_events();
    let named = boxes
        .create(
            &admin.principal,
            MailboxInput {
                from_name: Some("Acme Billing".into()),
                ..address("billing")
            },
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(named.from_name, "Acme Billing");
    let mut listed = boxes.list(owner).await.unwrap();
    listed.sort_by_key(|m| m.created_at);
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&made) && listed.contains(&named));
    let events = store.take_events();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["configuration.changed"],
        "the second mailbox's creation, for the audit log"
    );
    assert_eq!(events[0].data["object"], "mailbox");
    assert_eq!(events[0].data["change"], "created");
}

#[tokio::test]
async fn an_address_is_unique_across_helpdesks() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let other = channels_support::other_helpdesk(&store, &clock).await;
    let input = address("help");
    create(&store, &acme.owner.principal, input.clone())
        .await
        .unwrap();
    let taken = create(&store, &other.owner.principal, input.clone()).await;
    assert!(
        matches!(taken, Err(DomainError::Conflict(Conflict::AddressTaken))),
        "{taken:?}"
    );
    let again = create(&store, &acme.owner.principal, input).await;
    assert!(matches!(
        again,
        Err(DomainError::Conflict(Conflict::AddressTaken))
    ));
    assert!(
        Mailboxes::new(
            store.clone(),
            switchboard_testkit::MemoryIdentities::new(),
            channels_support::MAIL_DOMAIN
        )
        .list(&other.owner.principal)
        .await
        .unwrap()
        .is_empty()
    );
}

#[tokio::test]
async fn an_update_moves_the_address_and_frees_the_old_one() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let boxes = Mailboxes::new(
        store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let owner = &acme.owner.principal;
    let made = create(&store, owner, address("old")).await.unwrap();
    clock.advance(SignedDuration::from_mins(1));
    let new = format!("new-{}@acme.example", ulid::Ulid::new()).to_lowercase();
    let moved = boxes
        .update(
            owner,
            made.id,
            MailboxInput {
                address: Some(new.to_uppercase()),
                from_name: Some("Acme Help".into()),
                ..MailboxInput::default()
            },
            Some(1),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!((moved.address.as_str(), moved.version), (new.as_str(), 2));
    assert_eq!(moved.from_name, "Acme Help");
    assert_eq!(moved.updated_at, clock.now());
    assert_eq!(moved.created_at, made.created_at);
    assert_eq!(
        store.mailbox_by_address(&new).await.unwrap(),
        Some(moved.clone())
    );
    assert_eq!(store.mailbox_by_address(&made.address).await.unwrap(), None);
    let reused = create(
        &store,
        owner,
        MailboxInput {
            address: Some(made.address.clone()),
            ..MailboxInput::default()
        },
    )
    .await;
    assert!(reused.is_ok(), "the old address is free: {reused:?}");

    // Moving onto an address in use is refused and changes nothing.
    let onto = boxes
        .update(
            owner,
            moved.id,
            MailboxInput {
                address: Some(made.address.clone()),
                ..MailboxInput::default()
            },
            None,
            clock.now(),
        )
        .await;
    assert!(matches!(
        onto,
        Err(DomainError::Conflict(Conflict::AddressTaken))
    ));
    assert_eq!(boxes.get(owner, moved.id).await.unwrap(), moved);
}

#[tokio::test]
async fn a_stale_version_is_refused() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let boxes = Mailboxes::new(
        store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let owner = &acme.owner.principal;
    let made = create(&store, owner, address("help")).await.unwrap();
    let rename = |name: &str| MailboxInput {
        from_name: Some(name.into()),
        ..MailboxInput::default()
    };
    boxes
        .update(owner, made.id, rename("First"), Some(1), clock.now())
        .await
        .unwrap();
    let stale = boxes
        .update(owner, made.id, rename("Second"), Some(1), clock.now())
        .await;
    assert!(
        matches!(stale, Err(DomainError::PreconditionFailed)),
        "{stale:?}"
    );
    // Someone else wrote between our read and our write.
    store.fail_next_call_to("put_mailbox", StoreError::VersionMismatch);
    let raced = boxes
        .update(owner, made.id, rename("Third"), None, clock.now())
        .await;
    assert!(
        matches!(raced, Err(DomainError::PreconditionFailed)),
        "{raced:?}"
    );
    assert_eq!(boxes.get(owner, made.id).await.unwrap().from_name, "First");
}

#[tokio::test]
async fn invalid_input_is_refused_naming_each_field() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let owner = &acme.owner.principal;
    let missing = create(&store, owner, MailboxInput::default()).await;
    assert_eq!(fields(missing), [("address".to_owned(), "required")]);
    let bad = create(
        &store,
        owner,
        MailboxInput {
            address: Some("not an address".into()),
            from_name: Some("Evil <x@y>".into()),
            default_team_id: Some(Some("tea_nonsense".into())),
            default_priority: Some(Some("mega".into())),
        },
    )
    .await;
    let got = fields(bad);
    let named: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        named,
        ["address", "fromName", "defaultTeamId", "defaultPriority"]
    );
    assert_eq!(got[1].1, "invalid");
    assert_eq!(got[2].1, "invalid_id");
    assert_eq!(got[3].1, "invalid_value");
    let reserved = create(
        &store,
        owner,
        MailboxInput {
            address: Some("reply+abc@acme.example".into()),
            ..MailboxInput::default()
        },
    )
    .await;
    assert_eq!(fields(reserved), [("address".to_owned(), "reserved")]);
    let unknown_team = create(
        &store,
        owner,
        MailboxInput {
            default_team_id: Some(Some(TeamId::new().to_string())),
            ..address("x")
        },
    )
    .await;
    assert_eq!(
        fields(unknown_team),
        [("defaultTeamId".to_owned(), "unknown_team")]
    );
    // Another helpdesk's team is unknown here.
    let other = channels_support::other_helpdesk(&store, &clock).await;
    let theirs = channels_support::team(&store, &other, "Theirs", clock.now()).await;
    let foreign = create(
        &store,
        owner,
        MailboxInput {
            default_team_id: Some(Some(theirs.id.to_string())),
            ..address("y")
        },
    )
    .await;
    assert_eq!(
        fields(foreign),
        [("defaultTeamId".to_owned(), "unknown_team")]
    );
    assert!(
        Mailboxes::new(
            store.clone(),
            switchboard_testkit::MemoryIdentities::new(),
            channels_support::MAIL_DOMAIN
        )
        .list(owner)
        .await
        .unwrap()
        .is_empty()
    );
}

#[tokio::test]
async fn defaults_are_set_kept_and_cleared() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let boxes = Mailboxes::new(
        store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let owner = &acme.owner.principal;
    let billing = channels_support::team(&store, &acme, "Billing", clock.now()).await;
    let made = create(
        &store,
        owner,
        MailboxInput {
            default_team_id: Some(Some(billing.id.to_string())),
            default_priority: Some(Some("urgent".into())),
            ..address("help")
        },
    )
    .await
    .unwrap();
    assert_eq!(made.default_team_id, Some(billing.id));
    assert_eq!(made.default_priority, Some(Priority::Urgent));
    let renamed = boxes
        .update(
            owner,
            made.id,
            MailboxInput {
                from_name: Some("Renamed".into()),
                ..MailboxInput::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(renamed.default_team_id, Some(billing.id), "kept");
    assert_eq!(renamed.address, made.address, "kept");
    let cleared = boxes
        .update(
            owner,
            made.id,
            MailboxInput {
                default_team_id: Some(None),
                default_priority: Some(None),
                ..MailboxInput::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (cleared.default_team_id, cleared.default_priority),
        (None, None)
    );
    assert_eq!(cleared.from_name, "Renamed");
}

#[tokio::test]
async fn agents_and_customers_may_not_manage_mailboxes() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let boxes = Mailboxes::new(
        store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let made = create(&store, &acme.owner.principal, address("help"))
        .await
        .unwrap();
    let p = PageRequest::parse(None, None).unwrap();
    for who in [&acme.agent.principal, &acme.customer.principal] {
        let now = clock.now();
        let refusals = [
            boxes.list(who).await.map(|_| ()),
            boxes.get(who, made.id).await.map(|_| ()),
            boxes.create(who, address("mine"), now).await.map(|_| ()),
            boxes
                .update(who, made.id, address("moved"), None, now)
                .await
                .map(|_| ()),
            boxes.messages(who, "quarantined", &p).await.map(|_| ()),
            boxes.delete(who, made.id, clock.now()).await,
        ];
        for r in refusals {
            assert!(matches!(r, Err(DomainError::Forbidden)), "{r:?}");
        }
    }
    assert_eq!(boxes.list(&acme.owner.principal).await.unwrap(), [made]);
}

#[tokio::test]
async fn another_helpdesks_mailbox_is_not_found() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let boxes = Mailboxes::new(
        store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let made = create(&store, &acme.owner.principal, address("help"))
        .await
        .unwrap();
    let other = channels_support::other_helpdesk(&store, &clock).await;
    let them = &other.owner.principal;
    assert!(matches!(
        boxes.get(them, made.id).await,
        Err(DomainError::NotFound)
    ));
    let update = boxes
        .update(them, made.id, address("stolen"), None, clock.now())
        .await;
    assert!(matches!(update, Err(DomainError::NotFound)), "{update:?}");
    assert!(matches!(
        boxes.delete(them, made.id, clock.now()).await,
        Err(DomainError::NotFound)
    ));
    assert!(boxes.list(them).await.unwrap().is_empty());
    assert_eq!(
        boxes.get(&acme.owner.principal, made.id).await.unwrap(),
        made
    );
    let unknown = boxes.get(&acme.owner.principal, MailboxId::new()).await;
    assert!(matches!(unknown, Err(DomainError::NotFound)));
}

#[tokio::test]
async fn a_deleted_mailbox_is_gone_and_its_address_routes_nowhere() {
    let d = Desk::new().await;
    let boxes = Mailboxes::new(
        d.store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let owner = &d.acme.owner.principal;
    let mailbox = boxes.list(owner).await.unwrap().remove(0);
    boxes
        .delete(owner, mailbox.id, jiff::Timestamp::now())
        .await
        .unwrap();
    assert!(matches!(
        boxes.get(owner, mailbox.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        boxes
            .delete(owner, mailbox.id, jiff::Timestamp::now())
            .await,
        Err(DomainError::NotFound)
    ));
    let decision = d
        .receive(&d.address, &d.mail("ana@example.com", "Hello?", "Anyone?"))
        .await;
    assert_eq!(decision.decision, "dropped");
    assert!(d.tickets().await.is_empty());
    let back = create(
        &d.store,
        owner,
        MailboxInput {
            address: Some(d.address.clone()),
            ..MailboxInput::default()
        },
    )
    .await;
    assert!(back.is_ok(), "the address is free again: {back:?}");
}

#[tokio::test]
async fn received_mail_is_listed_by_decision_newest_first_a_page_at_a_time() {
    let d = Desk::new().await;
    let boxes = Mailboxes::new(
        d.store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let owner = &d.acme.owner.principal;
    for subject in ["First", "Second", "Third"] {
        d.receive(&d.address, &d.mail("ana@example.com", subject, "Hi."))
            .await;
        d.clock.advance(SignedDuration::from_secs(10));
    }
    let ooo = raw_mail(
        &[
            ("From", "ana@example.com"),
            ("To", &d.address),
            ("Subject", "Away"),
            ("Auto-Submitted", "auto-replied"),
            ("Message-ID", &format!("<{}>", message_id())),
        ],
        "Away.",
    );
    d.receive(&d.address, &ooo).await;

    let first = boxes.messages(owner, "created", &page(2)).await.unwrap();
    let subjects: Vec<&str> = first.items.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(subjects, ["Third", "Second"]);
    let record = &first.items[0];
    assert_eq!(record.from.as_deref(), Some("ana@example.com"));
    assert_eq!(record.decision, "created");
    assert!(record.ticket_id.is_some());
    assert_eq!(record.raw, "inbound/raw-object");
    let next = PageRequest {
        limit: 2,
        cursor: first.next_cursor.clone(),
    };
    let rest = boxes.messages(owner, "created", &next).await.unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].subject, "First");
    assert_eq!(rest.next_cursor, None);
    let auto = boxes
        .messages(owner, "auto_reply", &page(10))
        .await
        .unwrap();
    assert_eq!(auto.items.len(), 1);
    assert_eq!(auto.items[0].reason, "Auto-Submitted: auto-replied");
}

#[tokio::test]
async fn an_unknown_decision_is_refused_and_another_helpdesks_mail_is_not_listed() {
    let d = Desk::new().await;
    let boxes = Mailboxes::new(
        d.store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    d.receive(&d.address, &d.mail("ana@example.com", "Ours", "Hi."))
        .await;
    let unknown = boxes
        .messages(&d.acme.owner.principal, "spam", &page(10))
        .await;
    assert_eq!(fields(unknown), [("decision".to_owned(), "invalid_value")]);
    let other = channels_support::other_helpdesk(&d.store, &d.clock).await;
    let theirs = boxes
        .messages(&other.owner.principal, "created", &page(10))
        .await
        .unwrap();
    assert!(theirs.items.is_empty());
    // A cursor of our list does not page through theirs.
    let ours = boxes
        .messages(&d.acme.owner.principal, "created", &page(1))
        .await
        .unwrap();
    assert_eq!(ours.items.len(), 1);
    d.receive(&d.address, &d.mail("ana@example.com", "Again", "Hi."))
        .await;
    let mine = boxes
        .messages(&d.acme.owner.principal, "created", &page(1))
        .await
        .unwrap();
    let borrowed = PageRequest {
        limit: 1,
        cursor: mine.next_cursor,
    };
    let result = boxes
        .messages(&other.owner.principal, "created", &borrowed)
        .await;
    assert!(
        matches!(result, Err(DomainError::InvalidCursor)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_mailbox_cannot_take_another_helpdesks_sending_address() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let other = channels_support::other_helpdesk(&store, &clock).await;
    // Where acme's mail comes from while it has no mailbox on the domain.
    let acmes = format!(
        "{}@{}",
        acme.tenant.slug.as_str(),
        channels_support::MAIL_DOMAIN
    );
    let taken = create(
        &store,
        &other.owner.principal,
        MailboxInput {
            address: Some(acmes.clone()),
            from_name: Some("Acme Support".into()),
            ..MailboxInput::default()
        },
    )
    .await;
    assert!(taken.is_err(), "{acmes} is acme's: {taken:?}");
}

#[tokio::test]
async fn an_api_key_manages_mailboxes_with_the_tenant_write_scope_only() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let boxes = Mailboxes::new(
        store.clone(),
        switchboard_testkit::MemoryIdentities::new(),
        channels_support::MAIL_DOMAIN,
    );
    let now = clock.now();
    let writer =
        channels_support::api_key(&store, &acme, Role::Admin, &[Scope::TenantWrite], now).await;
    let made = boxes.create(&writer, address("api"), now).await.unwrap();
    assert_eq!(
        boxes.list(&writer).await.unwrap(),
        std::slice::from_ref(&made)
    );
    let reader =
        channels_support::api_key(&store, &acme, Role::Admin, &[Scope::TenantRead], now).await;
    assert!(matches!(
        boxes.get(&reader, made.id).await,
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        boxes.delete(&reader, made.id, clock.now()).await,
        Err(DomainError::Forbidden)
    ));
}

#[tokio::test]
async fn role_addresses_and_other_helpdesks_plus_addresses_on_the_mail_domain_are_refused() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let other = channels_support::other_helpdesk(&store, &clock).await;
    let domain = channels_support::MAIL_DOMAIN;
    for taken in [
        format!("postmaster@{domain}"),
        format!("abuse@{domain}"),
        format!("noreply@{domain}"),
        format!("mailer-daemon@{domain}"),
        format!("{}+desk@{domain}", acme.tenant.slug.as_str()),
    ] {
        let result = create(
            &store,
            &other.owner.principal,
            MailboxInput {
                address: Some(taken.clone()),
                ..MailboxInput::default()
            },
        )
        .await;
        assert!(
            matches!(&result, Err(DomainError::Invalid(e)) if e[0].field == "address" && e[0].code == "reserved"),
            "{taken}: {result:?}"
        );
    }
    let own = format!("{}+billing@{domain}", other.tenant.slug.as_str());
    let made = create(
        &store,
        &other.owner.principal,
        MailboxInput {
            address: Some(own.clone()),
            ..MailboxInput::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(made.address, own);
}
