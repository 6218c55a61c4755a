//! How a team hands out its tickets.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// People assign tickets themselves.
    #[default]
    Manual,
    /// The member who got a ticket the longest ago.
    RoundRobin,
    /// The member holding the fewest unsolved tickets.
    LeastBusy,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Manual => "manual",
            Strategy::RoundRobin => "round_robin",
            Strategy::LeastBusy => "least_busy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamAssignment {
    pub strategy: Strategy,
    /// At most this many unsolved tickets each (none: no cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_open_per_agent: Option<u32>,
    /// Only agents who are online.
    pub only_available: bool,
    /// Only agents with every skill a ticket requires (its `skill:` tags).
    pub require_skills: bool,
}

impl Default for TeamAssignment {
    fn default() -> Self {
        Self {
            strategy: Strategy::Manual,
            max_open_per_agent: None,
            only_available: true,
            require_skills: true,
        }
    }
}
