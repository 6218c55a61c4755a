//! What staff see of a person: the person, staff's notes, their
//! organisation and their tickets in numbers.

use axum::response::Response;
use jiff::Timestamp;
use serde::Serialize;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::User;
use switchboard_domain::kernel::ids::OrganizationId;
use switchboard_domain::tickets::listing::RequesterSummary;
use switchboard_http::ApiError;
use switchboard_http::respond::versioned;
use switchboard_http::views::UserView;

use crate::AppState;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProfileView {
    #[serde(flatten)]
    user: UserView,
    /// Staff's private notes about the person (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    /// Their organisation (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    organization: Option<OrganizationRef>,
    /// Their tickets in numbers (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    tickets: Option<TicketsSummaryView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationRef {
    #[schema(value_type = String)]
    id: OrganizationId,
    name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TicketsSummaryView {
    open: usize,
    counted: usize,
    more: bool,
    last_activity_at: Option<Timestamp>,
}

impl From<RequesterSummary> for TicketsSummaryView {
    fn from(s: RequesterSummary) -> Self {
        Self {
            open: s.open,
            counted: s.counted,
            more: s.more,
            last_activity_at: s.last_activity_at,
        }
    }
}

/// A person as the caller may see them: staff get the profile, customers
/// (who read only themselves) the person alone.
pub(crate) async fn person(
    state: &AppState,
    principal: &Principal,
    user: &User,
) -> Result<Response, ApiError> {
    if !principal.role().is_staff() {
        return Ok(versioned(user.version, UserView::from(user)));
    }
    let view = ProfileView::of(state, principal, user).await?;
    Ok(versioned(user.version, view))
}

impl ProfileView {
    /// The profile as staff see it.
    async fn of(state: &AppState, principal: &Principal, user: &User) -> Result<Self, DomainError> {
        let organization = match user.organization_id {
            Some(id) => match state.organizations.get(principal, id).await {
                Ok(org) => Some(OrganizationRef { id, name: org.name }),
                // Deleted since: the person belongs to none.
                Err(DomainError::NotFound) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        // A key that may read people but not tickets gets no numbers.
        let tickets = match state.tickets.requester_summary(principal, user.id).await {
            Ok(summary) => Some(summary.into()),
            Err(DomainError::Forbidden) => None,
            Err(e) => return Err(e),
        };
        Ok(Self {
            user: UserView::from(user),
            notes: Some(user.notes.clone()),
            organization,
            tickets,
        })
    }
}
