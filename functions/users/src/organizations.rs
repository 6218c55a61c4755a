//! Customer organisations (`/v1/organizations`): staff read them, admins
//! change them and put customers in them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::organization::{
    NewOrganization, Organization, OrganizationPatch, SharedTickets, parse_domains, parse_notes,
    parse_organization_name,
};
use switchboard_domain::kernel::error::FieldError;
use switchboard_domain::kernel::ids::{OrganizationId, TenantId, UserId};
use switchboard_domain::kernel::validation::{Validator, parse_id};
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::{PageQuery, path_id};
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::views::{PageView, UserView};
use switchboard_http::{ApiError, Authenticated, Json, Query};

use crate::AppState;

type S = State<Arc<AppState>>;

/// An organisation as staff see it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationView {
    #[schema(value_type = String, example = "org_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    id: OrganizationId,
    #[schema(value_type = String)]
    tenant_id: TenantId,
    name: String,
    /// Mail domains whose new customers join it.
    domains: BTreeSet<String>,
    /// Staff's notes about the company.
    notes: String,
    /// `none`, `read` (its people read each other's tickets) or `comment`
    /// (and answer them); public parts only.
    #[schema(value_type = String, example = "read")]
    shared_tickets: SharedTickets,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: u64,
}

impl From<&Organization> for OrganizationView {
    fn from(o: &Organization) -> Self {
        Self {
            id: o.id,
            tenant_id: o.tenant_id,
            name: o.name.clone(),
            domains: o.domains.clone(),
            notes: o.notes.clone(),
            shared_tickets: o.shared_tickets,
            created_at: o.created_at,
            updated_at: o.updated_at,
            version: o.version,
        }
    }
}

/// `POST /v1/organizations`, and (every field optional) `PATCH`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OrganizationRequest {
    name: Option<String>,
    domains: Option<Vec<String>>,
    notes: Option<String>,
    /// `none` (default), `read` or `comment`.
    shared_tickets: Option<String>,
}

impl TryFrom<OrganizationRequest> for OrganizationPatch {
    type Error = DomainError;

    fn try_from(r: OrganizationRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.optional("name", r.name, |n| parse_organization_name(&n));
        let domains = r.domains.and_then(|d| match parse_domains(&d) {
            Ok(set) => Some(set),
            Err(errors) => {
                for (field, e) in errors {
                    v.push(FieldError::new(&field, e.code, e.message));
                }
                None
            }
        });
        let notes = v.optional("notes", r.notes, |n| parse_notes(&n));
        let shared = v.optional("sharedTickets", r.shared_tickets, |s| {
            SharedTickets::parse(&s)
        });
        v.finish()?;
        Ok(OrganizationPatch {
            name: name.flatten(),
            domains,
            notes: notes.flatten(),
            shared_tickets: shared.flatten(),
        })
    }
}

impl TryFrom<OrganizationRequest> for NewOrganization {
    type Error = DomainError;

    fn try_from(r: OrganizationRequest) -> Result<Self, DomainError> {
        let named = r.name.is_some();
        let patch = OrganizationPatch::try_from(r);
        let missing = FieldError::new("name", "required", "is required");
        match (patch, named) {
            (Ok(p), true) => Ok(NewOrganization {
                name: p.name.unwrap_or_default(),
                domains: p.domains.unwrap_or_default(),
                notes: p.notes.unwrap_or_default(),
                shared_tickets: p.shared_tickets.unwrap_or_default(),
            }),
            (Ok(_), false) => Err(DomainError::Invalid(vec![missing])),
            (Err(DomainError::Invalid(mut errors)), false) => {
                errors.insert(0, missing);
                Err(DomainError::Invalid(errors))
            }
            (Err(e), _) => Err(e),
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/organizations",
    tag = "organizations",
    params(PageQuery),
    responses((status = 200, body = PageView<OrganizationView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<PageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let page = q.page()?;
    let orgs = state.organizations.list(&principal, &page).await?;
    Ok(Json(PageView::from_page(orgs, |o| {
        OrganizationView::from(o)
    })))
}

#[utoipa::path(
    post,
    path = "/v1/organizations",
    tag = "organizations",
    description = "Creates an organisation (admins). A customer created afterwards with an address at one of \
its `domains` joins it (a domain belongs to one organisation: `409 domain_taken`).",
    request_body = OrganizationRequest,
    responses((status = 201, body = OrganizationView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn create(
    State(state): S,
    Authenticated(principal): Authenticated,
    Json(body): Json<OrganizationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let org = state
        .organizations
        .create(&principal, body.try_into()?, Timestamp::now())
        .await?;
    let location = format!("/v1/organizations/{}", org.id);
    Ok(created(
        &location,
        Some(org.version),
        OrganizationView::from(&org),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/organizations/{id}",
    tag = "organizations",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = OrganizationView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn get(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let org = state
        .organizations
        .get(&principal, path_id::<OrganizationId>(&id)?)
        .await?;
    Ok(versioned(org.version, OrganizationView::from(&org)))
}

#[utoipa::path(
    patch,
    path = "/v1/organizations/{id}",
    tag = "organizations",
    request_body = OrganizationRequest,
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = OrganizationView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn update(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<OrganizationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let org = state
        .organizations
        .update(
            &principal,
            path_id::<OrganizationId>(&id)?,
            body.try_into()?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(org.version, OrganizationView::from(&org)))
}

#[utoipa::path(
    delete,
    path = "/v1/organizations/{id}",
    tag = "organizations",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 204, description = "Deleted; its people keep their tickets"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    state
        .organizations
        .delete(
            &principal,
            path_id::<OrganizationId>(&id)?,
            Timestamp::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/users/{id}/organization`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MembershipRequest {
    /// The organisation, or `null` for none.
    #[schema(value_type = Option<String>)]
    organization_id: Option<String>,
}

#[utoipa::path(
    put,
    path = "/v1/users/{id}/organization",
    tag = "organizations",
    description = "Puts a customer in an organisation, or in none (admins). Their new tickets belong to it.",
    request_body = MembershipRequest,
    params(("id" = String, Path, description = "The customer's id")),
    responses((status = 200, body = UserView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn set_membership(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<MembershipRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let organization = body
        .organization_id
        .map(|raw| parse_id::<OrganizationId>(&raw))
        .transpose()
        .map_err(|e| DomainError::field("organizationId", e.code, e.message))?;
    let user = state
        .directory
        .set_organization(
            &principal,
            path_id::<UserId>(&id)?,
            organization,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(user.version, UserView::from(&user)))
}
