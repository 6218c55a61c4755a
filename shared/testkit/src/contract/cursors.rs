//! Cursors belong to the list that issued them: every other list refuses
//! them (`InvalidCursor`), as it refuses an edited one.

use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::accounts::user::Role;
use switchboard_domain::email::ports::MessageLog;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::{Actor, EventType};
use switchboard_domain::kernel::ids::{EventId, NotificationId, UserId, WebhookId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::notifications::notification::{Notification, NotificationKind};
use switchboard_domain::notifications::ports::NotificationStore;
use switchboard_domain::sla::evaluate::SlaView;
use switchboard_domain::sla::ports::TicketSlaStore;
use switchboard_domain::tickets::ports::{
    TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore, TicketWriteMode,
};
use switchboard_domain::webhooks::ports::WebhookStore;

use super::support::*;
use super::tickets::{comment, with_ticket, write};

/// What the lists answer for one page request, their items aside.
type Answer = StoreResult<Option<String>>;

fn cursor_of<T>(page: StoreResult<Page<T>>) -> Answer {
    page.map(|p| p.next_cursor)
}

/// Each list's first cursor is refused, edited, by itself, and refused
/// as it is by every other list (users, tenants, tickets, comments,
/// notifications, deliveries, messages, SLA views).
pub async fn cursors_belong_to_their_list<S, O>(store: &S, _: &O)
where
    S: TenantStore
        + UserStore
        + TicketStore
        + NotificationStore
        + WebhookStore
        + MessageLog
        + TicketSlaStore,
    O: Outbox,
{
    let (tenant, requester, t) = with_ticket(store).await;
    // The tenants' list needs a second tenant to have a second page.
    signed_up(store).await;
    for name in ["Ann", "Bea"] {
        store
            .create_user(&user(tenant, Role::Agent, name), None, &[])
            .await
            .expect("a user");
    }
    let second = ticket(tenant, requester.id, 99, now());
    store
        .write_ticket(write(&second, TicketWriteMode::Create))
        .await
        .expect("a ticket");
    for public in [true, true] {
        let c = comment(&t, public, now());
        store
            .write_ticket(switchboard_domain::tickets::ports::TicketWrite {
                comment: Some(switchboard_domain::tickets::ports::CommentWrite::New(&c)),
                ..write(
                    &t,
                    TicketWriteMode::Touch {
                        status: t.status,
                        public: true,
                    },
                )
            })
            .await
            .expect("a comment");
    }
    let person = UserId::new();
    for _ in 0..2 {
        let event = EventId::new();
        store
            .add_notification(&Notification {
                id: NotificationId::from_ulid(event.ulid()),
                tenant_id: tenant,
                user_id: person,
                kind: NotificationKind::Mentioned,
                event_id: event,
                event_type: Some(EventType::CommentCreated),
                ticket_id: Some(t.id),
                comment_id: None,
                actor: Actor::system(),
                title: "mentioned".into(),
                created_at: now(),
                read_at: None,
            })
            .await
            .expect("a notification");
    }
    let endpoint = WebhookId::new();
    for _ in 0..2 {
        let event = EventId::new();
        let d = switchboard_domain::webhooks::webhook::Delivery {
            id: switchboard_domain::webhooks::webhook::delivery_id(event, endpoint),
            tenant_id: tenant,
            endpoint_id: endpoint,
            event_id: event,
            event_type: "ticket.created".into(),
            payload: "{}".into(),
            status: switchboard_domain::webhooks::webhook::DeliveryStatus::Pending,
            attempts: Vec::new(),
            next_attempt_at: None,
            created_at: now(),
            version: 1,
        };
        store.create_delivery(&d).await.expect("a delivery");
    }
    for i in 0..2 {
        let id = format!("{}@x.example", unique("m"));
        let r = switchboard_domain::email::message_record::MessageRecord {
            message_id: id.clone(),
            from: None,
            subject: "s".into(),
            decision: "quarantined".into(),
            reason: "r".into(),
            ticket_id: None,
            comment_id: None,
            raw: "raw".into(),
            received_at: now() + secs(i),
        };
        store
            .record_message(tenant, &id, &r)
            .await
            .expect("a record");
    }
    for target in [&t, &second] {
        let sla = switchboard_domain::sla::stored::StoredSla {
            tenant_id: tenant,
            ticket_id: target.id,
            sla: switchboard_domain::sla::evaluate::TicketSla {
                policy_id: switchboard_domain::kernel::ids::SlaPolicyId::new(),
                policy_name: "p".into(),
                targets: Vec::new(),
            },
            next_deadline: None,
            view: Some(SlaView::Breached),
            computed_at: now(),
        };
        store.put_ticket_sla(&sla).await.expect("an SLA");
    }
    let tickets = TicketListQuery {
        dimension: TicketDimension::All,
        copied: None,
        filters: TicketFilters::default(),
        sort: TicketSort::CreatedAt,
        descending: true,
    };

    // Every list, asked for one page at `p`.
    let lists = async |p: PageRequest| -> Vec<(&'static str, Answer)> {
        vec![
            ("users", cursor_of(store.list_users(tenant, None, &p).await)),
            ("tenants", cursor_of(store.list_tenants(&p).await)),
            (
                "tickets",
                cursor_of(store.list_tickets(tenant, &tickets, &p).await),
            ),
            (
                "comments",
                cursor_of(store.comments(tenant, t.id, false, &p).await),
            ),
            (
                "notifications",
                cursor_of(store.notifications(tenant, person, false, &p).await),
            ),
            (
                "deliveries",
                cursor_of(store.deliveries(tenant, endpoint, &p).await),
            ),
            (
                "messages",
                cursor_of(store.messages(tenant, "quarantined", &p).await),
            ),
            (
                "sla_view",
                cursor_of(store.sla_view(tenant, SlaView::Breached, &p).await),
            ),
        ]
    };
    let first = lists(PageRequest {
        limit: 1,
        cursor: None,
    })
    .await;
    for (issuer, answer) in &first {
        let cursor = answer
            .as_ref()
            .unwrap_or_else(|e| panic!("{issuer}: {e}"))
            .clone()
            .unwrap_or_else(|| panic!("{issuer} has more than one item"));
        for (reader, answer) in lists(after(&cursor)).await {
            if reader == *issuer {
                assert!(answer.is_ok(), "{issuer} opens its own cursor: {answer:?}");
            } else {
                assert!(
                    matches!(answer, Err(StoreError::InvalidCursor)),
                    "{reader} refuses a cursor of {issuer}: {answer:?}"
                );
            }
        }
        for (reader, answer) in lists(after(&tampered(&cursor))).await {
            if reader == *issuer {
                assert!(
                    matches!(answer, Err(StoreError::InvalidCursor)),
                    "{issuer} refuses its own cursor edited: {answer:?}"
                );
            }
        }
    }
}
