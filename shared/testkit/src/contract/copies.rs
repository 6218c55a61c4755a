//! Tickets listed beyond their requester's list: for the people copied on
//! them, beside those they asked, and for the requester's organisation.

use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::{OrganizationId, TicketId};
use switchboard_domain::tickets::ports::{
    TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore, TicketWrite,
    TicketWriteMode,
};
use switchboard_domain::tickets::ticket::{Status, Ticket};

use super::support::*;
use super::tickets::{with_ticket, write};

fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(|t| t.id).collect()
}

/// A requester's list with `copied` also holds the tickets that address is
/// copied on, merged in one order (either sort, either direction, any page
/// size, each ticket once); filters apply to both; an address taken off a
/// ticket, or a deleted ticket, leaves it; a public touch moves a copied
/// ticket as it moves the requester's own.
pub async fn copied_tickets_join_their_peoples_lists<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let (tenant, rita, not_ann_s) = with_ticket(store).await;
    let ann = user(tenant, Role::Customer, "Ann Copied");
    store.create_user(&ann, None, &[]).await.expect("Ann");
    let address = ann.email.as_str().to_lowercase();
    // Ann's own tickets and those Rita asked with Ann copied, interleaved
    // in time; on the fifth Ann is requester and copied both.
    let mut listed = Vec::new();
    for i in 0..6 {
        let number = store.next_ticket_number(tenant).await.expect("a number");
        let requester = if i % 2 == 0 { ann.id } else { rita.id };
        let mut t = ticket(tenant, requester, number, now() + secs(10 * i));
        if i % 2 == 1 || i == 4 {
            t.cc.insert(address.clone());
        }
        t.cc.insert(format!("other{i}@example.com"));
        store
            .write_ticket(write(&t, TicketWriteMode::Create))
            .await
            .expect("a ticket");
        listed.push(t);
    }
    let query = |sort, descending, filters| TicketListQuery {
        dimension: TicketDimension::Requester(ann.id),
        copied: Some(address.clone()),
        filters,
        sort,
        descending,
    };
    let list = async |q: &TicketListQuery, limit| {
        ids(&all_pages(
            limit,
            |p| async move { store.list_tickets(tenant, q, &p).await },
        )
        .await)
    };
    for sort in [TicketSort::UpdatedAt, TicketSort::CreatedAt] {
        for descending in [true, false] {
            let mut want = ids(&listed);
            if descending {
                want.reverse();
            }
            for limit in [1, 2, 4, 10] {
                let q = query(sort, descending, TicketFilters::default());
                assert_eq!(
                    list(&q, limit).await,
                    want,
                    "{sort:?}, descending {descending}, pages of {limit}"
                );
            }
        }
    }
    assert!(
        !list(
            &query(TicketSort::UpdatedAt, true, TicketFilters::default()),
            10
        )
        .await
        .contains(&not_ann_s.id)
    );

    // Filters: one copied and one own ticket pending.
    let mut changed = Vec::new();
    for i in [1, 2] {
        let before = listed[i].clone();
        let mut after = before.clone();
        after.status = Status::Pending;
        after.version += 1;
        store
            .write_ticket(TicketWrite {
                before: Some(&before),
                ..write(&after, TicketWriteMode::Replace(before.version))
            })
            .await
            .expect("pending");
        changed.push(after.id);
    }
    let pending = TicketFilters {
        status: Some(Status::Pending),
        ..TicketFilters::default()
    };
    for limit in [1, 10] {
        assert_eq!(
            list(&query(TicketSort::CreatedAt, false, pending.clone()), limit).await,
            changed,
            "pages of {limit}"
        );
    }

    // Ann taken off the fourth ticket; the sixth deleted.
    let before = listed[3].clone();
    let mut after = before.clone();
    after.cc.remove(&address);
    after.version += 1;
    store
        .write_ticket(TicketWrite {
            before: Some(&before),
            ..write(&after, TicketWriteMode::Replace(before.version))
        })
        .await
        .expect("taken off");
    let before = listed[5].clone();
    let mut after = before.clone();
    after.deleted_at = Some(now());
    after.version += 1;
    store
        .write_ticket(TicketWrite {
            before: Some(&before),
            ..write(&after, TicketWriteMode::Replace(before.version))
        })
        .await
        .expect("deleted");
    let by_creation = query(TicketSort::CreatedAt, false, TicketFilters::default());
    let left = vec![listed[0].id, listed[1].id, listed[2].id, listed[4].id];
    assert_eq!(list(&by_creation, 2).await, left);

    // A public touch of the second (read again: it is pending now) moves it
    // first in the order of update.
    let stored = store
        .ticket(tenant, listed[1].id)
        .await
        .expect("read")
        .expect("the ticket");
    let mut touched = stored.clone();
    touched.updated_at = now() + secs(600);
    touched.public_updated_at = touched.updated_at;
    touched.public_version += 1;
    store
        .write_ticket(write(
            &touched,
            TicketWriteMode::Touch {
                status: Status::Pending,
                public: true,
            },
        ))
        .await
        .expect("a touch");
    let by_update = query(TicketSort::UpdatedAt, true, TicketFilters::default());
    for limit in [1, 3] {
        assert_eq!(
            list(&by_update, limit).await,
            vec![listed[1].id, listed[4].id, listed[2].id, listed[0].id],
            "pages of {limit}"
        );
    }
}

/// An organisation's list holds the tickets that belong to it, by the
/// public clock (an internal touch moves nothing) or by creation, with
/// filters; a ticket moved to another organisation or deleted leaves it.
pub async fn organisation_lists_hold_their_tickets<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let (tenant, rita, _) = with_ticket(store).await;
    let (globex, initech) = (OrganizationId::new(), OrganizationId::new());
    let mut listed = Vec::new();
    for i in 0..4 {
        let number = store.next_ticket_number(tenant).await.expect("a number");
        let mut t = ticket(tenant, rita.id, number, now() + secs(10 * i));
        t.organization_id = Some(globex);
        store
            .write_ticket(write(&t, TicketWriteMode::Create))
            .await
            .expect("a ticket");
        listed.push(t);
    }
    let query = |org, sort, filters| TicketListQuery {
        dimension: TicketDimension::Organization(org),
        copied: None,
        filters,
        sort,
        descending: false,
    };
    let list = async |q: &TicketListQuery| {
        ids(&all_pages(
            2,
            |p| async move { store.list_tickets(tenant, q, &p).await },
        )
        .await)
    };
    let by_update = query(globex, TicketSort::UpdatedAt, TicketFilters::default());
    assert_eq!(list(&by_update).await, ids(&listed));

    // Staff-only work on the first moves nothing customers read.
    let mut noted = listed[0].clone();
    noted.updated_at = now() + secs(600);
    noted.public_updated_at = noted.updated_at;
    store
        .write_ticket(write(
            &noted,
            TicketWriteMode::Touch {
                status: Status::Open,
                public: false,
            },
        ))
        .await
        .expect("an internal touch");
    assert_eq!(list(&by_update).await, ids(&listed));
    // A public one moves it last (oldest first).
    store
        .write_ticket(write(
            &noted,
            TicketWriteMode::Touch {
                status: Status::Open,
                public: true,
            },
        ))
        .await
        .expect("a public touch");
    let moved: Vec<TicketId> = [1, 2, 3, 0].iter().map(|i| listed[*i].id).collect();
    assert_eq!(list(&by_update).await, moved);

    // The second goes to Initech and the third is deleted; the fourth is
    // pending.
    for (i, change) in [(1, 0), (2, 1), (3, 2)] {
        let before = store
            .ticket(tenant, listed[i].id)
            .await
            .expect("read")
            .expect("the ticket");
        let mut after = before.clone();
        match change {
            0 => after.organization_id = Some(initech),
            1 => after.deleted_at = Some(now()),
            _ => after.status = Status::Pending,
        }
        after.version += 1;
        store
            .write_ticket(TicketWrite {
                before: Some(&before),
                ..write(&after, TicketWriteMode::Replace(before.version))
            })
            .await
            .expect("a change");
    }
    let by_creation = query(globex, TicketSort::CreatedAt, TicketFilters::default());
    assert_eq!(list(&by_creation).await, [listed[0].id, listed[3].id]);
    let pending = query(
        globex,
        TicketSort::CreatedAt,
        TicketFilters {
            status: Some(Status::Pending),
            ..TicketFilters::default()
        },
    );
    assert_eq!(list(&pending).await, [listed[3].id]);
    let theirs = query(initech, TicketSort::CreatedAt, TicketFilters::default());
    assert_eq!(list(&theirs).await, [listed[1].id]);
}
