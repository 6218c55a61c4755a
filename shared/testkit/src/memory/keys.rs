//! The sort keys of the table's indexes, built as `switchboard-aws`'s keys
//! module builds them, so lists order (and break ties) the same way.

use jiff::Timestamp;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::{ApiKeyId, TenantId, TicketId, UserId};

pub(super) use super::cursor::sortable;

pub fn tenants_index(created_at: Timestamp, tenant: TenantId) -> String {
    format!("{}#{}", created_at.as_millisecond(), tenant.ulid())
}

pub fn users_index(role: Role, name: &str, user: UserId) -> String {
    format!("{}#{}#{}", role.as_str(), name.to_lowercase(), user.ulid())
}

pub fn api_keys_index(created_at: Timestamp, id: ApiKeyId) -> String {
    format!("{}#{}", created_at.as_millisecond(), id.ulid())
}

/// Epoch milliseconds, zero-padded, then the id for ties.
pub fn ticket_index(at: Timestamp, ticket: TicketId) -> String {
    format!("{:013}#{}", at.as_millisecond().max(0), ticket.ulid())
}

pub fn sla_view(due: Timestamp, ticket: TicketId) -> String {
    format!("{}#{}", sortable(due), ticket.ulid())
}

pub fn sla_timer(deadline: Timestamp, tenant: TenantId, ticket: TicketId) -> String {
    format!("{}#{}#{}", sortable(deadline), tenant.ulid(), ticket.ulid())
}

/// Received mail by time, to the nanosecond, then by Message-ID digest.
/// (`DynamoStore` sorts by the RFC 3339 text, whose width varies with the
/// fraction of a second: see the report on `messages_index_sk`.)
pub fn messages_index(received_at: Timestamp, digest: &str) -> String {
    format!(
        "{}#{digest}",
        received_at.strftime("%Y-%m-%dT%H:%M:%S%.9fZ")
    )
}

/// The digest a Message-ID is stored under (angle brackets and spaces aside).
pub fn message_digest(message_id: &str) -> String {
    switchboard_domain::kernel::secrets::token_digest(message_id.trim().trim_matches(['<', '>']))
}
