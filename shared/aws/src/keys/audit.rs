//! The audit log's keys: one partition per tenant, sorted by entry id (a
//! ULID made from the entry's time), read newest first by a time range.

use switchboard_domain::kernel::ids::TenantId;

use super::{Key, t};

pub fn audit_pk(tenant: TenantId) -> String {
    format!("{}#AUDIT", t(tenant))
}

pub fn audit_entry(tenant: TenantId, id: &str) -> Key {
    Key::new(audit_pk(tenant), id.to_owned())
}

/// The sort key bounds of the entries made from `from` (included) until
/// `to` (excluded), in milliseconds since the epoch.
pub fn audit_range(from_ms: Option<i64>, to_ms: Option<i64>) -> (String, String) {
    let bound = |ms: i64, random: u128| {
        ulid::Ulid::from_parts(u64::try_from(ms.max(0)).unwrap_or(0), random).to_string()
    };
    let lo = from_ms.map_or_else(|| "0".to_owned(), |ms| bound(ms, 0));
    let hi = to_ms.map_or_else(
        || "~".to_owned(),
        |ms| bound(ms.saturating_sub(1), u128::MAX),
    );
    (lo, hi)
}
