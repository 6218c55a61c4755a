//! What the contracts build their data with: fresh entities of fresh
//! tenants (so contracts run in parallel on one table), whole-second
//! times, and a page walker that checks pages are full.

use std::future::Future;
use switchboard_domain::kernel::error::StoreResult;

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::NewSession;
use switchboard_domain::accounts::session::{RefreshRecord, Session};
use switchboard_domain::accounts::tenant::{Slug, Tenant};
use switchboard_domain::accounts::user::{Email, Role, User};
use switchboard_domain::kernel::events::{Actor, DomainEvent, EventType, NoData, Subject};
use switchboard_domain::kernel::ids::{TenantId, TicketId, UserId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::tickets::ticket::{Channel, Clocks, Priority, Status, Ticket, TicketType};

use crate::MemoryStore;

/// Where a contract looks for outbox events: the store under test writes
/// them, this reads them back (the ports never do).
pub trait Outbox: Send + Sync {
    /// Whether the outbox holds event `id` of `tenant`.
    fn holds(
        &self,
        tenant: TenantId,
        id: switchboard_domain::kernel::ids::EventId,
    ) -> impl Future<Output = bool> + Send;
}

impl Outbox for MemoryStore {
    async fn holds(&self, tenant: TenantId, id: switchboard_domain::kernel::ids::EventId) -> bool {
        self.holds_event(tenant, id)
    }
}

/// Now, to the second (stored times keep at least that).
pub fn now() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

/// A minute far ahead, different for each call: the timer index spans
/// every tenant, and such a minute holds one test's timers only.
pub fn far_future() -> Timestamp {
    let spread = i64::try_from(TenantId::new().ulid().random() % 1_000_000_000).unwrap_or(0);
    // 2200-01-01, plus up to ~31 years in whole minutes.
    Timestamp::from_second(7_258_118_400 + spread * 60).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A string no other test uses (lower case).
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        TenantId::new().ulid().to_string().to_lowercase()
    )
}

/// An event with no data (its type does not matter to the store).
pub fn event(tenant: TenantId) -> DomainEvent {
    DomainEvent::new(
        EventType::TenantSuspended,
        tenant,
        now(),
        Actor::operator(),
        Subject::default(),
        &NoData {},
    )
}

pub fn tenant_at(created_at: Timestamp) -> Tenant {
    let slug = Slug::parse(&unique("c-")).expect("a valid slug");
    Tenant::new(slug, "Contract Co".into(), created_at)
}

pub fn email(local: &str) -> Email {
    Email::parse(&format!("{local}@{}.example", unique("d"))).expect("a valid email")
}

pub fn user(tenant: TenantId, role: Role, name: &str) -> User {
    User::new(tenant, email("person"), name.into(), role, None, now())
}

/// A session of `user` and its first refresh token.
pub fn session(user: &User) -> (Session, RefreshRecord) {
    let session = Session::start(user.tenant_id, user.id, now());
    let (_, refresh) = RefreshRecord::issue(&session);
    (session, refresh)
}

pub fn new_session<'a>(s: &'a (Session, RefreshRecord)) -> NewSession<'a> {
    NewSession {
        session: &s.0,
        refresh: &s.1,
    }
}

/// A tenant created with its owner (and a session), through the port.
pub async fn signed_up<S: switchboard_domain::accounts::ports::TenantStore>(
    store: &S,
) -> (Tenant, User) {
    let tenant = tenant_at(now());
    let owner = user(tenant.id, Role::Owner, "Olivia Owner");
    let s = session(&owner);
    store
        .create_tenant(&tenant, &owner, new_session(&s), &[event(tenant.id)])
        .await
        .expect("creating a tenant");
    (tenant, owner)
}

/// A ticket of `tenant` requested by `requester`, open, at `at`.
pub fn ticket(tenant: TenantId, requester: UserId, number: u64, at: Timestamp) -> Ticket {
    Ticket {
        id: TicketId::new(),
        tenant_id: tenant,
        number,
        subject: format!("Ticket {number}"),
        status: Status::Open,
        priority: Priority::Normal,
        kind: TicketType::Question,
        channel: Channel::Web,
        requester_id: requester,
        organization_id: None,
        assignee_id: None,
        team_id: None,
        tags: Default::default(),
        custom_fields: [("plan".to_owned(), serde_json::json!({"tier": 2}))].into(),
        cc: Default::default(),
        created_by: Actor::user(requester),
        created_at: at,
        updated_at: at,
        first_response_at: None,
        solved_at: None,
        closed_at: None,
        deleted_at: None,
        version: 1,
        public_version: 1,
        public_updated_at: at,
        merged_into: None,
        merged_from: Default::default(),
        followers: [requester].into(),
        // Stored and read back like every other field.
        satisfaction: None,
        clocks: Clocks {
            status_changed_at: Some(at),
            requester_replied_at: Some(at),
            automation_updates: 1,
            ..Clocks::default()
        },
    }
}

/// Reads every page of a list (`limit` at a time) and checks that each
/// page that names a next one is full. A last page may be empty: a store
/// may hand out a cursor for a page that ended at the last item.
pub async fn all_pages<T, F, Fut>(limit: u32, fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    walk(limit, fetch, true).await
}

/// Like [`all_pages`], for a list whose pages may come short (entries of an
/// index whose items are read after the query, some of them gone).
pub async fn all_pages_short<T, F, Fut>(limit: u32, fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    walk(limit, fetch, false).await
}

async fn walk<T, F, Fut>(limit: u32, mut fetch: F, full: bool) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    let mut items = Vec::new();
    let mut cursor = None;
    for _ in 0..10_000 {
        let page = fetch(PageRequest { limit, cursor }).await.expect("a page");
        assert!(
            page.items.len() <= limit as usize,
            "a page holds at most its limit"
        );
        if full && page.next_cursor.is_some() {
            assert_eq!(
                page.items.len(),
                limit as usize,
                "a page with a next cursor is full"
            );
        }
        items.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return items,
        }
    }
    panic!("the list did not end");
}

/// The first page of a list, and its cursor (which must be there).
pub async fn first_cursor<T, Fut>(fetch: impl FnOnce(PageRequest) -> Fut) -> String
where
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    fetch(PageRequest {
        limit: 1,
        cursor: None,
    })
    .await
    .expect("a first page")
    .next_cursor
    .expect("a list of more than one item has a next cursor")
}

/// A cursor edited by hand: one character in the middle changed.
pub fn tampered(cursor: &str) -> String {
    let mut chars: Vec<char> = cursor.chars().collect();
    let i = chars.len() / 3;
    chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
    chars.into_iter().collect()
}

/// The request for the page after `cursor`.
pub fn after(cursor: &str) -> PageRequest {
    PageRequest {
        limit: 10,
        cursor: Some(cursor.to_owned()),
    }
}

#[track_caller]
pub fn assert_invalid_cursor<T: std::fmt::Debug>(result: StoreResult<T>) {
    assert!(
        matches!(result, Err(StoreError::InvalidCursor)),
        "expected InvalidCursor, got {result:?}"
    );
}

/// Asserts a result is the error `expected` (by variant).
#[track_caller]
pub fn assert_error<T: std::fmt::Debug>(result: StoreResult<T>, expected: &StoreError) {
    match &result {
        Err(e) if std::mem::discriminant(e) == std::mem::discriminant(expected) => {
            if let (StoreError::Conflict(a), StoreError::Conflict(b)) = (e, expected) {
                assert_eq!(a, b, "the conflict");
            }
        }
        _ => panic!("expected {expected:?}, got {result:?}"),
    }
}
