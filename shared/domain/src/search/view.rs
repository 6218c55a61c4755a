//! Saved views: a named query with its order, kept by an agent for
//! themselves or shared with a team or every agent ("My open tickets",
//! "Billing, waiting on us"). A view is a search: it is written in the
//! query language and checked when saved, so it never fails when run.

use jiff::Timestamp;

use crate::accounts::permissions::{Action, Principal};
use crate::kernel::error::{DomainError, FieldError};
use crate::kernel::ids::{TeamId, TenantId, UserId, ViewId};
use crate::kernel::validation::{Invalid, bounded_text};
use crate::search::query;
use crate::search::query::SearchSort;

/// Views one person keeps for themselves.
pub const MAX_PERSONAL_VIEWS: usize = 100;
/// Views a tenant shares with teams or everyone.
pub const MAX_SHARED_VIEWS: usize = 200;

/// Who sees a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Its owner only.
    Personal(UserId),
    /// The team's members, and admins.
    Team(TeamId),
    /// Every agent and admin.
    Everyone,
}

impl Sharing {
    pub fn as_str(&self) -> &'static str {
        match self {
            Sharing::Personal(_) => "personal",
            Sharing::Team(_) => "team",
            Sharing::Everyone => "everyone",
        }
    }

    pub fn is_personal(&self) -> bool {
        matches!(self, Sharing::Personal(_))
    }

    /// Whose a personal view is.
    pub fn owner(&self) -> Option<UserId> {
        match self {
            Sharing::Personal(owner) => Some(*owner),
            _ => None,
        }
    }

    /// The team a team view is shared with.
    pub fn team(&self) -> Option<TeamId> {
        match self {
            Sharing::Team(team) => Some(*team),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SavedView {
    pub id: ViewId,
    pub tenant_id: TenantId,
    pub name: String,
    /// In the query language; parsed when saved.
    pub query: String,
    pub sort: SearchSort,
    pub descending: bool,
    pub sharing: Sharing,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl SavedView {
    /// Whether `principal` may see it (`teams`: the teams they belong to).
    pub fn visible_to(&self, principal: &Principal, teams: &[TeamId]) -> bool {
        if principal.require(Action::UseViews).is_err() {
            return false;
        }
        match self.sharing {
            Sharing::Personal(owner) => principal.user_id() == Some(owner),
            Sharing::Team(team) => principal.role().is_admin() || teams.contains(&team),
            Sharing::Everyone => true,
        }
    }

    /// Whether `principal` may change or delete it: a personal view its
    /// owner, a shared one those who manage shared views.
    pub fn editable_by(&self, principal: &Principal) -> Result<(), DomainError> {
        match self.sharing {
            Sharing::Personal(owner) if principal.user_id() == Some(owner) => {
                principal.require(Action::UseViews)
            }
            Sharing::Personal(_) => Err(DomainError::NotFound),
            Sharing::Team(_) | Sharing::Everyone => principal.require(Action::ManageSharedViews),
        }
    }
}

/// Who a view is shared with, as asked: `personal` (the caller's own),
/// `team` (with `teamId`) or `everyone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharingInput {
    Personal,
    Team(TeamId),
    Everyone,
}

/// A new view, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewView {
    pub name: String,
    pub query: String,
    pub sort: SearchSort,
    pub descending: bool,
    pub sharing: SharingInput,
}

/// A change to a view: the fields given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewPatch {
    pub name: Option<String>,
    pub query: Option<String>,
    pub sort: Option<SearchSort>,
    pub descending: Option<bool>,
    pub sharing: Option<SharingInput>,
}

pub fn parse_view_name(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, 80)
}

/// A view's query: readable now, so it can always be run. The error says
/// where and what could not be read.
pub fn parse_view_query(raw: &str) -> Result<String, FieldError> {
    query::parse(raw).map_err(|e| e.field_error("query"))?;
    Ok(raw.trim().to_owned())
}

pub fn parse_sort(raw: &str) -> Result<SearchSort, Invalid> {
    match raw {
        "relevance" => Ok(SearchSort::Relevance),
        "updated" => Ok(SearchSort::Updated),
        "created" => Ok(SearchSort::Created),
        _ => Err(Invalid::new(
            "invalid_value",
            "must be `relevance`, `updated` or `created`",
        )),
    }
}

/// `desc` (true) or `asc`.
pub fn parse_order(raw: &str) -> Result<bool, Invalid> {
    match raw {
        "desc" => Ok(true),
        "asc" => Ok(false),
        _ => Err(Invalid::new("invalid_value", "must be `desc` or `asc`")),
    }
}

/// `shared` and `teamId` together: a team view names its team, and only a
/// team view does.
pub fn parse_sharing(raw: &str, team: Option<&str>) -> Result<SharingInput, Vec<FieldError>> {
    let team = match team.map(str::parse::<TeamId>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => {
            return Err(vec![FieldError::new("teamId", "invalid_id", e.to_string())]);
        }
    };
    match (raw, team) {
        ("personal", None) => Ok(SharingInput::Personal),
        ("everyone", None) => Ok(SharingInput::Everyone),
        ("team", Some(id)) => Ok(SharingInput::Team(id)),
        ("team", None) => Err(vec![FieldError::new(
            "teamId",
            "required",
            "a team view names its team",
        )]),
        ("personal" | "everyone", Some(_)) => Err(vec![FieldError::new(
            "teamId",
            "not_allowed",
            "only a team view names a team",
        )]),
        _ => Err(vec![FieldError::new(
            "shared",
            "invalid_value",
            "must be `personal`, `team` or `everyone`",
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_view_names_its_team_and_only_a_team_view_does() {
        let team = TeamId::new();
        let id = team.to_string();
        assert_eq!(
            parse_sharing("team", Some(&id)),
            Ok(SharingInput::Team(team))
        );
        assert_eq!(parse_sharing("personal", None), Ok(SharingInput::Personal));
        assert_eq!(parse_sharing("everyone", None), Ok(SharingInput::Everyone));
        let code = |r: Result<SharingInput, Vec<FieldError>>| {
            r.err().map(|e| (e[0].field.clone(), e[0].code))
        };
        assert_eq!(
            code(parse_sharing("team", None)),
            Some(("teamId".into(), "required"))
        );
        assert_eq!(
            code(parse_sharing("everyone", Some(&id))),
            Some(("teamId".into(), "not_allowed"))
        );
        assert_eq!(
            code(parse_sharing("team", Some("team_nope"))),
            Some(("teamId".into(), "invalid_id"))
        );
        assert_eq!(
            code(parse_sharing("world", None)),
            Some(("shared".into(), "invalid_value"))
        );
    }

    #[test]
    fn a_query_that_cannot_be_read_is_refused_with_where_and_what() {
        assert_eq!(
            parse_view_query("  status:open assignee:me "),
            Ok("status:open assignee:me".into())
        );
        let e = parse_view_query("status:nope").expect_err("an unknown status");
        assert_eq!(e.field, "query");
        let at = e.at.expect("a position");
        assert_eq!((at.position, at.token.as_str()), (0, "status:nope"));
    }
}
