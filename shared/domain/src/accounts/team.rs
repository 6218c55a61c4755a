//! Teams of agents, which tickets can be routed to.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::kernel::ids::{TeamId, TenantId, UserId};
use crate::kernel::validation::{Invalid, bounded_text};

/// Members per team: bounded so a team stays one item.
pub const MAX_MEMBERS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    pub tenant_id: TenantId,
    pub name: String,
    pub description: String,
    pub members: BTreeSet<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

pub fn parse_team_name(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, 80)
}

pub fn parse_description(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 0, 1000)
}

/// Member ids as typed: valid ids, no more than the limit.
pub fn parse_members(raw: &[String]) -> Result<BTreeSet<UserId>, Invalid> {
    if raw.len() > MAX_MEMBERS {
        return Err(Invalid::new(
            "too_many",
            format!("a team has at most {MAX_MEMBERS} members"),
        ));
    }
    raw.iter()
        .map(|id| {
            id.parse::<UserId>()
                .map_err(|_| Invalid::new("invalid_id", format!("`{id}` is not a user id")))
        })
        .collect()
}
