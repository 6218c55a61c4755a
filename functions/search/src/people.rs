//! `GET /v1/search/people`: staff find customers and agents by a word of
//! their name, their address or its domain, as they type.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::kernel::ids::OrganizationId;
use switchboard_domain::kernel::validation::{Invalid, Validator, parse_id};
use switchboard_domain::search::people::PeopleRequest;
use switchboard_domain::search::person::PeopleKind;
use switchboard_http::problem::Problems;
use switchboard_http::views::UserView;
use switchboard_http::{ApiError, Authenticated, Json, Query};

use crate::AppState;
use crate::results::paging;

type S = State<Arc<AppState>>;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct PeopleParams {
    /// Words each starting a word of the name or the address:
    /// `ana`, `ana lim`, `ana@acme`, `acme.com`.
    q: Option<String>,
    /// `customer` or `staff` (agents, admins and owners); both by default.
    role: Option<String>,
    organization_id: Option<String>,
    /// `true`: deactivated people too.
    inactive: Option<bool>,
    limit: Option<i64>,
    cursor: Option<String>,
}

fn parse_kind(raw: &str) -> Result<PeopleKind, Invalid> {
    match raw {
        "customer" => Ok(PeopleKind::Customers),
        "staff" => Ok(PeopleKind::Staff),
        _ => Err(Invalid::new(
            "invalid_value",
            "must be `customer` or `staff`",
        )),
    }
}

impl TryFrom<PeopleParams> for PeopleRequest {
    type Error = DomainError;

    fn try_from(p: PeopleParams) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let kind = v.optional("role", p.role, |r| parse_kind(&r));
        let organization = v.optional("organizationId", p.organization_id, |o| {
            parse_id::<OrganizationId>(&o)
        });
        let paged = paging(p.limit, p.cursor.as_deref(), &mut v);
        v.finish()?;
        let (offset, limit) = paged?;
        Ok(PeopleRequest {
            q: p.q.unwrap_or_default(),
            kind: kind.flatten(),
            organization_id: organization.flatten(),
            inactive: p.inactive.unwrap_or(false),
            offset,
            limit,
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PeopleResultsView {
    /// Best match first.
    items: Vec<UserView>,
    next_cursor: Option<String>,
    /// Every match (at most 1,000 are paged through).
    total: usize,
}

#[utoipa::path(
    get,
    path = "/v1/search/people",
    tag = "search",
    description = "Customers and staff whose name or address has words starting with each word of `q` \
(staff only; a whole-word match ranks first).",
    params(PeopleParams),
    responses((status = 200, body = PeopleResultsView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn search(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(params): Query<PeopleParams>,
) -> Result<Json<PeopleResultsView>, ApiError> {
    let request = PeopleRequest::try_from(params)?;
    let found = state.search.people(&principal, &request).await?;
    Ok(Json(PeopleResultsView {
        items: found.items.iter().map(UserView::from).collect(),
        next_cursor: found.next_offset.map(|n| format!("o{n}")),
        total: found.total,
    }))
}
