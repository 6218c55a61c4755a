//! An agent as assignment sees them: available or not, their skills, how
//! many unsolved tickets they hold, and when they last got one.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::UserId;
use crate::kernel::validation::Invalid;
use crate::tickets::ticket::Tag;

/// Whether an agent takes new tickets now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Online,
    Away,
    /// Until they say otherwise.
    #[default]
    Offline,
}

/// A skill: a short lower-case word (`billing`, `es`, `sql`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Skill(String);

pub const MAX_SKILLS: usize = 30;
/// A ticket requires a skill by carrying the tag `skill:<name>`.
pub const SKILL_TAG: &str = "skill:";

impl Skill {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_lowercase();
        let ok = !s.is_empty()
            && s.len() <= 30
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(Self(s))
        } else {
            Err(Invalid::new(
                "invalid_skill",
                "skills are 1 to 30 letters, digits, - _ or .",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tag that makes a ticket require this skill.
    pub fn tag(&self) -> Option<Tag> {
        Tag::parse(&format!("{SKILL_TAG}{}", self.0)).ok()
    }
}

impl TryFrom<String> for Skill {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Skill::parse(&s).map_err(|e| e.message)
    }
}

impl From<Skill> for String {
    fn from(s: Skill) -> String {
        s.0
    }
}

/// The skills a ticket requires: its `skill:` tags.
pub fn required_skills<'a>(tags: impl IntoIterator<Item = &'a Tag>) -> BTreeSet<Skill> {
    tags.into_iter()
        .filter_map(|t| t.as_str().strip_prefix(SKILL_TAG))
        .filter_map(|s| Skill::parse(s).ok())
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub user_id: UserId,
    pub availability: Availability,
    pub skills: BTreeSet<Skill>,
    /// Unsolved tickets assigned to them (kept by every ticket write).
    pub open: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_assigned_at: Option<Timestamp>,
}

impl Agent {
    /// An agent nothing was recorded for: offline, no skills, no load.
    pub fn new(user_id: UserId) -> Self {
        Self {
            user_id,
            availability: Availability::Offline,
            skills: BTreeSet::new(),
            open: 0,
            last_assigned_at: None,
        }
    }
}
