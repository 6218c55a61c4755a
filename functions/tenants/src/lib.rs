//! The `tenants` function: public sign-up of a new helpdesk, the caller's
//! tenant and its settings, and the operator's tenant administration.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::SignUp;
use switchboard_domain::accounts::permissions::Action;
use switchboard_domain::accounts::tenant::{
    Plan, SatisfactionSettings, Slug, TenantPatch, TenantStatus, UnverifiedMail,
    parse_audit_retention, parse_tenant_name,
};
use switchboard_domain::accounts::user::{Email, Password, parse_person_name};
use switchboard_domain::kernel::ids::{JobId, TenantId};
use switchboard_domain::kernel::validation::Validator;
use switchboard_domain::search::rebuild::{rebuild_job, request_rebuild};
use switchboard_http::conditional::IfMatch;
use switchboard_http::extract::PageQuery;
use switchboard_http::layers::location;
use switchboard_http::problem::Problems;
use switchboard_http::respond::{created, versioned};
use switchboard_http::routes::Routes;
use switchboard_http::views::{JobView, PageView, SessionView, TenantView};
use switchboard_http::{ApiError, Authenticated, Json, OperatorAuth, PublicRoute, Query};
use switchboard_wiring::Api;

/// This function's handlers use the account service alone.
pub type AppState = Api<()>;

/// Every route this function serves; template.yaml must route exactly these
/// here (checked by the route check).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::POST, "/v1/tenants", sign_up)
        .add(Method::GET, "/v1/tenants/current", current)
        .add(Method::PATCH, "/v1/tenants/current", update_current)
        .add(Method::GET, "/v1/operator/tenants", list_tenants)
        .add(Method::POST, "/v1/operator/tenants/{id}/suspend", suspend)
        .add(
            Method::POST,
            "/v1/operator/tenants/{id}/reactivate",
            reactivate,
        )
        .add(Method::PUT, "/v1/operator/tenants/{id}/plan", set_plan)
        .add(Method::POST, "/v1/operator/tenants/{id}/reindex", reindex)
        .add(
            Method::GET,
            "/v1/operator/tenants/{id}/jobs/{jobId}",
            operator_job,
        )
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    sign_up,
    current,
    update_current,
    list_tenants,
    suspend,
    reactivate,
    set_plan,
    reindex,
    operator_job
))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SignUpRequest {
    name: String,
    slug: String,
    owner: OwnerRequest,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct OwnerRequest {
    name: String,
    email: String,
    password: String,
}

impl TryFrom<SignUpRequest> for SignUp {
    type Error = DomainError;

    fn try_from(r: SignUpRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.field("name", parse_tenant_name(&r.name));
        let slug = v.field("slug", Slug::parse(&r.slug));
        let owner_name = v.field("owner.name", parse_person_name(&r.owner.name));
        let owner_email = v.field("owner.email", Email::parse(&r.owner.email));
        let owner_password = v.field("owner.password", Password::parse(r.owner.password));
        v.finish()?;
        match (name, slug, owner_name, owner_email, owner_password) {
            (Some(name), Some(slug), Some(owner_name), Some(owner_email), Some(owner_password)) => {
                Ok(SignUp {
                    name,
                    slug,
                    owner_name,
                    owner_email,
                    owner_password,
                })
            }
            _ => Err(DomainError::Internal(
                "validated sign-up is incomplete".into(),
            )),
        }
    }
}

#[utoipa::path(
    post,
    path = "/v1/tenants",
    tag = "tenants",
    request_body = SignUpRequest,
    responses((status = 201, body = SessionView), Problems),
)]
async fn sign_up(
    State(state): State<Arc<AppState>>,
    _: PublicRoute,
    Json(body): Json<SignUpRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let signed_in = state
        .accounts
        .sign_up(body.try_into()?, Timestamp::now())
        .await?;
    tracing::info!(tenant_id = %signed_in.tenant.id, "tenant signed up");
    Ok(created(
        "/v1/tenants/current",
        None,
        SessionView::from(signed_in),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/tenants/current",
    tag = "tenants",
    responses((status = 200, body = TenantView), Problems),
    security(("bearer" = [])),
)]
async fn current(Authenticated(principal): Authenticated) -> Result<impl IntoResponse, ApiError> {
    principal.require(Action::ReadTenant)?;
    let tenant = &principal.tenant;
    Ok(versioned(tenant.version, TenantView::from(tenant)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TenantPatchRequest {
    name: Option<String>,
    settings: Option<SettingsPatchRequest>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SettingsPatchRequest {
    allow_customer_signup: Option<bool>,
    /// `open` (default): a mail whose sender fails DMARC opens a ticket
    /// tagged `unverified-sender`; `hold`: it is held for review.
    unverified_mail: Option<String>,
    /// Days the audit log keeps its entries (30–3650; default 365).
    audit_retention_days: Option<i64>,
    /// Satisfaction surveys of solved tickets (both off by default).
    satisfaction: Option<SatisfactionRequest>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SatisfactionRequest {
    /// Mail the requester of each solved ticket a survey.
    enabled: bool,
    /// A `bad` rating reopens the ticket.
    reopen_on_bad: bool,
}

impl TryFrom<TenantPatchRequest> for TenantPatch {
    type Error = DomainError;

    fn try_from(r: TenantPatchRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.optional("name", r.name, |n| parse_tenant_name(&n));
        let (signup, mail, retention, surveys) = match r.settings {
            Some(s) => (
                s.allow_customer_signup,
                s.unverified_mail,
                s.audit_retention_days,
                s.satisfaction.map(|s| SatisfactionSettings {
                    enabled: s.enabled,
                    reopen_on_bad: s.reopen_on_bad,
                }),
            ),
            None => (None, None, None, None),
        };
        let retention = v.optional(
            "settings.auditRetentionDays",
            retention,
            parse_audit_retention,
        );
        let mail = v.optional("settings.unverifiedMail", mail, |m| {
            UnverifiedMail::parse(&m)
        });
        v.finish()?;
        Ok(TenantPatch {
            name: name.flatten(),
            allow_customer_signup: signup,
            unverified_mail: mail.flatten(),
            plan: None,
            audit_retention_days: retention.flatten(),
            satisfaction: surveys,
        })
    }
}

#[utoipa::path(
    patch,
    path = "/v1/tenants/current",
    tag = "tenants",
    request_body = TenantPatchRequest,
    responses((status = 200, body = TenantView), Problems),
    security(("bearer" = [])),
)]
async fn update_current(
    State(state): State<Arc<AppState>>,
    Authenticated(principal): Authenticated,
    if_match: IfMatch,
    Json(body): Json<TenantPatchRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let tenant = state
        .accounts
        .update_tenant(
            &principal,
            body.try_into()?,
            if_match.version(),
            Timestamp::now(),
        )
        .await?;
    Ok(versioned(tenant.version, TenantView::from(&tenant)))
}

#[utoipa::path(
    get,
    path = "/v1/operator/tenants",
    tag = "operator",
    params(PageQuery),
    responses((status = 200, body = PageView<TenantView>), Problems),
    security(("bearer" = [])),
)]
async fn list_tenants(
    State(state): State<Arc<AppState>>,
    _: OperatorAuth,
    Query(query): Query<PageQuery>,
) -> Result<Json<PageView<TenantView>>, ApiError> {
    let page = query.page()?;
    let tenants = state.accounts.list_tenants(&page).await?;
    Ok(Json(PageView::from_page(tenants, |t| TenantView::from(t))))
}

#[utoipa::path(
    post,
    path = "/v1/operator/tenants/{id}/suspend",
    tag = "operator",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = TenantView), Problems),
    security(("bearer" = [])),
)]
async fn suspend(
    state: State<Arc<AppState>>,
    operator: OperatorAuth,
    id: Path<String>,
) -> Result<Json<TenantView>, ApiError> {
    set_status(state, operator, id, TenantStatus::Suspended).await
}

#[utoipa::path(
    post,
    path = "/v1/operator/tenants/{id}/reactivate",
    tag = "operator",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = TenantView), Problems),
    security(("bearer" = [])),
)]
async fn reactivate(
    state: State<Arc<AppState>>,
    operator: OperatorAuth,
    id: Path<String>,
) -> Result<Json<TenantView>, ApiError> {
    set_status(state, operator, id, TenantStatus::Active).await
}

async fn set_status(
    State(state): State<Arc<AppState>>,
    _: OperatorAuth,
    Path(id): Path<String>,
    status: TenantStatus,
) -> Result<Json<TenantView>, ApiError> {
    let id: TenantId = id.parse().map_err(|_| DomainError::NotFound)?;
    let tenant = state
        .accounts
        .set_tenant_status(id, status, Timestamp::now())
        .await?;
    tracing::info!(tenant_id = %tenant.id, status = ?tenant.status, "operator changed tenant status");
    Ok(Json(TenantView::from(&tenant)))
}

/// `PUT /v1/operator/tenants/{id}/plan`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PlanRequest {
    /// `free`, `standard` or `enterprise`: sizes the tenant's rate limits.
    plan: String,
}

impl TryFrom<PlanRequest> for Plan {
    type Error = DomainError;

    fn try_from(r: PlanRequest) -> Result<Self, DomainError> {
        Plan::parse(&r.plan).map_err(|e| DomainError::field("plan", e.code, e.message))
    }
}

#[utoipa::path(
    put,
    path = "/v1/operator/tenants/{id}/plan",
    tag = "operator",
    description = "Sets the tenant's plan, which sizes its rate limits (requests a minute: free 300, \
standard 1,200, enterprise 6,000; each API key half of its tenant's).",
    request_body = PlanRequest,
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 200, body = TenantView), Problems),
    security(("bearer" = [])),
)]
async fn set_plan(
    State(state): State<Arc<AppState>>,
    _: OperatorAuth,
    Path(id): Path<String>,
    Json(body): Json<PlanRequest>,
) -> Result<Json<TenantView>, ApiError> {
    let id: TenantId = id.parse().map_err(|_| DomainError::NotFound)?;
    let plan = Plan::try_from(body)?;
    let tenant = state
        .accounts
        .set_tenant_plan(id, plan, Timestamp::now())
        .await?;
    tracing::info!(tenant_id = %tenant.id, plan = ?tenant.settings.plan, "operator set the tenant's plan");
    Ok(Json(TenantView::from(&tenant)))
}

#[utoipa::path(
    post,
    path = "/v1/operator/tenants/{id}/reindex",
    tag = "operator",
    description = "Rebuilds the tenant's search index from the table (a lost or damaged index, or \
tickets written before search existed). Answers the job; follow it at `Location`.",
    params(("id" = String, Path, description = "The object's id")),
    responses((status = 202, body = JobView, description = "The rebuild is under way"), Problems),
    security(("bearer" = [])),
)]
async fn reindex(
    State(state): State<Arc<AppState>>,
    _: OperatorAuth,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let id: TenantId = id.parse().map_err(|_| DomainError::NotFound)?;
    let job = request_rebuild(state.accounts.store(), id, Timestamp::now()).await?;
    tracing::info!(tenant_id = %id, job_id = %job.id, "operator asked for a search rebuild");
    let path = format!("/v1/operator/tenants/{id}/jobs/{}", job.id);
    Ok((
        axum::http::StatusCode::ACCEPTED,
        [location(&path)],
        Json(JobView::new(&job, None)),
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/v1/operator/tenants/{id}/jobs/{jobId}",
    tag = "operator",
    params(
        ("id" = String, Path, description = "The tenant's id"),
        ("jobId" = String, Path, description = "The job's id")
    ),
    responses((status = 200, body = JobView), Problems),
    security(("bearer" = [])),
)]
async fn operator_job(
    State(state): State<Arc<AppState>>,
    _: OperatorAuth,
    Path((id, job)): Path<(String, String)>,
) -> Result<Json<JobView>, ApiError> {
    let id: TenantId = id.parse().map_err(|_| DomainError::NotFound)?;
    let job: JobId = job.parse().map_err(|_| DomainError::NotFound)?;
    let job = rebuild_job(state.accounts.store(), id, job).await?;
    Ok(Json(JobView::new(&job, None)))
}
