//! Conversations: a ticket with its first comments, comment pages per
//! visibility, and the change history.

use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::tickets::comment::Comment;
use switchboard_domain::tickets::ports::{CommentWrite, TicketStore, TicketWrite, TicketWriteMode};

use super::support::*;
use super::tickets::{comment, history, with_ticket, write};

/// A conversation is the ticket with its first comments (oldest first,
/// public ones only for customers) and whether more follow; comments page
/// in full pages per visibility; history reads oldest first.
pub async fn conversations_read_a_ticket_with_its_comments<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let (tenant, _, t) = with_ticket(store).await;
    let mut comments = Vec::new();
    for (i, public) in [true, false, true, false, true].into_iter().enumerate() {
        let c = comment(
            &t,
            public,
            t.created_at + secs(i64::try_from(i).unwrap_or(0)),
        );
        // A reply's partial write moves the reply clock it carries.
        let mut replied = t.clone();
        replied.clocks.agent_replied_at = Some(c.created_at);
        store
            .write_ticket(TicketWrite {
                comment: Some(CommentWrite::New(&c)),
                ..write(
                    &replied,
                    TicketWriteMode::Touch {
                        status: t.status,
                        public: true,
                    },
                )
            })
            .await
            .expect("a comment");
        comments.push(c);
    }
    comments.sort_by_key(|c| c.id);
    let public: Vec<Comment> = comments.iter().filter(|c| c.public).cloned().collect();
    let stored = store
        .ticket(tenant, t.id)
        .await
        .expect("read")
        .expect("the ticket");
    assert_eq!(
        stored.clocks.agent_replied_at,
        comments.iter().map(|c| c.created_at).max(),
        "the last reply's time"
    );
    assert_eq!(stored.clocks.status_changed_at, t.clocks.status_changed_at);

    let read = async |limit, public_only| {
        store
            .conversation(tenant, t.id, limit, public_only)
            .await
            .expect("read")
            .expect("a conversation")
    };
    assert_eq!(
        read(10, false).await,
        (stored.clone(), comments.clone(), false)
    );
    assert_eq!(
        read(2, false).await,
        (stored.clone(), comments[..2].to_vec(), true)
    );
    assert_eq!(
        read(10, true).await,
        (stored.clone(), public.clone(), false)
    );
    assert_eq!(
        read(2, true).await,
        (stored.clone(), public[..2].to_vec(), true)
    );
    assert_eq!(
        store
            .conversation(tenant, TicketId::new(), 10, false)
            .await
            .expect("read"),
        None
    );

    let all = all_pages(2, |p| async move {
        store.comments(tenant, t.id, false, &p).await
    })
    .await;
    assert_eq!(all, comments);
    let shown = all_pages(2, |p| async move {
        store.comments(tenant, t.id, true, &p).await
    })
    .await;
    assert_eq!(shown, public);
    let cursor =
        first_cursor(|p| async move { store.comments(tenant, t.id, true, &p).await }).await;
    assert_invalid_cursor(store.comments(tenant, t.id, false, &after(&cursor)).await);

    let mut entries = Vec::new();
    for i in 0..3 {
        let h = history(&stored, stored.updated_at + secs(i));
        let mut next = store
            .ticket(tenant, t.id)
            .await
            .expect("read")
            .expect("the ticket");
        next.version += 1;
        store
            .write_ticket(TicketWrite {
                history: Some(&h),
                ..write(&next, TicketWriteMode::Replace(next.version - 1))
            })
            .await
            .expect("a change");
        entries.push(h);
    }
    entries.sort_by_key(|h| h.id);
    assert_eq!(store.history(tenant, t.id).await.expect("read"), entries);
    assert!(
        store
            .history(tenant, TicketId::new())
            .await
            .expect("read")
            .is_empty()
    );
}
