//! Files on tickets after they are attached: who lists, downloads and
//! deletes them (customers never reach a note's file; another tenant's
//! file is absent), and the presigned downloads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::{SignedDuration, Timestamp};
use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::attachments::attachment::Attachment;
use switchboard_domain::attachments::service::{Attachments, CommentWithFiles, UploadInput};
use switchboard_domain::kernel::ids::{AttachmentId, TicketId};
use switchboard_domain::tickets::input::NewComment;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_testkit::{MemoryObjects, MemoryStore};

struct Desk {
    files: Attachments<MemoryStore, MemoryObjects>,
    objects: MemoryObjects,
    tickets: Ticketing<MemoryStore>,
}

fn desk(store: &MemoryStore, objects: MemoryObjects) -> Desk {
    Desk {
        files: Attachments::new(store.clone(), objects.clone()),
        objects,
        tickets: Ticketing::new(store.clone()),
    }
}

impl Desk {
    /// A file `who` uploads and posts with `comment` (or on the ticket).
    async fn post(
        &self,
        who: &Principal,
        ticket: TicketId,
        name: &str,
        comment: Option<NewComment>,
        now: Timestamp,
    ) -> Attachment {
        let (upload, _) = self
            .files
            .start_upload(
                who,
                ticket,
                UploadInput {
                    filename: Some(name.into()),
                    content_type: Some("text/plain".into()),
                    size: Some(3),
                },
                now,
            )
            .await
            .unwrap();
        self.objects.upload(&upload, b"abc", "text/plain");
        match comment {
            None => self
                .files
                .attach(who, ticket, &upload.id.to_string(), now)
                .await
                .unwrap(),
            Some(comment) => {
                let ((_, mut attached), _) = self
                    .files
                    .comment(
                        &self.tickets,
                        who,
                        ticket,
                        CommentWithFiles {
                            comment,
                            uploads: vec![upload.id.to_string()],
                        },
                        None,
                        now,
                    )
                    .await
                    .unwrap()
                    .into_inner();
                attached.pop().unwrap()
            }
        }
    }
}

#[tokio::test]
async fn customers_list_only_the_files_they_may_see() {
    let (clock, store, acme) = world().await;
    let d = desk(&store, MemoryObjects::with_clock(clock.clone()));
    let t = open(&d.tickets, &acme.customer.principal, "S", clock.now()).await;
    let on_ticket = d
        .post(
            &acme.customer.principal,
            t.id,
            "photo.txt",
            None,
            clock.now(),
        )
        .await;
    next_millisecond().await;
    let on_note = d
        .post(
            &acme.agent.principal,
            t.id,
            "internal.txt",
            Some(note("fraud?")),
            clock.now(),
        )
        .await;
    next_millisecond().await;
    let on_reply = d
        .post(
            &acme.agent.principal,
            t.id,
            "label.txt",
            Some(reply("label")),
            clock.now(),
        )
        .await;
    let ids = |list: Vec<Attachment>| list.into_iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(
        ids(d.files.list(&acme.agent.principal, t.id).await.unwrap()),
        vec![on_ticket.id, on_note.id, on_reply.id],
        "oldest first"
    );
    assert_eq!(
        ids(d.files.list(&acme.customer.principal, t.id).await.unwrap()),
        vec![on_ticket.id, on_reply.id]
    );
}

#[tokio::test]
async fn a_download_is_a_short_lived_get_under_the_files_name() {
    let (clock, store, acme) = world().await;
    let d = desk(&store, MemoryObjects::with_clock(clock.clone()));
    let t = open(&d.tickets, &acme.customer.principal, "S", clock.now()).await;
    let file = d
        .post(
            &acme.customer.principal,
            t.id,
            "Résumé final.txt",
            None,
            clock.now(),
        )
        .await;
    let got = d
        .files
        .download(&acme.agent.principal, file.id)
        .await
        .unwrap();
    assert_eq!(got.method, "GET");
    assert_eq!(got.expires_at, clock.now() + SignedDuration::from_mins(5));
    assert!(got.url.contains(&file.id.ulid().to_string()), "{}", got.url);
    assert!(
        got.url
            .contains("filename*=UTF-8''R%C3%A9sum%C3%A9%20final.txt"),
        "{}",
        got.url
    );
    assert!(
        d.files
            .download(&acme.customer.principal, file.id)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_notes_file_does_not_exist_for_customers() {
    let (clock, store, acme) = world().await;
    let d = desk(&store, MemoryObjects::with_clock(clock.clone()));
    let t = open(&d.tickets, &acme.customer.principal, "S", clock.now()).await;
    let file = d
        .post(
            &acme.agent.principal,
            t.id,
            "internal.txt",
            Some(note("x")),
            clock.now(),
        )
        .await;
    let download = d.files.download(&acme.customer.principal, file.id).await;
    assert!(
        matches!(download, Err(DomainError::NotFound)),
        "{download:?}"
    );
    let delete = d.files.delete(&acme.customer.principal, file.id).await;
    assert!(matches!(delete, Err(DomainError::NotFound)), "{delete:?}");
    assert!(d.objects.file(&file).is_some());
}

#[tokio::test]
async fn another_tenants_or_customers_file_is_not_found_like_an_absent_one() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let (_, other) = invite(&store, &acme, Role::Customer, "Other Customer", clock.now()).await;
    let d = desk(&store, MemoryObjects::with_clock(clock.clone()));
    let t = open(&d.tickets, &acme.customer.principal, "S", clock.now()).await;
    let file = d
        .post(
            &acme.customer.principal,
            t.id,
            "mine.txt",
            None,
            clock.now(),
        )
        .await;
    for who in [&globex.owner.principal, &other] {
        for id in [file.id, AttachmentId::new()] {
            let download = d.files.download(who, id).await;
            assert!(
                matches!(download, Err(DomainError::NotFound)),
                "{download:?}"
            );
            let delete = d.files.delete(who, id).await;
            assert!(matches!(delete, Err(DomainError::NotFound)), "{delete:?}");
        }
        let list = d.files.list(who, t.id).await;
        assert!(matches!(list, Err(DomainError::NotFound)), "{list:?}");
    }
    assert!(d.objects.file(&file).is_some(), "still there");
}

#[tokio::test]
async fn the_files_of_a_deleted_ticket_are_not_found() {
    let (clock, store, acme) = world().await;
    let d = desk(&store, MemoryObjects::with_clock(clock.clone()));
    let t = open(&d.tickets, &acme.customer.principal, "S", clock.now()).await;
    let file = d
        .post(&acme.customer.principal, t.id, "a.txt", None, clock.now())
        .await;
    d.tickets
        .delete(&acme.owner.principal, t.id, clock.now())
        .await
        .unwrap();
    let download = d.files.download(&acme.owner.principal, file.id).await;
    assert!(
        matches!(download, Err(DomainError::NotFound)),
        "{download:?}"
    );
    let list = d.files.list(&acme.owner.principal, t.id).await;
    assert!(matches!(list, Err(DomainError::NotFound)), "{list:?}");
}

#[tokio::test]
async fn the_uploader_or_an_admin_deletes_a_file_and_its_record() {
    let (clock, store, acme) = world().await;
    let (_, colleague) = invite(&store, &acme, Role::Agent, "Colleague", clock.now()).await;
    let d = desk(&store, MemoryObjects::with_clock(clock.clone()));
    let t = open(&d.tickets, &acme.customer.principal, "S", clock.now()).await;
    let customers = d
        .post(&acme.customer.principal, t.id, "c.txt", None, clock.now())
        .await;
    let agents = d
        .post(
            &acme.agent.principal,
            t.id,
            "a.txt",
            Some(reply("here")),
            clock.now(),
        )
        .await;

    let not_theirs = d.files.delete(&colleague, agents.id).await;
    assert!(
        matches!(not_theirs, Err(DomainError::Forbidden)),
        "{not_theirs:?}"
    );
    let customer_on_agents = d.files.delete(&acme.customer.principal, agents.id).await;
    assert!(
        matches!(customer_on_agents, Err(DomainError::Forbidden)),
        "{customer_on_agents:?}"
    );

    d.files
        .delete(&acme.customer.principal, customers.id)
        .await
        .unwrap();
    assert!(d.objects.file(&customers).is_none());
    d.files
        .delete(&acme.owner.principal, agents.id)
        .await
        .unwrap();
    assert!(d.objects.file(&agents).is_none());
    assert!(d.objects.keys().is_empty());
    assert!(
        d.files
            .list(&acme.agent.principal, t.id)
            .await
            .unwrap()
            .is_empty()
    );
    let again = d.files.delete(&acme.owner.principal, agents.id).await;
    assert!(matches!(again, Err(DomainError::NotFound)), "{again:?}");
}

#[tokio::test]
async fn a_deleted_comments_files_go_with_it() {
    let (clock, store, acme) = world().await;
    let d = desk(&store, MemoryObjects::with_clock(clock.clone()));
    let t = open(&d.tickets, &acme.customer.principal, "S", clock.now()).await;
    let file = d
        .post(
            &acme.customer.principal,
            t.id,
            "card.txt",
            Some(reply("my card, oops")),
            clock.now(),
        )
        .await;
    let comment = file.comment_id.unwrap();
    d.files
        .delete_comment(
            &d.tickets,
            &acme.customer.principal,
            t.id,
            comment,
            clock.now(),
        )
        .await
        .unwrap();
    assert!(
        d.files
            .list(&acme.agent.principal, t.id)
            .await
            .unwrap()
            .is_empty()
    );
    let download = d.files.download(&acme.agent.principal, file.id).await;
    assert!(
        matches!(download, Err(DomainError::NotFound)),
        "{download:?}"
    );
}

#[tokio::test]
async fn a_merged_tickets_files_are_listed_and_downloaded_through_the_ticket_it_joined() {
    let (clock, store, acme) = world().await;
    let d = desk(&store, MemoryObjects::with_clock(clock.clone()));
    let (_, colleague) = invite(&store, &acme, Role::Customer, "Col League", clock.now()).await;
    let target = open(&d.tickets, &acme.customer.principal, "VPN", clock.now()).await;
    let source = open(&d.tickets, &colleague, "VPN too", clock.now()).await;
    let shared = d
        .post(
            &colleague,
            source.id,
            "log.txt",
            Some(reply("log")),
            clock.now(),
        )
        .await;
    let hidden = d
        .post(
            &acme.agent.principal,
            source.id,
            "notes.txt",
            Some(note("ours")),
            clock.now(),
        )
        .await;
    let before = d
        .files
        .download(&acme.customer.principal, shared.id)
        .await
        .expect_err("not the customer's ticket yet");
    assert!(matches!(before, DomainError::NotFound), "{before:?}");

    d.tickets
        .merge(
            &acme.agent.principal,
            target.id,
            switchboard_domain::tickets::input::TicketMerge {
                sources: vec![source.id],
                note: None,
                public: false,
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let names = |files: Vec<Attachment>| {
        let mut n: Vec<String> = files.into_iter().map(|a| a.filename).collect();
        n.sort();
        n
    };
    assert_eq!(
        names(
            d.files
                .list(&acme.agent.principal, target.id)
                .await
                .unwrap()
        ),
        ["log.txt", "notes.txt"]
    );
    assert_eq!(
        names(
            d.files
                .list(&acme.customer.principal, target.id)
                .await
                .unwrap()
        ),
        ["log.txt"]
    );
    assert!(
        d.files
            .download(&acme.customer.principal, shared.id)
            .await
            .is_ok(),
        "the target's requester reaches the source's public file"
    );
    let note_file = d
        .files
        .download(&acme.customer.principal, hidden.id)
        .await
        .expect_err("never a note's file");
    assert!(matches!(note_file, DomainError::NotFound), "{note_file:?}");
}
