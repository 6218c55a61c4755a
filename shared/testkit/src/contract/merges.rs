//! Several tickets written as one: a merge's transaction.

use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::tickets::comment::{Comment, CopiedFrom};
use switchboard_domain::tickets::ports::{CommentWrite, TicketStore, TicketWrite, TicketWriteMode};
use switchboard_domain::tickets::ticket::Status;

use super::support::*;
use super::tickets::{comment, with_ticket, write};

/// `write_tickets` writes every ticket change and copied comment, or none:
/// a stale version in any write, or a copy its ticket already has, leaves
/// both tickets, their comments and the events as they were. Copies keep
/// their id and origin.
pub async fn several_tickets_are_written_as_one<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let (tenant, requester, target) = with_ticket(store).await;
    let number = store.next_ticket_number(tenant).await.expect("a number");
    let source = ticket(tenant, requester.id, number, now());
    store
        .write_ticket(write(&source, TicketWriteMode::Create))
        .await
        .expect("a source");
    let said = comment(&source, true, now());
    store
        .write_ticket(TicketWrite {
            comment: Some(CommentWrite::New(&said)),
            ..write(
                &source,
                TicketWriteMode::Touch {
                    status: Status::Open,
                    public: true,
                },
            )
        })
        .await
        .expect("a reply");
    let source = store
        .ticket(tenant, source.id)
        .await
        .expect("read")
        .expect("the source");

    let copy = Comment {
        ticket_id: target.id,
        copied_from: Some(CopiedFrom {
            ticket_id: source.id,
            number: source.number,
        }),
        ..said.clone()
    };
    let mut closed = source.clone();
    closed.status = Status::Closed;
    closed.merged_into = Some(target.id);
    closed.version += 1;
    let mut joined = target.clone();
    joined.merged_from.insert(source.id);
    joined.version += 1;
    let note = comment(&source, false, now());
    let (merged_event, stale_event) = (event(tenant), event(tenant));

    // The target's version is stale: nothing at all is written.
    assert_error(
        store
            .write_tickets(
                &[
                    TicketWrite {
                        before: Some(&source),
                        comment: Some(CommentWrite::New(&note)),
                        events: std::slice::from_ref(&stale_event),
                        ..write(&closed, TicketWriteMode::Replace(source.version))
                    },
                    write(&joined, TicketWriteMode::Replace(target.version + 7)),
                ],
                std::slice::from_ref(&copy),
            )
            .await,
        &StoreError::VersionMismatch,
    );
    let unchanged = |id| async move {
        store
            .ticket(tenant, id)
            .await
            .expect("read")
            .expect("the ticket")
    };
    assert_eq!(unchanged(source.id).await, source);
    assert_eq!(unchanged(target.id).await, target);
    assert_eq!(
        store
            .comment(tenant, source.id, note.id)
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        store
            .comment(tenant, target.id, copy.id)
            .await
            .expect("read"),
        None
    );
    assert!(!outbox.holds(tenant, stale_event.id).await);

    store
        .write_tickets(
            &[
                TicketWrite {
                    before: Some(&source),
                    comment: Some(CommentWrite::New(&note)),
                    events: std::slice::from_ref(&merged_event),
                    ..write(&closed, TicketWriteMode::Replace(source.version))
                },
                write(&joined, TicketWriteMode::Replace(target.version)),
            ],
            std::slice::from_ref(&copy),
        )
        .await
        .expect("a merge");
    assert_eq!(unchanged(source.id).await, closed);
    assert_eq!(unchanged(target.id).await, joined);
    assert_eq!(
        store
            .comment(tenant, target.id, copy.id)
            .await
            .expect("read"),
        Some(copy.clone())
    );
    assert_eq!(
        store
            .comment(tenant, source.id, said.id)
            .await
            .expect("read"),
        Some(said.clone()),
        "the original stays on its ticket"
    );
    assert!(outbox.holds(tenant, merged_event.id).await);

    // The same copy again is refused, and takes the rest with it.
    let mut again = joined.clone();
    again.version += 1;
    assert_error(
        store
            .write_tickets(
                &[write(&again, TicketWriteMode::Replace(joined.version))],
                std::slice::from_ref(&copy),
            )
            .await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(unchanged(target.id).await, joined);
}
