//! Ticket lists: each dimension reads its index in its sort and direction,
//! filters apply while reading (pages stay full), deleted tickets are in
//! no list, and a cursor belongs to its query.

use std::collections::BTreeSet;

use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::{TeamId, TenantId, UserId};
use switchboard_domain::tickets::ports::{
    TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore, TicketWriteMode,
};
use switchboard_domain::tickets::ticket::{Priority, Status, Tag, Ticket};

use super::support::*;
use super::tickets::write;

/// The people and tickets the list contracts read.
struct Board {
    tenant: TenantId,
    requesters: [UserId; 2],
    agents: [UserId; 2],
    team: TeamId,
    tickets: Vec<Ticket>,
}

/// Fourteen tickets spread over statuses, assignees, teams, priorities,
/// tags and times (whole milliseconds apart, updates and public updates out
/// of creation order), one of them deleted. Requesters' lists by update
/// follow the public clock.
async fn board<S: TenantStore + UserStore + TicketStore>(store: &S) -> Board {
    let (tenant, _) = signed_up(store).await;
    let requesters = [UserId::new(), UserId::new()];
    let agents = [
        user(tenant.id, Role::Agent, "Ann").id,
        user(tenant.id, Role::Agent, "Abe").id,
    ];
    let team = TeamId::new();
    let base = now();
    let statuses = [Status::Open, Status::Pending, Status::Solved];
    let priorities = [
        Priority::Normal,
        Priority::High,
        Priority::Low,
        Priority::Urgent,
    ];
    let vip = Tag::parse("vip").expect("a tag");
    let mut tickets = Vec::new();
    for i in 0..14u64 {
        let n = i64::try_from(i).unwrap_or(0);
        let mut t = ticket(
            tenant.id,
            requesters[(i % 2) as usize],
            i + 1,
            base + secs(n * 7),
        );
        t.status = statuses[(i % 3) as usize];
        t.priority = priorities[(i % 4) as usize];
        t.assignee_id = match i % 3 {
            0 => None,
            1 => Some(agents[0]),
            _ => Some(agents[1]),
        };
        t.team_id = (i % 4 < 2).then_some(team);
        if i % 3 != 1 {
            t.tags.insert(vip.clone());
        }
        // Updates land in another order than creations (and 1 ms apart
        // where seconds would tie).
        t.updated_at = base + secs(200 - (n * 13) % 97) + jiff::SignedDuration::from_millis(n);
        // What requesters see changed last, in yet another order.
        t.public_updated_at = base + secs((n * 29) % 89) + jiff::SignedDuration::from_millis(n);
        if i == 5 {
            t.deleted_at = Some(t.updated_at);
        }
        store
            .write_ticket(write(&t, TicketWriteMode::Create))
            .await
            .expect("a ticket");
        tickets.push(t);
    }
    Board {
        tenant: tenant.id,
        requesters,
        agents,
        team,
        tickets,
    }
}

/// What `query` should list of `tickets`, in order.
fn expected(tickets: &[Ticket], query: &TicketListQuery) -> Vec<Ticket> {
    let f = &query.filters;
    let mut found: Vec<Ticket> = tickets
        .iter()
        .filter(|t| t.is_deleted() == (query.dimension == TicketDimension::Deleted))
        .filter(|t| match query.dimension {
            TicketDimension::All | TicketDimension::Deleted => true,
            TicketDimension::Status(s) => t.status == s,
            TicketDimension::Assignee(a) => t.assignee_id == a,
            TicketDimension::Team(team) => t.team_id == team,
            TicketDimension::Requester(r) => t.requester_id == r,
            TicketDimension::Organization(o) => t.organization_id == Some(o),
        })
        .filter(|t| f.status.is_none_or(|s| t.status == s))
        .filter(|t| f.assignee.is_none_or(|a| t.assignee_id == a))
        .filter(|t| f.team.is_none_or(|team| t.team_id == team))
        .filter(|t| f.priority.is_none_or(|p| t.priority == p))
        .filter(|t| f.tag.as_ref().is_none_or(|tag| t.tags.contains(tag)))
        .cloned()
        .collect();
    found.sort_by_key(|t| {
        let at = match (query.sort, query.dimension) {
            (
                TicketSort::UpdatedAt,
                TicketDimension::Requester(_) | TicketDimension::Organization(_),
            ) => t.public_updated_at,
            (TicketSort::UpdatedAt, _) => t.updated_at,
            (TicketSort::CreatedAt, _) => t.created_at,
        };
        (at.as_millisecond(), t.id)
    });
    if query.descending {
        found.reverse();
    }
    found
}

fn queries(b: &Board) -> Vec<TicketListQuery> {
    let q = |dimension, filters, sort, descending| TicketListQuery {
        dimension,
        copied: None,
        filters,
        sort,
        descending,
    };
    let none = TicketFilters::default;
    let vip = Tag::parse("vip").ok();
    vec![
        q(TicketDimension::All, none(), TicketSort::UpdatedAt, true),
        q(TicketDimension::All, none(), TicketSort::CreatedAt, false),
        q(
            TicketDimension::Deleted,
            none(),
            TicketSort::UpdatedAt,
            true,
        ),
        q(
            TicketDimension::Deleted,
            none(),
            TicketSort::CreatedAt,
            false,
        ),
        q(
            TicketDimension::Status(Status::Open),
            none(),
            TicketSort::UpdatedAt,
            true,
        ),
        q(
            TicketDimension::Status(Status::Pending),
            none(),
            TicketSort::CreatedAt,
            true,
        ),
        q(
            TicketDimension::Assignee(Some(b.agents[0])),
            TicketFilters {
                priority: Some(Priority::High),
                ..none()
            },
            TicketSort::UpdatedAt,
            false,
        ),
        q(
            TicketDimension::Assignee(None),
            none(),
            TicketSort::UpdatedAt,
            true,
        ),
        q(
            TicketDimension::Team(Some(b.team)),
            TicketFilters {
                status: Some(Status::Pending),
                ..none()
            },
            TicketSort::CreatedAt,
            false,
        ),
        q(
            TicketDimension::Team(None),
            none(),
            TicketSort::UpdatedAt,
            false,
        ),
        q(
            TicketDimension::Requester(b.requesters[0]),
            TicketFilters {
                tag: vip.clone(),
                assignee: Some(None),
                ..none()
            },
            TicketSort::UpdatedAt,
            true,
        ),
        q(
            TicketDimension::All,
            TicketFilters {
                team: Some(None),
                tag: vip,
                ..none()
            },
            TicketSort::CreatedAt,
            true,
        ),
        q(
            TicketDimension::Status(Status::Solved),
            TicketFilters {
                assignee: Some(Some(b.agents[1])),
                team: Some(Some(b.team)),
                ..none()
            },
            TicketSort::UpdatedAt,
            true,
        ),
    ]
}

/// Every list holds exactly its tickets in its index's order, in full
/// pages, whatever the page size; deleted tickets are in none but their
/// own.
pub async fn ticket_lists_follow_their_index<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let b = board(store).await;
    let deleted = b.tickets.iter().find(|t| t.is_deleted()).map(|t| t.id);
    for query in queries(&b) {
        let want = expected(&b.tickets, &query);
        for limit in [1, 3, 20] {
            let got = all_pages(limit, |p| {
                let query = &query;
                async move { store.list_tickets(b.tenant, query, &p).await }
            })
            .await;
            assert_eq!(
                got.iter().map(|t| t.id).collect::<Vec<_>>(),
                want.iter().map(|t| t.id).collect::<Vec<_>>(),
                "{query:?}, {limit} a page"
            );
            assert_eq!(got, want, "the tickets as written");
            if query.dimension == TicketDimension::Deleted {
                assert_eq!(
                    got.iter().map(|t| Some(t.id)).collect::<Vec<_>>(),
                    [deleted]
                );
            } else {
                assert!(got.iter().all(|t| Some(t.id) != deleted));
            }
        }
    }
    // The filters were not vacuous: most lists hold something.
    let non_empty = queries(&b)
        .iter()
        .filter(|q| !expected(&b.tickets, q).is_empty())
        .count();
    assert!(non_empty >= 9, "{non_empty} lists hold tickets");
}

/// A list's cursor opens only the same list: another dimension, sort,
/// order, filter or tenant refuses it, as does an edited or made-up one.
pub async fn ticket_list_cursors_belong_to_their_query<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let b = board(store).await;
    let all = queries(&b);
    let cursor = first_cursor(|p| {
        let q = &all[0];
        async move { store.list_tickets(b.tenant, q, &p).await }
    })
    .await;
    let next = store
        .list_tickets(b.tenant, &all[0], &after(&cursor))
        .await
        .expect("the cursor opens its own list");
    assert!(!next.items.is_empty());
    let variants = [
        TicketListQuery {
            descending: false,
            ..all[0].clone()
        },
        TicketListQuery {
            sort: TicketSort::CreatedAt,
            ..all[0].clone()
        },
        TicketListQuery {
            filters: TicketFilters {
                priority: Some(Priority::Low),
                ..TicketFilters::default()
            },
            ..all[0].clone()
        },
        all[2].clone(),
        all[5].clone(),
    ];
    for q in &variants {
        assert_invalid_cursor(store.list_tickets(b.tenant, q, &after(&cursor)).await);
    }
    let (other, _) = signed_up(store).await;
    assert_invalid_cursor(store.list_tickets(other.id, &all[0], &after(&cursor)).await);
    assert_invalid_cursor(
        store
            .list_tickets(b.tenant, &all[0], &after(&tampered(&cursor)))
            .await,
    );
    for made_up in ["abc", "", "x.y", "eyJzIjoiYSJ9.AAAA"] {
        assert_invalid_cursor(store.list_tickets(b.tenant, &all[0], &after(made_up)).await);
    }
    let ids: BTreeSet<_> = b.tickets.iter().map(|t| t.id).collect();
    assert_eq!(ids.len(), 14);
}

/// Filters on different fields are different lists, even when both ask
/// for "none": a cursor of the unassigned tickets of a dimension does not
/// open its tickets without a team.
pub async fn ticket_list_cursors_tell_their_filters_apart<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore,
    O: Outbox,
{
    let b = board(store).await;
    let query = |filters| TicketListQuery {
        dimension: TicketDimension::All,
        copied: None,
        filters,
        sort: TicketSort::UpdatedAt,
        descending: true,
    };
    let unassigned = query(TicketFilters {
        assignee: Some(None),
        ..TicketFilters::default()
    });
    let teamless = query(TicketFilters {
        team: Some(None),
        ..TicketFilters::default()
    });
    let cursor = first_cursor(|p| {
        let q = &unassigned;
        async move { store.list_tickets(b.tenant, q, &p).await }
    })
    .await;
    assert_invalid_cursor(
        store
            .list_tickets(b.tenant, &teamless, &after(&cursor))
            .await,
    );
}
